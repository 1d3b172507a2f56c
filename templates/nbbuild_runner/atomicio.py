"""Atomic file writes readable by the next step's (different) UID."""

import os
import tempfile


def _current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def atomic_write(path, writer, binary=True):
    """Writes via a temporary file in the same directory, then renames it into place."""
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".nbbuild-", dir=d)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as f:
            writer(f)
        # mkstemp makes 0600; the next step may run under another UID (same group 0): 0664 as umask allows
        os.chmod(tmp, 0o664 & ~_UMASK | 0o044)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_text(path, text):
    if not path:
        return
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))
