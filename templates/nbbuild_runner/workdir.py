"""The step's fresh, writable working directory and the inline matplotlib backend."""

import os
import shutil
import sys
import tempfile

from .state import INLINE_BACKEND
from .streams import say


def copy_tree(src, dst, link_larger_than=None):
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
                say("cannot read %s (%s); it is not in the working directory" % (s, e.strerror))


def _copy_link(s, t):
    if os.path.lexists(t):
        if os.path.isdir(t) and not os.path.islink(t):
            shutil.rmtree(t)
        else:
            os.unlink(t)
    os.symlink(os.readlink(s), t)


def link_limit():
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
        copy_tree(app_src, work, link_limit())
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
