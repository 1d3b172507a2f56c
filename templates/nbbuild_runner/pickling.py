"""Notebook-defined functions and classes, shipped as source so pickles can cross steps."""

import ast
import linecache
import pickle
import types

from . import state
from .cells import SHIPPED_FILES, register_source, cell_filename
from .values import exact_json


def _names_used(node):
    out = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            out.add(n.id)
    return out


def collect_defs(cells):
    """Records each top-level def/class of the cells (last definition wins), with its source."""
    for pos, cell in enumerate(cells):
        source = cell.get("source", "")
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        lines = source.splitlines(True)
        for node in tree.body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            end = getattr(node, "end_lineno", None) or len(lines)
            src = "".join(lines[start - 1:end])
            state.RUN.defs_seq += 1
            state.RUN.defs[node.name] = {
                "name": node.name, "source": src, "file": cell.get("file", "?"),
                "index": cell.get("index"), "id": cell.get("id", ""), "line": start,
                "uses": sorted(_names_used(node) - {node.name}), "seq": state.RUN.defs_seq,
            }


def _global_source(name):
    """Source re-creating a plain global a shipped definition uses: a module import or a constant."""
    if name not in state.RUN.ns or name in state.RUN.defs or name.startswith("__"):
        return None
    value = state.RUN.ns[name]
    if isinstance(value, types.ModuleType):
        mod = value.__name__
        return ("import %s\n" % mod) if mod == name else ("import %s as %s\n" % (mod, name))
    if exact_json(value):
        text = "%s = %r\n" % (name, value)
        return text if len(text) <= 10000 else None
    return None


def _definitions_for(name):
    """The definition of `name` plus the notebook definitions, imports and constants it uses,
    in definition order (globals first)."""
    seen, globals_, todo = {}, {}, [name]
    while todo:
        n = todo.pop()
        if n in seen or n in globals_:
            continue
        if n not in state.RUN.defs:
            src = _global_source(n)
            if src is not None:
                globals_[n] = {"name": n, "source": src, "file": "<nbbuild>", "index": None, "id": "", "line": 1}
            continue
        seen[n] = state.RUN.defs[n]
        todo.extend(state.RUN.defs[n]["uses"])
    defs = [dict((k, d[k]) for k in ("name", "source", "file", "index", "id", "line"))
            for d in sorted(seen.values(), key=lambda d: d["seq"])]
    return [globals_[k] for k in sorted(globals_)] + defs


def _main_object(qualname, definitions):
    """Unpickling: resolves a notebook-defined function/class from the run namespace, re-creating
    it from the shipped source when this step does not define it."""
    ns = state.RUN.ns
    for d in definitions:
        if d["name"] in ns:
            continue
        if d.get("index") is None:  # a shipped import or constant
            exec(compile(d["source"], "<nbbuild: global %s>" % d["name"], "exec", dont_inherit=True), ns)
            continue
        pseudo = {"file": d["file"], "index": d["index"], "id": d.get("id", "")}
        filename = cell_filename(pseudo)
        padded = "\n" * (max(1, d.get("line") or 1) - 1) + d["source"]
        if filename not in linecache.cache:
            register_source(filename, padded)
            SHIPPED_FILES[filename] = pseudo
        exec(compile(padded, filename, "exec", dont_inherit=True), ns)
        if d["name"] not in state.RUN.defs:
            state.RUN.defs_seq += 1
            rec = dict(d)
            rec["uses"] = sorted(_names_used(ast.parse(d["source"])) - {d["name"]})
            rec["seq"] = -1_000_000 + state.RUN.defs_seq
            state.RUN.defs[d["name"]] = rec
    parts = qualname.split(".")
    if parts[0] not in ns:
        raise pickle.UnpicklingError("the notebook object %s is not defined in this step and no source was shipped" % qualname)
    obj = ns[parts[0]]
    for p in parts[1:]:
        obj = getattr(obj, p)
    return obj


class _NotebookPickler(pickle.Pickler):
    """stdlib Pickler that ships notebook-defined (module __main__) functions and classes as source."""

    def reducer_override(self, obj):
        if not isinstance(obj, (type, types.FunctionType)) and _is_main_callable(obj):
            # e.g. a functools.lru_cache-decorated notebook function: ship its definition
            top = obj.__qualname__.split(".")[0]
            return (_main_object, (obj.__qualname__, _definitions_for(top)))
        if isinstance(obj, (type, types.FunctionType)) and getattr(obj, "__module__", None) == "__main__":
            qualname = getattr(obj, "__qualname__", getattr(obj, "__name__", "?"))
            what = "class" if isinstance(obj, type) else "function"
            if "<lambda>" in qualname:
                raise pickle.PicklingError(
                    "it holds a lambda defined in the notebook; use a top-level def instead "
                    "(or install cloudpickle in the image)")
            if "<locals>" in qualname:
                raise pickle.PicklingError(
                    "it holds the %s %s defined inside a function; define it at the top level of a cell "
                    "(or install cloudpickle in the image)" % (what, qualname))
            top = qualname.split(".")[0]
            if top not in state.RUN.defs:
                raise pickle.PicklingError(
                    "it holds the %s %s defined in the notebook, but nbbuild found no top-level "
                    "definition of %s in this step's cells" % (what, qualname, top))
            return (_main_object, (qualname, _definitions_for(top)))
        return NotImplemented


def _is_main_callable(obj):
    """A callable wrapper whose __module__/__qualname__ name a top-level notebook definition."""
    try:
        if getattr(obj, "__module__", None) != "__main__" or not callable(obj):
            return False
        qualname = obj.__dict__.get("__qualname__") if hasattr(obj, "__dict__") else None
        qualname = qualname or getattr(obj, "__qualname__", None)
        if not isinstance(qualname, str) or "<" in qualname:
            return False
        top = qualname.split(".")[0]
        if top not in state.RUN.defs or top not in state.RUN.ns:
            return False
        target = state.RUN.ns[top]
        for part in qualname.split(".")[1:]:
            target = getattr(target, part)
        return target is obj
    except Exception:
        return False


class _NotebookUnpickler(pickle.Unpickler):
    """stdlib Unpickler resolving `__main__.X` from the run namespace."""

    def find_class(self, module, name):
        if module == "__main__":
            return _main_object(name, [])
        return super().find_class(module, name)


# Pickles name the reconstructor as nbbuild_runner._main_object (the package re-exports it).
_main_object.__module__ = "nbbuild_runner"
