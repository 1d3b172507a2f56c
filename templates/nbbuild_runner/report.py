"""The per-step HTML report: printed output, displays and figures per cell."""

import html

from . import state


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
             _esc("nbbuild step %s" % state.RUN.name), "</title><style>", _CSS, "</style></head><body>\n",
             "<h1>Step ", _esc(state.RUN.name), "</h1>\n<table class=\"meta\">"]
    for k, v in meta_rows:
        parts.append("<tr><td>%s</td><td>%s</td></tr>" % (_esc(k), _esc(v)))
    parts.append("</table>\n")
    for sec in state.RUN.sections:
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
