#!/usr/bin/env python3
# nbbuild step runner. Copied into every step image as /opt/app-root/nbbuild/runner.py, beside the
# generated step module (step.py). Standard library only: runs on any python3 >= 3.8 base; pandas,
# numpy, pyarrow, cloudpickle, dill and matplotlib are used only when importable.
#
#   python3 -u /opt/app-root/nbbuild/runner.py --executor-input JSON [--param N=V]... [--input N=PATH]...
#       [--output N=PATH]... [--files-input PATH]... [--files-output PATH] [--report PATH]
#       [--metrics PATH] [--ui-markdown PATH] [--ui-html PATH] [--ui-confusion PATH]
#
# The argument contract lives in src/contract.ts (runnerArgs); change both together.
# A variable artifact is a directory: nbbuild.json ({name, type, format, ...}) + value.<ext>.
# Exit status: 0 on success, 1 when the step fails (the last stderr line starts with "nbbuild:").

import sys

if __name__ == "__main__":
    # Re-import this file as the module "nbbuild_runner" so that pickles of notebook-defined
    # objects can name their reconstructor (nbbuild_runner._main_object) while the notebook's own
    # namespace takes the name "__main__".
    import importlib.util

    sys.dont_write_bytecode = True
    _spec = importlib.util.spec_from_file_location("nbbuild_runner", __file__)
    _mod = importlib.util.module_from_spec(_spec)
    sys.modules["nbbuild_runner"] = _mod
    _spec.loader.exec_module(_mod)
    sys.exit(_mod.main(sys.argv[1:]))

import argparse
import ast
import base64
import builtins
import html
import io
import json
import linecache
import math
import numbers
import os
import pickle
import re
import runpy
import shutil
import subprocess
import tempfile
import time
import tokenize
import traceback
import types

PICKLE_PROTOCOL = min(5, pickle.HIGHEST_PROTOCOL)
REPORT_TEXT_LIMIT = 2_000_000  # characters of printed output kept for the report
METRICS_ARTIFACT = "nbbuild_metrics"
UI_CONFUSION_ARTIFACT = "nbbuild_ui_confusion"
INLINE_BACKEND = "_nbbuild_inline"


class StepFailure(Exception):
    """A failure with a complete, user-facing message (printed as 'nbbuild: <message>')."""


# ----------------------------------------------------------------------------------------------
# Run state (one run per process)

class Run:
    """Everything about the current run: step description, namespace, report model."""

    def __init__(self, step, cells):
        self.step = step
        self.cells = cells
        self.name = step.get("name", "step")
        self.ns = None  # the notebook namespace (a module's __dict__)
        self.workdir = None
        self.cell_files = {}  # code filename -> cell dict
        self.defs = {}  # top-level def/class name -> definition record (for pickling)
        self.defs_seq = 0
        self.defined_in = {}  # output variable -> label of the cell that last bound it
        self.report_on = False
        self.sections = []  # report: [{title, source, outputs: [...]}]
        self.current = None
        self.recorded_chars = 0
        self.real_stdout = sys.stdout
        self.real_stderr = sys.stderr
        self.loop = None
        self.failure = None
        self.saved = []  # (variable, "type as format") for the report

    # -- report model -------------------------------------------------------------------------
    def begin_section(self, title, source=None, role=None):
        self.current = {"title": title, "source": source, "role": role, "outputs": []}
        self.sections.append(self.current)

    def record(self, kind, payload):
        if self.current is None:
            self.begin_section("runner")
        outs = self.current["outputs"]
        if kind in ("stdout", "stderr"):
            if self.recorded_chars >= REPORT_TEXT_LIMIT:
                return
            payload = payload[: REPORT_TEXT_LIMIT - self.recorded_chars]
            self.recorded_chars += len(payload)
            if outs and outs[-1][0] == kind:
                outs[-1] = (kind, outs[-1][1] + payload)
                return
        outs.append((kind, payload))


RUN = None  # type: Run


class _Tee:
    """A text stream that writes through to the real stream and records into the report."""

    def __init__(self, stream, kind):
        self._stream = stream
        self._kind = kind

    def write(self, s):
        n = self._stream.write(s)
        if RUN is not None and isinstance(s, str):
            RUN.record(self._kind, s)
        return n

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        self._stream.flush()

    def isatty(self):
        return False

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _say(msg):
    """A runner message on stderr (not recorded in the report's cells)."""
    stream = RUN.real_stderr if RUN is not None else sys.stderr
    stream.write("nbbuild: " + msg + "\n")
    stream.flush()


# ----------------------------------------------------------------------------------------------
# Arguments

def _pair(text):
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError("expected NAME=VALUE, got %r" % text)
    return name, value


def parse_args(argv):
    p = argparse.ArgumentParser(prog="runner.py", allow_abbrev=False,
                                description="Run one nbbuild pipeline step.")
    p.add_argument("--executor-input", default="{}")
    p.add_argument("--param", action="append", type=_pair, default=[])
    p.add_argument("--input", action="append", type=_pair, default=[])
    p.add_argument("--output", action="append", type=_pair, default=[])
    p.add_argument("--files-input", action="append", default=[])
    p.add_argument("--files-output")
    p.add_argument("--report")
    p.add_argument("--metrics")
    p.add_argument("--ui-markdown")
    p.add_argument("--ui-html")
    p.add_argument("--ui-confusion")
    return p.parse_args(argv)


def parse_executor_input(text):
    text = (text or "").strip()
    if not text or text == "{{$}}":
        return {}
    try:
        value = json.loads(text)
    except ValueError as e:
        raise StepFailure("--executor-input is not valid JSON: %s" % e)
    return value if isinstance(value, dict) else {}


_TRUE = {"true", "1", "yes", "y", "on", "t"}
_FALSE = {"false", "0", "no", "n", "off", "f", ""}


