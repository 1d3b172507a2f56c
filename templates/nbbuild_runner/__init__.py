"""nbbuild's step runner: runs one pipeline step's cells with its inputs, parameters and outputs.

Standard library only (python3 >= 3.8); pandas, numpy, pyarrow, cloudpickle, dill and matplotlib
are used only when importable. Every module is imported here, before the runner takes its own
folder off sys.path. Pickles name `nbbuild_runner._main_object`; the inline matplotlib backend
calls `nbbuild_runner.flush_figures`.
"""

from . import state, streams, values, atomicio, args, workdir, display, cells, pickling  # noqa: F401
from . import serialize, metrics, ui_outputs, files, report, run  # noqa: F401
from .display import flush_figures
from .run import main
from .pickling import _main_object

__all__ = ["main", "flush_figures", "_main_object"]
