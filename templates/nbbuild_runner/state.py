"""Run state shared by the runner's modules: constants, StepFailure and the current Run."""

import pickle
import sys


PICKLE_PROTOCOL = min(5, pickle.HIGHEST_PROTOCOL)
REPORT_TEXT_LIMIT = 2_000_000  # characters of printed output kept for the report
INLINE_BACKEND = "_nbbuild_inline"


class StepFailure(Exception):
    """A failure with a complete, user-facing message (printed as 'nbbuild: <message>')."""


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
        self.stdout_dirty = False  # stdout written since stderr last waited for it (streams.sync_stdout)
        self.stdout_partial = False  # the last stdout text did not end with a newline

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
