"""KFP v1 UI files (mlpipeline-metrics.json, mlpipeline-ui-metadata.json) converted to v2 outputs."""

import io
import json
import os

from . import state
from .metrics import metric_value
from .state import StepFailure
from .streams import say


def read_ui_files(work):
    """Reads mlpipeline-metrics.json and mlpipeline-ui-metadata.json written by the code."""
    metrics = _converted(os.path.join(work, "mlpipeline-metrics.json"), {},
                         _v1_metrics, "is not valid KFP v1 metrics: %s")
    markdown, web, confusion = _converted(os.path.join(work, "mlpipeline-ui-metadata.json"), ([], [], None),
                                          lambda data: _ui_outputs(data, work), "could not be converted: %s")
    return metrics, markdown, web, confusion


def _converted(path, absent, convert, failure):
    """`convert(json of path)`, `absent` when there is no such file; any error fails the step."""
    if not os.path.isfile(path):
        return absent
    try:
        with open(path, encoding="utf-8") as f:
            return convert(json.load(f))
    except StepFailure:
        raise
    except Exception as e:
        detail = "%s: %s" % (type(e).__name__, e)
        raise StepFailure("step %s: %s %s" % (state.RUN.name, os.path.basename(path), failure % detail))


def _v1_metrics(data):
    metrics = {}
    for m in data.get("metrics", []):
        name = m.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError("a metric without a name")
        v = m.get("numberValue")
        if isinstance(v, str):
            v = float(v)
        metrics[name] = metric_value(name, v)
    return metrics


def _ui_outputs(data, work):
    markdown, web, confusion = [], [], None
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
                say("step %s: only the first confusion_matrix of mlpipeline-ui-metadata.json is kept" % state.RUN.name)
                continue
            confusion = confusion_matrix(out, source)
        else:
            say("step %s: mlpipeline-ui-metadata.json output type %r is not converted" % (state.RUN.name, kind))
    return markdown, web, confusion


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
    say("step %s: ui-metadata source %r is not inline and not a file in the working dir; skipped" % (state.RUN.name, source))
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
