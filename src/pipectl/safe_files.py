"""Write a project's files without following a symbolic link (``init`` and ``import``).

Both commands write into the current directory, often a checkout someone else
prepared: a link planted there (``Dockerfile -> ~/.bashrc``, ``config -> /elsewhere``)
would have them create or overwrite a file outside it. So a link is never written
through, nor a directory reached through one; callers check every target with
:func:`refuse_links` before they write any, so a refusal leaves nothing half-written.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipectl.errors import InvalidInput


def refuse_links(target: Path, directory: Path, shown: str, command: str) -> None:
    """InvalidInput (exit 2) if ``target`` or a directory between ``directory`` and it is
    a symbolic link. ``shown`` is the target as the user knows it, ``command`` who
    refuses ("init", "import")."""
    inside = target.is_relative_to(directory)
    parents = [p for p in target.parents if p != directory and p.is_relative_to(directory)] \
        if inside else []
    for path in (target, *parents):
        if path.is_symlink():
            link = _relative(path, directory)
            what = "is" if path == target else f"is in {link}, which is"
            raise InvalidInput(
                f"{shown} {what} a symbolic link; {command} never writes through one",
                hint=f"remove the link ({link}), or run `pipectl {command}` in another "
                     "directory")


def write_file(target: Path, directory: Path, shown: str, content: bytes, command: str
               ) -> None:
    """Write ``content`` to ``target`` (its missing directories made first), never through
    a link: checked again now, and O_NOFOLLOW for one swapped in after the check."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        refuse_links(target, directory, shown, command)
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW,
                             0o644)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
    except OSError as exc:
        # ELOOP: a link appeared at the target between the check and the open.
        raise InvalidInput(f"cannot write {shown}: {exc.strerror or exc}",
                           hint="check the directory's permissions") from None


def _relative(path: Path, directory: Path) -> str:
    """The link as the user would type it from ``directory``."""
    return str(path.relative_to(directory)) if path.is_relative_to(directory) else str(path)
