"""stdout/stderr: the tee into the report, and keeping their order in a combined container log."""

import os
import stat
import sys
import time

from . import state

STDERR_WAIT = 0.1  # seconds stderr waits, at most, for printed output to leave the stdout pipe
FAILURE_WAIT = 0.5  # the same before a traceback or the failure message
FAILURE_SETTLE = 0.1  # then a moment for the later hops (shim, daemon, log driver) to pass it on
_slow_reader = [False]


def _unread_bytes(fd):
    """Bytes written to the pipe `fd` that its reader has not taken yet (None: not a pipe)."""
    try:
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return None
        import fcntl
        import struct
        import termios
        return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
    except Exception:
        return None


def sync_stdout(failure=False):
    """Lets what was printed reach the log before something goes to stderr. stdout and stderr are
    separate pipes: a collector reading both (docker, CRI-O) could otherwise store a traceback
    before the lines printed just above it. Flushes stdout, waits (bounded) until the pipe's reader
    has taken everything; for a failure also ends a partial line and waits a moment more."""
    run = state.RUN
    out = run.real_stdout if run is not None else sys.stdout
    if run is not None and not (failure or run.stdout_dirty):
        return
    try:
        if failure and run is not None and run.stdout_partial:
            out.write("\n")  # the log shows the partial line before the traceback (not in the report)
            run.stdout_partial = False
        out.flush()
        fd = out.fileno()
    except Exception:
        return
    if run is not None:
        run.stdout_dirty = False
    if not failure and _slow_reader[0]:
        return
    deadline = time.monotonic() + (FAILURE_WAIT if failure else STDERR_WAIT)
    pending = _unread_bytes(fd)
    if pending is None:
        return
    while pending and time.monotonic() < deadline:
        time.sleep(0.001)
        pending = _unread_bytes(fd) or 0
    if pending and not failure:
        _slow_reader[0] = True  # nobody is draining stdout now: stop waiting on every stderr write
    if failure:
        time.sleep(FAILURE_SETTLE)


def note_stdout(text):
    """Records that `text` went to the real stdout (stderr then waits for it: sync_stdout)."""
    run = state.RUN
    if run is not None and text:
        run.stdout_dirty = True
        run.stdout_partial = not text.endswith("\n")


class _Tee:
    """A text stream that writes through to the real stream and records into the report. Flushes
    at each line end (even without -u); stderr first lets pending stdout reach the log."""

    def __init__(self, stream, kind):
        self._stream = stream
        self._kind = kind

    def write(self, s):
        if self._kind == "stderr":
            sync_stdout()
        n = self._stream.write(s)
        if isinstance(s, str):
            if "\n" in s:
                self._stream.flush()
            if state.RUN is not None:
                if self._kind == "stdout":
                    note_stdout(s)
                state.RUN.record(self._kind, s)
        return n

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        self._stream.flush()

    def isatty(self):
        return False

    def __getattr__(self, name):
        return getattr(self._stream, name)


def say(msg):
    """A runner message on stderr (not recorded in the report's cells)."""
    sync_stdout()
    stream = state.RUN.real_stderr if state.RUN is not None else sys.stderr
    stream.write("nbbuild: " + msg + "\n")
    stream.flush()
