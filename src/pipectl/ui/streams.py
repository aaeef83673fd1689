"""stdout that survives its reader going away (``pipectl logs | head -1``).

When the reader of a pipe exits, the next write fails with ``EPIPE``. A read-only command
then stops quietly, as a Unix tool killed by ``SIGPIPE`` does (exit 141): the guard raises
:class:`StdoutClosed` in the main thread, and the CLI's error boundary turns it into that
exit code without a word. A command that changes AWS must not stop half-way because
nobody reads it any more: with ``keep_going`` the guard drops what it is given and the
command finishes its work, then exits with its own code.
"""

from __future__ import annotations

import errno
import os
from typing import IO, Any

#: 128 + SIGPIPE: what a shell reports for a process that SIGPIPE killed.
EXIT_STDOUT_CLOSED = 141


class StdoutClosed(Exception):
    """Nobody reads stdout any more (a read-only command stops here)."""


def _is_closed_pipe(exc: BaseException) -> bool:
    if isinstance(exc, BrokenPipeError):
        return True
    if isinstance(exc, OSError) and exc.errno in (errno.EPIPE, errno.EINVAL):
        return True
    return isinstance(exc, ValueError) and "closed file" in str(exc)


class GuardedStream:
    """A text stream wrapper: writes after the reader left are dropped (or stop the command)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self.closed_by_reader = False
        self.keep_going = False

    def write(self, text: str) -> int:
        if self.closed_by_reader:
            return self._dropped(len(text))
        try:
            return self._stream.write(text)
        except (OSError, ValueError) as exc:
            if not _is_closed_pipe(exc):
                raise
            self._reader_left()
            return self._dropped(len(text))

    def flush(self) -> None:
        if self.closed_by_reader:
            self._dropped(0)
            return
        try:
            self._stream.flush()
        except (OSError, ValueError) as exc:
            if not _is_closed_pipe(exc):
                raise
            self._reader_left()
            self._dropped(0)

    def _reader_left(self) -> None:
        self.closed_by_reader = True
        # Python flushes sys.stdout again at exit and would complain ("Exception
        # ignored ... BrokenPipeError"): from now on the descriptor writes to nowhere.
        try:
            fd = self._stream.fileno()
        except (AttributeError, OSError, ValueError):
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)

    def _dropped(self, size: int) -> int:
        import threading  # only once the reader has gone

        if not self.keep_going and threading.current_thread() is threading.main_thread():
            raise StdoutClosed()
        return size

    def isatty(self) -> bool:
        try:
            return bool(self._stream.isatty())
        except (AttributeError, ValueError):
            return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
