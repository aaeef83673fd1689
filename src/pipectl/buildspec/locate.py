"""Find a CodeBuild project's buildspec file inside a source directory, and only there.

A project's ``source.buildspec`` may be any text. The sandbox reads it from the
directory it serves as the source, so a path must not lead out of that directory
(``../x``, an absolute path, a symlink pointing elsewhere): a local process could
otherwise make the sandbox read, and log, any file its owner can read. Messages name
the declared path, never the content of what was (or would have been) read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pipectl.spec.yaml_source import MAX_BYTES as _MAX_BYTES_OF

#: The cap validate and `build --local` put on a buildspec: no real one comes near it.
MAX_BYTES = _MAX_BYTES_OF["buildspec"]


#: What to do about a buildspec reached through a link that leads out (validate's advice).
LINK_HINT = "pipectl reads only files inside the source directory; replace the link with the file"


class BuildspecPathError(ValueError):
    """The declared buildspec cannot be read from the source directory."""

    def __init__(self, message: str, hint: str | None = None,
                 code: str = "unreadable-file") -> None:
        super().__init__(message)
        self.hint = hint
        self.code = code  # "outside" when the path leads out of the source directory


def read_source_buildspec(source_dir: Path, declared: str) -> str | None:
    """The text of ``declared`` under ``source_dir``; None when there is no such file.

    Raises BuildspecPathError when the path leads outside the directory, is not a
    regular file, is too large or is not UTF-8 text.
    """
    shown = _shown(declared)
    if "\x00" in declared or Path(declared).is_absolute() or declared.startswith("~"):
        raise BuildspecPathError(f"buildspec path {shown} is not relative to the source "
                                 "directory", code="outside")
    root = source_dir.resolve()
    target = (root / declared).resolve()
    if not target.is_relative_to(root):
        # Out once links are followed, but in as written: a link leads out.
        if Path(os.path.normpath(root / declared)).is_relative_to(root):
            raise BuildspecPathError(f"buildspec file {shown} is a link that leads outside "
                                     "the source directory", hint=LINK_HINT, code="outside")
        raise BuildspecPathError(f"buildspec path {shown} leads outside the source directory",
                                 code="outside")
    try:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(target, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BuildspecPathError(f"buildspec {shown} cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise BuildspecPathError(f"buildspec {shown} is not a regular file")
        if info.st_size > MAX_BYTES:
            raise BuildspecPathError(f"buildspec {shown} is larger than {MAX_BYTES} bytes")
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise BuildspecPathError(f"buildspec {shown} is larger than {MAX_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BuildspecPathError(f"buildspec {shown} is not UTF-8 text") from None


def _shown(declared: str) -> str:
    """The declared path, quoted and cut short: it came from the project, not from a file."""
    printable = "".join(ch if ch.isprintable() else "?" for ch in declared)
    return repr(printable if len(printable) <= 80 else printable[:77] + "...")
