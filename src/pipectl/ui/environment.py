"""The environment object owns stdout, stderr and what they are; nothing else prints.

Tests build an :class:`Environment` over in-memory streams and run the real
``main()`` against it (the httpie pattern).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import IO, Any, Literal, cast

from pipectl.clock import Clock
from pipectl.ui.printable import printable
from pipectl.ui.streams import GuardedStream

OutputFormat = Literal["text", "json"]


@dataclass
class Environment:
    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)
    stdin: IO[str] = field(default_factory=lambda: sys.stdin)
    stdout_isatty: bool | None = None
    stdin_isatty: bool | None = None
    environ: dict[str, str] | os._Environ[str] = field(default_factory=lambda: os.environ)
    output: OutputFormat = "text"
    color: bool | None = None
    verbose: int = 0
    debug: bool = False
    #: The clock commands run on; None: the system's (tests pass a fake one).
    clock: Clock | None = None
    _console: Any = field(default=None, repr=False)
    #: Whether stdout is a stream of JSON lines (watch, logs --follow, build --local):
    #: whatever follows, the error object included, is one line too.
    json_lines: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if self.stdout_isatty is None:
            self.stdout_isatty = _isatty(self.stdout)
        if self.stdin_isatty is None:
            self.stdin_isatty = _isatty(self.stdin)
        if self.color is None:
            self.color = bool(self.stdout_isatty) and "NO_COLOR" not in self.environ
        if not isinstance(self.stdout, GuardedStream):
            self.stdout = cast("IO[str]", GuardedStream(self.stdout))

    def finish_without_stdout(self) -> None:
        """If the reader of stdout leaves, carry on (for commands that change things)."""
        cast("GuardedStream", self.stdout).keep_going = True

    @property
    def rich_output(self) -> bool:
        """Draw with rich (live views, tables) only for text output on a terminal."""
        return self.output == "text" and bool(self.stdout_isatty)

    def console(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(
                file=self.stdout,
                force_terminal=bool(self.stdout_isatty),
                no_color=not self.color,
                highlight=False,
                soft_wrap=False,
            )
        return self._console

    def write(self, text: str = "") -> None:
        self.stdout.write(printable(text) + "\n")
        self.stdout.flush()

    def write_json(self, obj: Any, *, lines: bool = False) -> None:
        import json  # only commands with JSON output pay for it

        self.json_lines = self.json_lines or lines
        indent = None if self.json_lines else 2
        self.stdout.write(json.dumps(obj, indent=indent, default=str, sort_keys=False) + "\n")
        self.stdout.flush()

    def note(self, text: str) -> None:
        """Side information for people (progress, counts): stderr, so stdout stays clean."""
        self.stderr.write(printable(text) + "\n")
        self.stderr.flush()

    def confirm(self, prompt: str, *, refusal: str, hint: str) -> bool:
        """Ask on stderr and read one answer from stdin: True for y or yes. Without a
        terminal to ask on, refuse (exit 2) with ``refusal`` and ``hint`` (say --yes), so
        that a script never waits on a question nobody sees."""
        if not self.stdin_isatty:
            from pipectl.errors import InvalidInput

            raise InvalidInput(refusal, hint=hint)
        self.stderr.write(printable(prompt))
        self.stderr.flush()
        return self.stdin.readline().strip().lower() in ("y", "yes")

    def error(self, message: str, hint: str | None = None) -> None:
        self.stderr.write(f"error: {printable(message)}\n")
        if hint:
            self.stderr.write(f"hint: {printable(hint)}\n")
        self.stderr.flush()


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
