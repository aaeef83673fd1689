"""One shell for the whole build, as CodeBuild's buildspec version 0.2 has.

Commands are sent to the shell's stdin one at a time. Each one runs through ``eval``
in the shell itself, so variables, ``cd`` and functions carry over to the next
command, and a syntax error fails that command instead of the session. After each
command the shell writes a marker with the exit status to a private copy of its
stdout (fd 9), which the command cannot redirect away; the output before the marker
belongs to the command. A command's stdin is /dev/null, so nothing it runs can eat
the commands that follow.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
from collections.abc import Generator, Mapping
from pathlib import Path
from typing import IO

#: fd 9, not a higher one: POSIX sh accepts single-digit descriptors only.
_STATUS_FD = 9


class ShellExited(Exception):
    """The shell ended (a command ran ``exit`` or ``set -e`` tripped) mid-build."""

    def __init__(self, status: int) -> None:
        super().__init__(f"the shell exited with status {status}")
        self.status = status


def shell_argv(shell: str) -> list[str]:
    if shell == "bash":
        return ["bash", "--noprofile", "--norc"]
    return ["sh"]


def quote(text: str) -> str:
    """``text`` as one single-quoted shell word (safe for any content)."""
    return "'" + text.replace("'", "'\\''") + "'"


class ShellSession:
    """A running shell that executes commands one at a time and streams their output."""

    def __init__(self, shell: str, cwd: Path, env: Mapping[str, str]) -> None:
        self._marker = f"__pipectl_status_{secrets.token_hex(8)}__"
        self._process = subprocess.Popen(
            shell_argv(shell),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # Its own process group: Ctrl-C reaches pipectl, which then ends the whole
            # group (background jobs included) in close().
            start_new_session=True,
        )
        self._stdin: IO[bytes] = self._process.stdin  # type: ignore[assignment]
        self._stdout: IO[bytes] = self._process.stdout  # type: ignore[assignment]
        self._send(f"exec {_STATUS_FD}>&1\n")

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def run(self, command: str) -> Generator[str, None, int]:
        """Run ``command``; yield its output lines; return its exit status.

        Raises ShellExited when the shell itself ended instead of finishing the command.
        """
        self._send(
            f"__pipectl_command={quote(command)}\n"
            f'eval "$__pipectl_command" < /dev/null {_STATUS_FD}>&-\n'
            f"printf '%s %s\\n' {self._marker} \"$?\" >&{_STATUS_FD}\n"
        )
        while True:
            raw = self._stdout.readline()
            if not raw:
                raise ShellExited(self._process.wait())
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            at = line.find(self._marker)
            if at < 0:
                yield line
                continue
            if at > 0:  # the command's last line had no newline
                yield line[:at]
            return int(line[at + len(self._marker):].strip() or 1)

    def capture(self, command: str) -> tuple[int, str]:
        """Run a command of pipectl's own and return its status and output."""
        lines: list[str] = []
        runner = self.run(command)
        while True:
            try:
                lines.append(next(runner))
            except StopIteration as done:
                return int(done.value), "\n".join(lines)

    def _send(self, text: str) -> None:
        try:
            self._stdin.write(text.encode())
            self._stdin.flush()
        except BrokenPipeError:
            raise ShellExited(self._process.wait()) from None

    def close(self, timeout: float = 5.0) -> None:
        """End the shell and anything it left running (at once when ``timeout`` is 0)."""
        with contextlib.suppress(OSError):
            self._stdin.close()
        if timeout > 0:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signal.SIGTERM)
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._stdout.close()