def typed_param(name, raw, ptype):
    """Converts a parameter's text to the Python value its KFP type promises."""
    try:
        if ptype == "NUMBER_INTEGER":
            try:
                return int(raw.strip())
            except ValueError:
                f = float(raw)
                if f.is_integer():
                    return int(f)
                raise
        if ptype == "NUMBER_DOUBLE":
            return float(raw)
        if ptype == "BOOLEAN":
            low = raw.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError(raw)
    except ValueError:
        raise StepFailure("step %s: parameter '%s' must be %s, got %r" % (RUN.name, name, ptype, raw))
    if ptype in ("LIST", "STRUCT"):
        try:
            return json.loads(raw)
        except ValueError:
            raise StepFailure("step %s: parameter '%s' must be JSON (%s), got %r" % (RUN.name, name, ptype, raw))
    return raw


# ----------------------------------------------------------------------------------------------
# Working directory

def _copy_tree(src, dst, link_larger_than=None):
    """Copies src into dst (merging), making every copy writable by the current user. Files larger
    than `link_larger_than` bytes are symlinked instead (read-only data need not fill /tmp)."""
    for dirpath, dirnames, filenames in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        target = dst if rel == "." else os.path.join(dst, rel)
        os.makedirs(target, exist_ok=True)
        for d in list(dirnames):
            s = os.path.join(dirpath, d)
            if os.path.islink(s):
                dirnames.remove(d)
                _copy_link(s, os.path.join(target, d))
        for f in filenames:
            s = os.path.join(dirpath, f)
            t = os.path.join(target, f)
            if os.path.islink(s):
                _copy_link(s, t)
                continue
            if os.path.lexists(t):
                os.unlink(t)
            try:
                st = os.stat(s)
                if link_larger_than is not None and st.st_size > link_larger_than:
                    os.symlink(os.path.abspath(s), t)
                    continue
                shutil.copyfile(s, t)
                os.chmod(t, (st.st_mode & 0o777) | 0o600)
            except PermissionError as e:
                _say("cannot read %s (%s); it is not in the working directory" % (s, e.strerror))


def _copy_link(s, t):
    if os.path.lexists(t):
        if os.path.isdir(t) and not os.path.islink(t):
            shutil.rmtree(t)
        else:
            os.unlink(t)
    os.symlink(os.readlink(s), t)


def _link_limit():
    """Files above this size are linked, not copied, into the working dir (NBBUILD_LINK_LARGER_THAN)."""
    limit = os.environ.get("NBBUILD_LINK_LARGER_THAN", str(64 << 20))
    return int(limit) if limit.isdigit() else None


def _writable_dir(path):
    return bool(path) and os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)


def setup_workdir(app_src):
    """Creates a fresh writable working dir under $TMPDIR (or /tmp), seeded from the baked folder."""
    base = os.environ.get("TMPDIR") or "/tmp"
    if not _writable_dir(base):
        base = "/tmp"
    root = tempfile.mkdtemp(prefix="nbbuild-", dir=base)
    work = os.path.join(root, "work")
    os.makedirs(work)
    if app_src and os.path.isdir(app_src):
        _copy_tree(app_src, work, _link_limit())
    home = os.environ.get("HOME", "")
    same_as_src = bool(home) and app_src and os.path.realpath(home) == os.path.realpath(app_src)
    if not _writable_dir(home) or same_as_src:
        os.environ["HOME"] = work
    mpl = os.path.join(work, ".config", "matplotlib")
    os.makedirs(mpl, exist_ok=True)
    os.environ["MPLCONFIGDIR"] = mpl
    # Our inline backend: plt.show() captures figures instead of opening windows.
    lib = os.path.join(root, "lib")
    os.makedirs(lib)
    with open(os.path.join(lib, INLINE_BACKEND + ".py"), "w") as f:
        f.write(_INLINE_BACKEND_SOURCE)
    sys.path.append(lib)
    os.environ["MPLBACKEND"] = "module://" + INLINE_BACKEND
    os.chdir(work)
    return root, work


_INLINE_BACKEND_SOURCE = '''\
"""matplotlib backend used by the nbbuild runner: Agg drawing, show() captures figures."""
import sys
import matplotlib.backends.backend_agg as _agg
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backend_bases import FigureManagerBase

FigureCanvas = FigureCanvasAgg
FigureManager = FigureManagerBase
if hasattr(_agg, "new_figure_manager"):
    new_figure_manager = _agg.new_figure_manager
if hasattr(_agg, "new_figure_manager_given_figure"):
    new_figure_manager_given_figure = _agg.new_figure_manager_given_figure


def draw_if_interactive(*args, **kwargs):
    pass


def show(*args, **kwargs):
    runner = sys.modules.get("nbbuild_runner")
    if runner is not None:
        runner.flush_figures()
'''


# ----------------------------------------------------------------------------------------------
# Notebook idioms: display(), figures

def _figure_png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def flush_figures():
    """Captures every open pyplot figure into the report and closes it (Jupyter's inline show)."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    try:
        nums = plt.get_fignums()
        for num in nums:
            fig = plt.figure(num)
            if RUN.report_on:
                RUN.record("png", _figure_png(fig))
        if nums:
            plt.close("all")
    except Exception as e:  # a broken figure must not fail the step
        _say("could not capture a figure: %s: %s" % (type(e).__name__, e))


def _inline_backend_active():
    mpl = sys.modules.get("matplotlib")
    if mpl is None or "matplotlib.pyplot" not in sys.modules:
        return False
    try:
        return str(mpl.get_backend()).endswith(INLINE_BACKEND)
    except Exception:
        return False


def display(*objs, **kwargs):
    """Jupyter's display(): prints the text form and records rich forms for the report."""
    for obj in objs:
        _display_one(obj)


