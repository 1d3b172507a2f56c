"""Running cells (and script steps) like Jupyter, and tracebacks that name the notebook cell."""

import ast
import io
import linecache
import os
import re
import runpy
import subprocess
import sys
import tokenize
import traceback

from . import state
from .display import inline_backend_active, display, flush_figures
from .state import StepFailure
from .streams import say, sync_stdout


try:
    _AWAIT_FLAG = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
except AttributeError:  # pragma: no cover
    _AWAIT_FLAG = 0
_CO_COROUTINE = 0x0080

SHIPPED_FILES = {}  # code filename used for shipped definitions -> pseudo cell


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


def register_source(filename, source):
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
    result = eval(code, state.RUN.ns)
    if code.co_flags & _CO_COROUTINE:
        import asyncio
        if state.RUN.loop is None:
            state.RUN.loop = asyncio.new_event_loop()
        result = state.RUN.loop.run_until_complete(result)
    return result


def run_cell(cell):
    """Runs one cell in the namespace; a bare last expression is displayed like Jupyter."""
    source = cell.get("source", "")
    filename = cell_filename(cell)
    register_source(filename, source)
    state.RUN.cell_files[filename] = cell
    state.RUN.begin_section(cell_label(cell), source, cell.get("role"))
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
    if inline_backend_active():
        flush_figures()


_CELL_FILENAME = re.compile(r"^(.+) \[cell (\d+)(?:, id ([^\]]*))?\]$")


def _cell_of(filename):
    """The cell a code filename names (this step's, shipped, or re-created by cloudpickle/dill)."""
    if filename in state.RUN.cell_files:
        return state.RUN.cell_files[filename]
    if filename in SHIPPED_FILES:
        return SHIPPED_FILES[filename]
    m = _CELL_FILENAME.match(filename or "")
    if m:
        return {"file": m.group(1), "index": int(m.group(2)), "id": m.group(3) or ""}
    return None


def _user_frame(filename):
    if _cell_of(filename) is not None:
        return True
    return bool(state.RUN.workdir) and os.path.isabs(filename) and (
        filename.startswith(state.RUN.workdir + os.sep) or os.path.realpath(filename).startswith(state.RUN.workdir + os.sep))


def report_exception(exc, cell):
    """Prints a traceback restricted to notebook frames and returns the one-line summary."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _user_frame(f.filename)]
    lines = []
    if frames:
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_list(frames))
    lines.extend(traceback.format_exception_only(type(exc), exc))
    sync_stdout(failure=True)  # what the cell printed comes before its traceback in the log
    sys.stderr.write("".join(lines))
    sys.stderr.flush()
    where_cell, line = cell, None
    if isinstance(exc, SyntaxError) and exc.filename in state.RUN.cell_files:
        where_cell, line = state.RUN.cell_files[exc.filename], exc.lineno
    elif frames:
        inner = frames[-1]
        if _cell_of(inner.filename) is not None:
            where_cell, line = _cell_of(inner.filename), inner.lineno
        else:
            where_cell, line = {"file": os.path.relpath(inner.filename, state.RUN.workdir or "."),
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
    return "step %s failed in %s: %s%s" % (state.RUN.name, where, type(exc).__name__, (": " + msg) if msg else "")


def track_outputs(names, label):
    for name in names:
        if name in state.RUN.ns:
            value = state.RUN.ns[name]
            prev = state.RUN.defined_in.get(name)
            if prev is None or prev[1] is not value:
                state.RUN.defined_in[name] = (label, value)


def run_cells(cells, output_names):
    """Runs cells in order; raises StepFailure naming the cell on the first exception."""
    for cell in cells:
        try:
            run_cell(cell)
        except SystemExit as e:
            if e.code in (None, 0):
                say("step %s: %s called sys.exit(0); remaining cells skipped" % (state.RUN.name, cell_label(cell)))
                track_outputs(output_names, cell_label(cell))
                return
            raise StepFailure(report_exception(e, cell))
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # noqa: B036 - every user error fails the step with its cell
            raise StepFailure(report_exception(e, cell))
        track_outputs(output_names, cell_label(cell))


def run_script(path, init):
    """Runs a script step (Elyra generic node) with runpy as __main__."""
    state.RUN.begin_section(os.path.relpath(path, state.RUN.workdir), None, "script")
    if not os.path.isfile(path):
        raise StepFailure("step %s: script %s not found in the working directory" % (state.RUN.name, os.path.relpath(path, state.RUN.workdir)))
    ext = os.path.splitext(path)[1].lower()
    if ext != ".py":
        cmd = {".sh": ["sh"], ".bash": ["bash"], ".r": ["Rscript"]}.get(ext)
        if cmd is None:
            raise StepFailure("step %s: cannot run %s (only .py, .sh and .r scripts)" % (state.RUN.name, path))
        proc = subprocess.run(cmd + [path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        sys.stdout.write(proc.stdout.decode("utf-8", "replace"))
        if proc.returncode != 0:
            raise StepFailure("step %s failed in %s: exit status %d" % (state.RUN.name, os.path.relpath(path, state.RUN.workdir), proc.returncode))
        return {}
    saved_argv = sys.argv
    sys.argv = [path]
    try:
        return runpy.run_path(path, init_globals=init, run_name="__main__")
    except SystemExit as e:
        if e.code in (None, 0):
            return {}
        raise StepFailure(report_exception(e, {"file": os.path.relpath(path, state.RUN.workdir), "index": None}))
    except KeyboardInterrupt:
        raise
    except BaseException as e:
        raise StepFailure(report_exception(e, {"file": os.path.relpath(path, state.RUN.workdir), "index": None}))
    finally:
        sys.argv = saved_argv
