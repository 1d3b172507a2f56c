"""Metric values and the KFP ExecutorOutput JSON."""

import json
import math
import numbers
import os
import sys

from . import state
from .atomicio import atomic_write
from .state import StepFailure
from .values import qualified_type


def metric_value(name, value):
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise StepFailure("step %s: metric '%s' is a boolean (%r); metrics must be numbers" % (state.RUN.name, name, value))
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.generic):
        if not isinstance(value, (np.integer, np.floating)):
            raise StepFailure("step %s: metric '%s' has type %s; metrics must be real numbers" % (state.RUN.name, name, qualified_type(value)))
        value = float(value)
    elif type(value) is int:
        pass
    elif isinstance(value, numbers.Real):
        value = float(value)
    else:
        raise StepFailure("step %s: metric '%s' has type %s; metrics must be real numbers" % (state.RUN.name, name, qualified_type(value)))
    if isinstance(value, float) and not math.isfinite(value):
        raise StepFailure("step %s: metric '%s' is %r; KFP can only record finite numbers" % (state.RUN.name, name, value))
    return value


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
    atomic_write(out_file, lambda f: f.write(text.encode("utf-8")))