def _display_one(obj):
    text = None
    try:
        fig_mod = sys.modules.get("matplotlib.figure")
        if fig_mod is not None and isinstance(obj, fig_mod.Figure):
            if RUN.report_on:
                RUN.record("png", _figure_png(obj))
            text = repr(obj)
        else:
            text = repr(obj)
            if RUN.report_on:
                rich = None
                pd = sys.modules.get("pandas")
                if pd is not None and isinstance(obj, pd.DataFrame):
                    rich = obj._repr_html_()  # pandas escapes cell values and labels
                if rich:
                    RUN.record("html", rich)
                else:
                    png = getattr(obj, "_repr_png_", None)
                    data = png() if callable(png) else None
                    if isinstance(data, bytes):
                        RUN.record("png", base64.b64encode(data).decode("ascii"))
                    else:
                        RUN.record("text", text)
            # Figures drawn by pandas/plt calls are shown at the end of the cell.
    except Exception as e:
        _say("display() could not render a %s: %s: %s" % (type(obj).__name__, type(e).__name__, e))
    if text is not None:
        RUN.real_stdout.write(text + "\n")
        RUN.real_stdout.flush()


# ----------------------------------------------------------------------------------------------
# Running cells

try:
    _AWAIT_FLAG = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
except AttributeError:  # pragma: no cover
    _AWAIT_FLAG = 0
_CO_COROUTINE = 0x0080


def cell_label(cell):
    s = "%s cell %s" % (cell.get("file", "?"), cell.get("index", "?"))
    if cell.get("id"):
        s += " (id %s)" % cell["id"]
    return s


def cell_filename(cell):
    s = "%s [cell %s" % (cell.get("file", "?"), cell.get("index", "?"))
    if cell.get("id"):
        s += ", id %s" % cell["id"]
    return s + "]"


def _register_source(filename, source):
    lines = source.splitlines(True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    linecache.cache[filename] = (len(source), None, lines, filename)


def _ends_with_semicolon(source):
    last = None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER,
                                tokenize.INDENT, tokenize.DEDENT):
                last = tok
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return False
    return last is not None and last.type == tokenize.OP and last.string == ";"


def _run_code(code):
    result = eval(code, RUN.ns)
    if code.co_flags & _CO_COROUTINE:
        import asyncio
        if RUN.loop is None:
            RUN.loop = asyncio.new_event_loop()
        result = RUN.loop.run_until_complete(result)
    return result


def run_cell(cell):
    """Runs one cell in the namespace; a bare last expression is displayed like Jupyter."""
    source = cell.get("source", "")
    filename = cell_filename(cell)
    _register_source(filename, source)
    RUN.cell_files[filename] = cell
    RUN.begin_section(cell_label(cell), source, cell.get("role"))
    tree = compile(source, filename, "exec", ast.PyCF_ONLY_AST | _AWAIT_FLAG, dont_inherit=True)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not _ends_with_semicolon(source):
        last = tree.body.pop()
    _run_code(compile(tree, filename, "exec", _AWAIT_FLAG, dont_inherit=True))
    if last is not None:
        expr = ast.Expression(body=last.value)
        value = _run_code(compile(expr, filename, "eval", _AWAIT_FLAG, dont_inherit=True))
        if value is not None:
            display(value)
    if _inline_backend_active():
        flush_figures()


_CELL_FILENAME = re.compile(r"^(.+) \[cell (\d+)(?:, id ([^\]]*))?\]$")


def _cell_of(filename):
    """The cell a code filename names (this step's, shipped, or re-created by cloudpickle/dill)."""
    if filename in RUN.cell_files:
        return RUN.cell_files[filename]
    if filename in _SHIPPED_FILES:
        return _SHIPPED_FILES[filename]
    m = _CELL_FILENAME.match(filename or "")
    if m:
        return {"file": m.group(1), "index": int(m.group(2)), "id": m.group(3) or ""}
    return None


def _user_frame(filename):
    if _cell_of(filename) is not None:
        return True
    return bool(RUN.workdir) and os.path.isabs(filename) and (
        filename.startswith(RUN.workdir + os.sep) or os.path.realpath(filename).startswith(RUN.workdir + os.sep))


