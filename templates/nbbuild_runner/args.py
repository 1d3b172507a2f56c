"""Command-line arguments, the ExecutorInput JSON and typed parameter values."""

import argparse
import json

from . import state
from .state import StepFailure


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
        raise StepFailure("step %s: parameter '%s' must be %s, got %r" % (state.RUN.name, name, ptype, raw))
    if ptype in ("LIST", "STRUCT"):
        try:
            return json.loads(raw)
        except ValueError:
            raise StepFailure("step %s: parameter '%s' must be JSON (%s), got %r" % (state.RUN.name, name, ptype, raw))
    return raw
