"""Notebook idioms: display() and capturing matplotlib figures into the report."""

import base64
import io
import sys

from . import state
from .state import INLINE_BACKEND
from .streams import say, note_stdout


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
            if state.RUN.report_on:
                state.RUN.record("png", _figure_png(fig))
        if nums:
            plt.close("all")
    except Exception as e:  # a broken figure must not fail the step
        say("could not capture a figure: %s: %s" % (type(e).__name__, e))


def inline_backend_active():
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
            if state.RUN.report_on:
                state.RUN.record("png", _figure_png(obj))
            text = repr(obj)
        else:
            text = repr(obj)
            if state.RUN.report_on:
                rich = None
                pd = sys.modules.get("pandas")
                if pd is not None and isinstance(obj, pd.DataFrame):
                    rich = obj._repr_html_()  # pandas escapes cell values and labels
                if rich:
                    state.RUN.record("html", rich)
                else:
                    png = getattr(obj, "_repr_png_", None)
                    data = png() if callable(png) else None
                    if isinstance(data, bytes):
                        state.RUN.record("png", base64.b64encode(data).decode("ascii"))
                    else:
                        state.RUN.record("text", text)
            # Figures drawn by pandas/plt calls are shown at the end of the cell.
    except Exception as e:
        say("display() could not render a %s: %s: %s" % (type(obj).__name__, type(e).__name__, e))
    if text is not None:
        state.RUN.real_stdout.write(text + "\n")
        note_stdout(text + "\n")
        state.RUN.real_stdout.flush()