def report_exception(exc, cell):
    """Prints a traceback restricted to notebook frames and returns the one-line summary."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _user_frame(f.filename)]
    lines = []
    if frames:
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_list(frames))
    lines.extend(traceback.format_exception_only(type(exc), exc))
    sys.stderr.write("".join(lines))
    sys.stderr.flush()
    where_cell, line = cell, None
    if isinstance(exc, SyntaxError) and exc.filename in RUN.cell_files:
        where_cell, line = RUN.cell_files[exc.filename], exc.lineno
    elif frames:
        inner = frames[-1]
        if _cell_of(inner.filename) is not None:
            where_cell, line = _cell_of(inner.filename), inner.lineno
        else:
            where_cell, line = {"file": os.path.relpath(inner.filename, RUN.workdir or "."),
                                "index": None}, inner.lineno
    if where_cell is not None and where_cell.get("index") is not None:
        where = cell_label(where_cell)
    elif where_cell is not None:
        where = where_cell.get("file", "?")
    else:
        where = "?"
    if line is not None:
        where += ", line %s" % line
    msg = " ".join(str(exc).split("\n")).strip() if not isinstance(exc, SyntaxError) else (exc.msg or "")
    return "step %s failed in %s: %s%s" % (RUN.name, where, type(exc).__name__, (": " + msg) if msg else "")


def _track_outputs(names, label):
    for name in names:
        if name in RUN.ns:
            value = RUN.ns[name]
            prev = RUN.defined_in.get(name)
            if prev is None or prev[1] is not value:
                RUN.defined_in[name] = (label, value)


def run_cells(cells, output_names):
    """Runs cells in order; raises StepFailure naming the cell on the first exception."""
    for cell in cells:
        try:
            run_cell(cell)
        except SystemExit as e:
            if e.code in (None, 0):
                _say("step %s: %s called sys.exit(0); remaining cells skipped" % (RUN.name, cell_label(cell)))
                _track_outputs(output_names, cell_label(cell))
                return
            raise StepFailure(report_exception(e, cell))
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # noqa: B036 - every user error fails the step with its cell
            raise StepFailure(report_exception(e, cell))
        _track_outputs(output_names, cell_label(cell))


def run_script(path, init):
    """Runs a script step (Elyra generic node) with runpy as __main__."""
    RUN.begin_section(os.path.relpath(path, RUN.workdir), None, "script")
    if not os.path.isfile(path):
        raise StepFailure("step %s: script %s not found in the working directory" % (RUN.name, os.path.relpath(path, RUN.workdir)))
    ext = os.path.splitext(path)[1].lower()
    if ext != ".py":
        cmd = {".sh": ["sh"], ".bash": ["bash"], ".r": ["Rscript"]}.get(ext)
        if cmd is None:
            raise StepFailure("step %s: cannot run %s (only .py, .sh and .r scripts)" % (RUN.name, path))
        proc = subprocess.run(cmd + [path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        sys.stdout.write(proc.stdout.decode("utf-8", "replace"))
        if proc.returncode != 0:
            raise StepFailure("step %s failed in %s: exit status %d" % (RUN.name, os.path.relpath(path, RUN.workdir), proc.returncode))
        return {}
    saved_argv = sys.argv
    sys.argv = [path]
    try:
        return runpy.run_path(path, init_globals=init, run_name="__main__")
    except SystemExit as e:
        if e.code in (None, 0):
            return {}
        raise StepFailure(report_exception(e, {"file": os.path.relpath(path, RUN.workdir), "index": None}))
    except KeyboardInterrupt:
        raise
    except BaseException as e:
        raise StepFailure(report_exception(e, {"file": os.path.relpath(path, RUN.workdir), "index": None}))
    finally:
        sys.argv = saved_argv


# ----------------------------------------------------------------------------------------------
# Notebook-defined functions and classes: extracted from the cells so they can cross steps

_SHIPPED_FILES = {}  # code filename used for shipped definitions -> pseudo cell


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
            RUN.defs_seq += 1
            RUN.defs[node.name] = {
                "name": node.name, "source": src, "file": cell.get("file", "?"),
                "index": cell.get("index"), "id": cell.get("id", ""), "line": start,
                "uses": sorted(_names_used(node) - {node.name}), "seq": RUN.defs_seq,
            }


def _global_source(name):
    """Source re-creating a plain global a shipped definition uses: a module import or a constant."""
    if name not in RUN.ns or name in RUN.defs or name.startswith("__"):
        return None
    value = RUN.ns[name]
    if isinstance(value, types.ModuleType):
        mod = value.__name__
        return ("import %s\n" % mod) if mod == name else ("import %s as %s\n" % (mod, name))
    if _exact_json(value):
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
        if n not in RUN.defs:
            src = _global_source(n)
            if src is not None:
                globals_[n] = {"name": n, "source": src, "file": "<nbbuild>", "index": None, "id": "", "line": 1}
            continue
        seen[n] = RUN.defs[n]
        todo.extend(RUN.defs[n]["uses"])
    defs = [dict((k, d[k]) for k in ("name", "source", "file", "index", "id", "line"))
            for d in sorted(seen.values(), key=lambda d: d["seq"])]
    return [globals_[k] for k in sorted(globals_)] + defs


def _main_object(qualname, definitions):
    """Unpickling: resolves a notebook-defined function/class from the run namespace, re-creating
    it from the shipped source when this step does not define it."""
    ns = RUN.ns
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
            _register_source(filename, padded)
            _SHIPPED_FILES[filename] = pseudo
        exec(compile(padded, filename, "exec", dont_inherit=True), ns)
        if d["name"] not in RUN.defs:
            RUN.defs_seq += 1
            rec = dict(d)
            rec["uses"] = sorted(_names_used(ast.parse(d["source"])) - {d["name"]})
            rec["seq"] = -1_000_000 + RUN.defs_seq
            RUN.defs[d["name"]] = rec
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
            if top not in RUN.defs:
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
        if top not in RUN.defs or top not in RUN.ns:
            return False
        target = RUN.ns[top]
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


# ----------------------------------------------------------------------------------------------
# Variables crossing steps

def qualified_type(value):
    t = type(value)
    mod = getattr(t, "__module__", "") or ""
    qn = getattr(t, "__qualname__", t.__name__)
    return qn if mod == "builtins" else "%s.%s" % (mod, qn)


def _exact_json(value, depth=0):
    if depth > 100:
        return False
    t = type(value)
    if value is None or t is bool or t is int or t is str:
        return True
    if t is float:
        return math.isfinite(value)
    if t is list:
        return all(_exact_json(v, depth + 1) for v in value)
    if t is dict:
        return all(type(k) is str and _exact_json(v, depth + 1) for k, v in value.items())
    return False


def _module(name):
    m = sys.modules.get(name)
    if m is not None:
        return m
    try:
        __import__(name)
        return sys.modules[name]
    except Exception:
        return None


def _is_ndarray(value):
    np = sys.modules.get("numpy")
    return np is not None and type(value) is np.ndarray and not value.dtype.hasobject


def _pandas_kind(value):
    pd = sys.modules.get("pandas")
    if pd is None:
        return None
    if type(value) is pd.DataFrame:
        return "DataFrame"
    if type(value) is pd.Series:
        return "Series"
    return None


def _current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _atomic_write(path, writer, binary=True):
    """Writes via a temporary file in the same directory, then renames it into place."""
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".nbbuild-", dir=d)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as f:
            writer(f)
        # mkstemp makes 0600; the next step may run under another UID (same group 0): 0664 as umask allows
        os.chmod(tmp, 0o664 & ~_UMASK | 0o044)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _try_parquet(value, kind, path):
    """Writes parquet only when pyarrow is importable and the value reads back identically."""
    if _module("pyarrow") is None:
        return False
    pd = sys.modules["pandas"]
    try:
        frame = value if kind == "DataFrame" else value.to_frame(name="__nbbuild_series__")
        buf = io.BytesIO()
        frame.to_parquet(buf)
        back = pd.read_parquet(io.BytesIO(buf.getvalue()))
        if kind == "Series":
            if value.name is not None and type(value.name) is not str:
                return False
            back = back["__nbbuild_series__"]
            back.name = value.name
            ok = back.equals(value) and back.dtype == value.dtype
        else:
            ok = (back.equals(value) and list(back.columns) == list(value.columns)
                  and back.dtypes.equals(value.dtypes) and type(back.columns) is type(value.columns))
        ok = ok and back.index.equals(value.index) and type(back.index) is type(value.index) \
            and back.index.dtype == value.index.dtype and list(back.index.names) == list(value.index.names)
        if not ok:
            return False
        data = buf.getvalue()
        _atomic_write(path, lambda f: f.write(data))
        return True
    except Exception:
        return False


def _pickle_dump(value, f):
    """Pickles `value` into `f`; returns the format. The notebook-aware stdlib pickler comes first:
    notebook functions and classes are re-created from source in the next step's namespace, so they
    keep one identity there and see that namespace's globals, as in the notebook. cloudpickle, then
    dill, when importable, take what it cannot (lambdas, closures). NBBUILD_PICKLER=pickle|cloudpickle|dill
    forces one."""
    choice = os.environ.get("NBBUILD_PICKLER", "auto")
    if choice in ("cloudpickle", "dill"):
        mod = _module(choice)
        if mod is None:
            raise ImportError("NBBUILD_PICKLER=%s but %s is not installed in this image" % (choice, choice))
        mod.dump(value, f, protocol=PICKLE_PROTOCOL)
        return choice
    try:
        _NotebookPickler(f, protocol=PICKLE_PROTOCOL).dump(value)
        return "pickle"
    except Exception as e:
        error = e
    if choice != "pickle":
        for name in ("cloudpickle", "dill"):
            mod = _module(name)
            if mod is None:
                continue
            f.seek(0)
            f.truncate()
            try:
                mod.dump(value, f, protocol=PICKLE_PROTOCOL)
                return name
            except Exception as e:
                error = e
    raise error


def save_variable(name, value, path):
    """Saves one variable into its artifact directory; returns the format used."""
    os.makedirs(path, exist_ok=True)
    meta = {"name": name, "type": qualified_type(value), "step": RUN.name}
    if _exact_json(value):
        fmt, ext = "json", "json"
        text = json.dumps(value, ensure_ascii=True, allow_nan=False)
        _atomic_write(os.path.join(path, "value.json"), lambda f: f.write(text.encode("ascii")))
    elif _is_ndarray(value):
        fmt, ext = "npy", "npy"
        np = sys.modules["numpy"]
        _atomic_write(os.path.join(path, "value.npy"), lambda f: np.save(f, value, allow_pickle=False))
    elif _pandas_kind(value) and _try_parquet(value, _pandas_kind(value), os.path.join(path, "value.parquet")):
        fmt, ext = "parquet", "parquet"
        if _pandas_kind(value) == "Series":
            meta["series_name"] = value.name
    else:
        ext = "pkl"
        used = []
        _atomic_write(os.path.join(path, "value.pkl"), lambda f: used.append(_pickle_dump(value, f)))
        fmt = used[0]
    meta["format"] = fmt
    meta["file"] = "value." + ext
    text = json.dumps(meta, sort_keys=True, indent=1)
    _atomic_write(os.path.join(path, "nbbuild.json"), lambda f: f.write(text.encode("utf-8")))
    return fmt


def load_variable(name, path):
    """Loads one variable from its artifact directory, exactly as nbbuild.json says."""
    meta_path = os.path.join(path, "nbbuild.json")
    if not os.path.isfile(meta_path):
        raise StepFailure("step %s: input variable '%s' not found at %s (no nbbuild.json; did the producing step run?)"
                          % (RUN.name, name, path))
    with open(meta_path, encoding="utf-8") as f:
        meta = json.load(f)
    fmt = meta.get("format")
    vpath = os.path.join(path, meta.get("file") or "value." + {"json": "json", "npy": "npy", "parquet": "parquet"}.get(fmt, "pkl"))
    origin = "variable '%s' (type %s) from step %s" % (name, meta.get("type", "?"), meta.get("step", "?"))
    try:
        if fmt == "json":
            with open(vpath, encoding="utf-8") as f:
                return json.load(f)
        if fmt == "npy":
            np = _module("numpy")
            if np is None:
                raise ImportError("numpy is not installed in this image")
            return np.load(vpath, allow_pickle=False)
        if fmt == "parquet":
            pd = _module("pandas")
            if pd is None or _module("pyarrow") is None:
                raise ImportError("pandas and pyarrow are needed to read parquet")
            frame = pd.read_parquet(vpath)
            if "__nbbuild_series__" in frame.columns and len(frame.columns) == 1:
                s = frame["__nbbuild_series__"]
                s.name = meta.get("series_name")
                return s
            return frame
        if fmt in ("pickle", "cloudpickle", "dill"):
            with open(vpath, "rb") as f:
                if fmt == "dill":
                    dill = _module("dill")
                    if dill is None:
                        raise ImportError("dill is needed to load this value but is not installed in this image")
                    return dill.load(f)
                if fmt == "cloudpickle" and _module("cloudpickle") is None:
                    raise ImportError("cloudpickle is needed to load this value but is not installed in this image")
                return _NotebookUnpickler(f).load()
        raise ValueError("unknown format %r in %s" % (fmt, meta_path))
    except StepFailure:
        raise
    except Exception as e:
        raise StepFailure("step %s: cannot load %s: %s: %s" % (RUN.name, origin, type(e).__name__, e))


def save_outputs(outputs):
    for name, path in outputs:
        if name not in RUN.ns:
            raise StepFailure("step %s: variable '%s' is needed by later steps but was not defined by the step's cells"
                              % (RUN.name, name))
        value = RUN.ns[name]
        try:
            fmt = save_variable(name, value, path)
            RUN.saved.append((name, "%s as %s" % (qualified_type(value), fmt)))
        except StepFailure:
            raise
        except Exception as e:
            where = RUN.defined_in.get(name, ("an input of the step",))[0]
            raise StepFailure("cannot pass variable '%s' (type %s) from step %s (defined in %s) to later steps: %s"
                              % (name, qualified_type(value), RUN.name, where, _reason(e)))


def _reason(e):
    msg = str(e)
    if isinstance(e, pickle.PicklingError) and msg.startswith("it holds"):
        return msg
    return "%s: %s" % (type(e).__name__, msg) if msg else type(e).__name__


# ----------------------------------------------------------------------------------------------
# Metrics and KFP v1 UI files

def metric_value(name, value):
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise StepFailure("step %s: metric '%s' is a boolean (%r); metrics must be numbers" % (RUN.name, name, value))
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.generic):
        if not isinstance(value, (np.integer, np.floating)):
            raise StepFailure("step %s: metric '%s' has type %s; metrics must be real numbers" % (RUN.name, name, qualified_type(value)))
        value = float(value)
    elif type(value) is int:
        pass
    elif isinstance(value, numbers.Real):
        value = float(value)
    else:
        raise StepFailure("step %s: metric '%s' has type %s; metrics must be real numbers" % (RUN.name, name, qualified_type(value)))
    if isinstance(value, float) and not math.isfinite(value):
        raise StepFailure("step %s: metric '%s' is %r; KFP can only record finite numbers" % (RUN.name, name, value))
    return value


def read_ui_files(work):
    """Reads mlpipeline-metrics.json and mlpipeline-ui-metadata.json written by the code."""
    metrics, markdown, web, confusion = {}, [], [], None
    mpath = os.path.join(work, "mlpipeline-metrics.json")
    if os.path.isfile(mpath):
        try:
            with open(mpath, encoding="utf-8") as f:
                data = json.load(f)
            for m in data.get("metrics", []):
                name = m.get("name")
                if not isinstance(name, str) or not name:
                    raise ValueError("a metric without a name")
                v = m.get("numberValue")
                if isinstance(v, str):
                    v = float(v)
                metrics[name] = metric_value(name, v)
        except StepFailure:
            raise
        except Exception as e:
            raise StepFailure("step %s: mlpipeline-metrics.json is not valid KFP v1 metrics: %s" % (RUN.name, e))
    upath = os.path.join(work, "mlpipeline-ui-metadata.json")
    if os.path.isfile(upath):
        try:
            with open(upath, encoding="utf-8") as f:
                data = json.load(f)
            for out in data.get("outputs", []):
                kind = out.get("type")
                source = _ui_source(out, work)
                if source is None:
                    continue
                if kind == "markdown":
                    markdown.append(source)
                elif kind == "web-app":
                    web.append(source)
                elif kind == "confusion_matrix":
                    if confusion is not None:
                        _say("step %s: only the first confusion_matrix of mlpipeline-ui-metadata.json is kept" % RUN.name)
                        continue
                    confusion = confusion_matrix(out, source)
                else:
                    _say("step %s: mlpipeline-ui-metadata.json output type %r is not converted" % (RUN.name, kind))
        except StepFailure:
            raise
        except Exception as e:
            raise StepFailure("step %s: mlpipeline-ui-metadata.json could not be converted: %s: %s" % (RUN.name, type(e).__name__, e))
    return metrics, markdown, web, confusion


def _ui_source(out, work):
    source = out.get("source")
    if not isinstance(source, str):
        return None
    if out.get("storage") == "inline":
        return source
    candidate = os.path.realpath(os.path.join(work, source))
    if candidate.startswith(os.path.realpath(work) + os.sep) and os.path.isfile(candidate):
        with open(candidate, encoding="utf-8") as f:
            return f.read()
    _say("step %s: ui-metadata source %r is not inline and not a file in the working dir; skipped" % (RUN.name, source))
    return None


def confusion_matrix(out, source):
    """KFP v1 confusion_matrix (CSV target,predicted,count) → KFP v2 ClassificationMetrics metadata."""
    import csv
    schema = [c.get("name") for c in out.get("schema", [])] or ["target", "predicted", "count"]
    if len(schema) != 3:
        raise ValueError("confusion_matrix schema must have 3 columns, got %r" % schema)
    labels = [str(x) for x in out.get("labels", [])]
    cells = {}
    for row in csv.reader(io.StringIO(source)):
        if not row or not "".join(row).strip():
            continue
        if len(row) != 3:
            raise ValueError("confusion_matrix row %r does not have 3 values" % (row,))
        rec = dict(zip(schema, row))
        target = rec.get("target", row[0]).strip()
        predicted = rec.get("predicted", row[1]).strip()
        count = float(rec.get("count", row[2]))
        for lab in (target, predicted):
            if lab not in labels:
                labels.append(lab)
        cells[(target, predicted)] = cells.get((target, predicted), 0) + count
    rows = []
    for t in labels:
        r = []
        for p in labels:
            c = cells.get((t, p), 0)
            r.append(int(c) if float(c).is_integer() else c)
        rows.append({"row": r})
    return {"annotationSpecs": [{"displayName": lab} for lab in labels], "rows": rows}


def write_executor_output(executor_input, artifacts):
    """Writes KFP ExecutorOutput JSON (artifact metadata only) to outputs.outputFile."""
    out_file = (executor_input.get("outputs") or {}).get("outputFile")
    if not out_file or not artifacts:
        return
    doc = {"artifacts": {key: {"artifacts": [{"metadata": md}]} for key, md in artifacts.items()}}
    parent = os.path.dirname(out_file)
    if parent:
        os.makedirs(parent, exist_ok=True)
    text = json.dumps(doc, sort_keys=True)
    _atomic_write(out_file, lambda f: f.write(text.encode("utf-8")))


def _write_text(path, text):
    if not path:
        return
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    _atomic_write(path, lambda f: f.write(text.encode("utf-8")))


# ----------------------------------------------------------------------------------------------
# Declared files

def copy_files_in(paths, work):
    for p in paths:
        if os.path.isdir(p):
            _copy_tree(p, work, _link_limit())
        elif os.path.isfile(p):
            shutil.copyfile(p, os.path.join(work, os.path.basename(p)))
        else:
            raise StepFailure("step %s: files input %s does not exist" % (RUN.name, p))


def copy_files_out(patterns, work, dest):
    import glob
    os.makedirs(dest, exist_ok=True)
    missing = []
    real_work = os.path.realpath(work)
    for pat in patterns:
        if os.path.isabs(pat) or ".." in pat.replace("\\", "/").split("/"):
            raise StepFailure("step %s: declared output file %r must be a path relative to the notebook's folder" % (RUN.name, pat))
        matches = sorted(glob.glob(os.path.join(work, pat), recursive=True))
        if not matches:
            missing.append(pat)
            continue
        for m in matches:
            rm = os.path.realpath(m)
            if not (rm == real_work or rm.startswith(real_work + os.sep)):
                continue
            rel = os.path.relpath(m, work)
            target = os.path.join(dest, rel)
            if os.path.isdir(m):
                _copy_tree(m, target)
            else:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copyfile(m, target)
    if missing:
        raise StepFailure("step %s: declared output file%s %s matched nothing in the working directory after the step ran"
                          % (RUN.name, "s" if len(missing) > 1 else "", ", ".join(repr(m) for m in missing)))


# ----------------------------------------------------------------------------------------------
# Report

_CSS = """body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1em;margin:1.4em 0 .3em;color:#555;font-weight:600}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-word;margin:.3em 0}
pre.src{border-left:3px solid #6a9fb5}pre.stderr{background:#fff2f0}pre.error{background:#ffe0e0;font-weight:600}
img{max-width:100%}table.dataframe{border-collapse:collapse;font-size:.9em}
table.dataframe td,table.dataframe th{border:1px solid #ddd;padding:.2em .5em}
.meta td{padding:.1em .8em .1em 0;vertical-align:top}"""


def _esc(s):
    return html.escape(str(s), quote=True)


def render_report(meta_rows):
    parts = ["<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>",
             _esc("nbbuild step %s" % RUN.name), "</title><style>", _CSS, "</style></head><body>\n",
             "<h1>Step ", _esc(RUN.name), "</h1>\n<table class=\"meta\">"]
    for k, v in meta_rows:
        parts.append("<tr><td>%s</td><td>%s</td></tr>" % (_esc(k), _esc(v)))
    parts.append("</table>\n")
    for sec in RUN.sections:
        if sec["source"] is None and not sec["outputs"]:
            continue
        parts.append("<section><h2>%s%s</h2>\n" % (_esc(sec["title"]), (" &middot; " + _esc(sec["role"])) if sec.get("role") else ""))
        if sec["source"] is not None:
            parts.append("<pre class=\"src\">%s</pre>\n" % _esc(sec["source"]))
        for kind, payload in sec["outputs"]:
            if kind in ("stdout", "stderr", "text"):
                parts.append("<pre class=\"%s\">%s</pre>\n" % (kind, _esc(payload)))
            elif kind == "error":
                parts.append("<pre class=\"error\">%s</pre>\n" % _esc(payload))
            elif kind == "html":
                parts.append("<div class=\"display\">%s</div>\n" % payload)  # pandas' escaped table HTML
            elif kind == "png":
                parts.append("<img alt=\"figure\" src=\"data:image/png;base64,%s\">\n" % payload)
        parts.append("</section>\n")
    parts.append("</body></html>\n")
    return "".join(parts)


# ----------------------------------------------------------------------------------------------
# Main

def load_step_module():
    path = os.environ.get("NBBUILD_STEP_MODULE") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "step.py")
    g = {"__name__": "nbbuild_step", "__builtins__": builtins}
    with open(path, encoding="utf-8") as f:
        exec(compile(f.read(), path, "exec", dont_inherit=True), g)
    return g["STEP"], g.get("CELLS", [])


def main(argv):
    global RUN
    started = time.time()
    try:
        args = parse_args(argv)
        step, cells = load_step_module()
    except SystemExit:
        raise
    except Exception as e:
        sys.stderr.write("nbbuild: cannot start the step runner: %s: %s\n" % (type(e).__name__, e))
        return 1
    RUN = Run(step, cells)
    RUN.report_on = bool(args.report)
    code = 0
    root = None
    main_module = None
    saved_main = sys.modules.get("__main__")
    sys.stdout = _Tee(RUN.real_stdout, "stdout")
    sys.stderr = _Tee(RUN.real_stderr, "stderr")
    meta_rows = [("notebook", step.get("script") or step.get("notebook") or "?")]
    try:
        executor_input = parse_executor_input(args.executor_input)
        ptypes = step.get("parameters") or {}
        params = [(n, typed_param(n, v, ptypes.get(n, "STRING"))) for n, v in args.param]
        app_src = os.environ.get("NBBUILD_APP_SRC", "/opt/app-root/src")
        try:
            root, work = setup_workdir(app_src)
        except OSError as e:
            raise StepFailure("step %s: cannot create a working directory under %s: %s (the step needs a writable "
                              "/tmp, e.g. --tmpfs /tmp)" % (RUN.name, os.environ.get("TMPDIR") or "/tmp", e))
        RUN.workdir = os.path.realpath(work)
        # this directory, not the runner's, is what `import helper` sees (as in Jupyter)
        runner_dir = os.path.dirname(os.path.abspath(__file__))
        sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != runner_dir]
        sys.path.insert(0, work)
        copy_files_in(args.files_input, work)
        for n, v in args.param:
            if n.isidentifier() and n not in os.environ:
                os.environ[n] = v  # Elyra passes pipeline parameters to nodes as env vars too
        for n, v in params:
            meta_rows.append(("parameter " + n, repr(v)))

        main_module = types.ModuleType("__main__")
        RUN.ns = main_module.__dict__
        RUN.ns["__builtins__"] = builtins
        sys.modules["__main__"] = main_module
        builtins.display = display
        output_names = [n for n, _ in args.output]

        if step.get("kind") == "script":
            init = dict(params)
            init.update((n, load_variable(n, p)) for n, p in args.input)
            result = run_script(os.path.join(work, step.get("script") or ""), init)
            RUN.ns.update(result or {})
            _track_outputs(output_names, step.get("script") or "script")
        else:
            sys.argv = [step.get("notebook") or "notebook.ipynb"]
            collect_defs(cells)
            first_step = next((i for i, c in enumerate(cells) if c.get("role") == "step"), len(cells))
            run_cells(cells[:first_step], output_names)
            RUN.begin_section("parameters and inputs")
            for n, v in params:
                RUN.ns[n] = v
            for n, p in args.input:
                RUN.ns[n] = load_variable(n, p)
                RUN.defined_in[n] = ("an input received from step %s" % _producer(p), RUN.ns[n])
                meta_rows.append(("input " + n, "%s from step %s" % (qualified_type(RUN.ns[n]), _producer(p))))
            run_cells(cells[first_step:], output_names)

        RUN.begin_section("outputs")
        save_outputs(args.output)
        if args.files_output:
            copy_files_out(step.get("fileOutputs") or [], work, args.files_output)
        metrics = {}
        for name in step.get("metrics") or []:
            if name not in RUN.ns:
                raise StepFailure("step %s: metric '%s' is not defined after the step's cells ran" % (RUN.name, name))
            metrics[name] = metric_value(name, RUN.ns[name])
        markdown, web, confusion = [], [], None
        if step.get("uiOutputs"):
            ui_metrics, markdown, web, confusion = read_ui_files(work)
            for k, v in ui_metrics.items():
                metrics.setdefault(k, v)
        artifacts = {}
        if step.get("metrics") or step.get("uiOutputs") or args.metrics:
            artifacts[METRICS_ARTIFACT] = metrics
        if confusion is not None:
            artifacts[UI_CONFUSION_ARTIFACT] = {"confusionMatrix": confusion}
        write_executor_output(executor_input, artifacts)
        if args.metrics:
            _write_text(args.metrics, json.dumps(metrics, sort_keys=True))
        _write_text(args.ui_markdown, "\n\n".join(markdown))
        _write_text(args.ui_html, "\n".join(web))
        _write_text(args.ui_confusion, json.dumps({"confusionMatrix": confusion} if confusion else {}, sort_keys=True))
        for k, v in sorted(metrics.items()):
            meta_rows.append(("metric " + k, repr(v)))
        for n, desc in RUN.saved:
            meta_rows.append(("output " + n, desc))
    except StepFailure as e:
        RUN.failure = str(e)
        code = 1
    except KeyboardInterrupt:
        RUN.failure = "step %s interrupted" % RUN.name
        code = 130
    except Exception as e:  # a bug in the runner itself: still fail cleanly, with the details
        traceback.print_exc()
        RUN.failure = "step %s: internal runner error: %s: %s" % (RUN.name, type(e).__name__, e)
        code = 1
    finally:
        if saved_main is not None and main_module is not None:
            sys.modules["__main__"] = saved_main
    if RUN.failure:
        RUN.record("error", "nbbuild: " + RUN.failure)
    meta_rows.append(("status", "failed" if code else "succeeded"))
    meta_rows.append(("seconds", "%.1f" % (time.time() - started)))
    sys.stdout.flush()
    sys.stdout, sys.stderr = RUN.real_stdout, RUN.real_stderr
    if args.report:
        try:
            _write_text(args.report, render_report(meta_rows))
        except Exception as e:
            sys.stderr.write("nbbuild: could not write the report: %s: %s\n" % (type(e).__name__, e))
    if RUN.failure:
        sys.stderr.write("nbbuild: %s\n" % RUN.failure)
        sys.stderr.flush()
    # The working dir is left in place: a container's /tmp goes with it, and worker processes the
    # code started (joblib/loky) may still be starting there. NBBUILD_CLEANUP=1 removes it.
    if root and os.environ.get("NBBUILD_CLEANUP") == "1":
        shutil.rmtree(root, ignore_errors=True)
    return code


def _producer(path):
    try:
        with open(os.path.join(path, "nbbuild.json"), encoding="utf-8") as f:
            return json.load(f).get("step", "?")
    except Exception:
        return "?"
