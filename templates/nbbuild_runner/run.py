"""The step's run from start to end: arguments, working dir, cells, outputs, metrics, report."""

import builtins
import json
import os
import shutil
import sys
import time
import traceback
import types

from . import state
from .args import parse_args, parse_executor_input, typed_param
from .atomicio import write_text
from .cells import track_outputs, run_cells, run_script
from .display import display
from .files import copy_files_in, copy_files_out
from .metrics import metric_value, write_executor_output
from .pickling import collect_defs
from .report import render_report
from .serialize import load_variable, save_outputs
from .state import Run, StepFailure
from .streams import _Tee, sync_stdout
from .ui_outputs import read_ui_files
from .values import qualified_type
from .workdir import setup_workdir

# The folder holding runner.py, step.py and this package (/opt/app-root/nbbuild in an image).
RUNNER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_RUNNER_DIRS = {RUNNER_DIR, os.path.realpath(RUNNER_DIR)}


def load_step_module():
    path = os.environ.get("NBBUILD_STEP_MODULE") or os.path.join(RUNNER_DIR, "step.py")
    g = {"__name__": "nbbuild_step", "__builtins__": builtins}
    with open(path, encoding="utf-8") as f:
        exec(compile(f.read(), path, "exec", dont_inherit=True), g)
    return g["STEP"], g.get("CELLS", [])


def main(argv):
    started = time.time()
    try:
        args = parse_args(argv)
        step, cells = load_step_module()
    except SystemExit:
        raise
    except Exception as e:
        sys.stderr.write("nbbuild: cannot start the step runner: %s: %s\n" % (type(e).__name__, e))
        return 1
    state.RUN = Run(step, cells)
    state.RUN.report_on = bool(args.report)
    code = 0
    root = None
    main_module = None
    saved_main = sys.modules.get("__main__")
    sys.stdout = _Tee(state.RUN.real_stdout, "stdout")
    sys.stderr = _Tee(state.RUN.real_stderr, "stderr")
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
                              "/tmp, e.g. --tmpfs /tmp)" % (state.RUN.name, os.environ.get("TMPDIR") or "/tmp", e))
        state.RUN.workdir = os.path.realpath(work)
        # this directory, not the runner's, is what `import helper` sees (as in Jupyter)
        sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") not in _RUNNER_DIRS]
        sys.path.insert(0, work)
        copy_files_in(args.files_input, work)
        for n, v in args.param:
            if n.isidentifier() and n not in os.environ:
                os.environ[n] = v  # Elyra passes pipeline parameters to nodes as env vars too
        for n, v in params:
            meta_rows.append(("parameter " + n, repr(v)))

        main_module = types.ModuleType("__main__")
        state.RUN.ns = main_module.__dict__
        state.RUN.ns["__builtins__"] = builtins
        sys.modules["__main__"] = main_module
        builtins.display = display
        output_names = [n for n, _ in args.output]

        if step.get("kind") == "script":
            init = dict(params)
            init.update((n, load_variable(n, p)) for n, p in args.input)
            result = run_script(os.path.join(work, step.get("script") or ""), init)
            state.RUN.ns.update(result or {})
            track_outputs(output_names, step.get("script") or "script")
        else:
            sys.argv = [step.get("notebook") or "notebook.ipynb"]
            collect_defs(cells)
            first_step = next((i for i, c in enumerate(cells) if c.get("role") == "step"), len(cells))
            run_cells(cells[:first_step], output_names)
            state.RUN.begin_section("parameters and inputs")
            for n, v in params:
                state.RUN.ns[n] = v
            for n, p in args.input:
                state.RUN.ns[n] = load_variable(n, p)
                state.RUN.defined_in[n] = ("an input received from step %s" % _producer(p), state.RUN.ns[n])
                meta_rows.append(("input " + n, "%s from step %s" % (qualified_type(state.RUN.ns[n]), _producer(p))))
            run_cells(cells[first_step:], output_names)

        state.RUN.begin_section("outputs")
        save_outputs(args.output)
        if args.files_output:
            copy_files_out(step.get("fileOutputs") or [], work, args.files_output)
        metrics = {}
        for name in step.get("metrics") or []:
            if name not in state.RUN.ns:
                raise StepFailure("step %s: metric '%s' is not defined after the step's cells ran" % (state.RUN.name, name))
            metrics[name] = metric_value(name, state.RUN.ns[name])
        markdown, web, confusion = [], [], None
        if step.get("uiOutputs"):
            ui_metrics, markdown, web, confusion = read_ui_files(work)
            for k, v in ui_metrics.items():
                metrics.setdefault(k, v)
        # Artifact names come from the step module (src/contract.ts stepIo), keyed by runner flag.
        names = step.get("outputArtifacts") or {}
        artifacts = {}
        if "metrics" in names:
            artifacts[names["metrics"]] = metrics
        if confusion is not None and "ui-confusion" in names:
            artifacts[names["ui-confusion"]] = {"confusionMatrix": confusion}
        write_executor_output(executor_input, artifacts)
        if args.metrics:
            write_text(args.metrics, json.dumps(metrics, sort_keys=True))
        write_text(args.ui_markdown, "\n\n".join(markdown))
        write_text(args.ui_html, "\n".join(web))
        write_text(args.ui_confusion, json.dumps({"confusionMatrix": confusion} if confusion else {}, sort_keys=True))
        for k, v in sorted(metrics.items()):
            meta_rows.append(("metric " + k, repr(v)))
        for n, desc in state.RUN.saved:
            meta_rows.append(("output " + n, desc))
    except StepFailure as e:
        state.RUN.failure = str(e)
        code = 1
    except KeyboardInterrupt:
        state.RUN.failure = "step %s interrupted" % state.RUN.name
        code = 130
    except Exception as e:  # a bug in the runner itself: still fail cleanly, with the details
        traceback.print_exc()
        state.RUN.failure = "step %s: internal runner error: %s: %s" % (state.RUN.name, type(e).__name__, e)
        code = 1
    finally:
        if saved_main is not None and main_module is not None:
            sys.modules["__main__"] = saved_main
    if state.RUN.failure:
        state.RUN.record("error", "nbbuild: " + state.RUN.failure)
    meta_rows.append(("status", "failed" if code else "succeeded"))
    meta_rows.append(("seconds", "%.1f" % (time.time() - started)))
    sys.stdout.flush()
    sys.stdout, sys.stderr = state.RUN.real_stdout, state.RUN.real_stderr
    if args.report:
        try:
            write_text(args.report, render_report(meta_rows))
        except Exception as e:
            sys.stderr.write("nbbuild: could not write the report: %s: %s\n" % (type(e).__name__, e))
    if state.RUN.failure:
        sync_stdout(failure=True)
        sys.stderr.write("nbbuild: %s\n" % state.RUN.failure)
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
