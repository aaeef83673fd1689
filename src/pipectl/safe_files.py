"""Write a project's files without following a symbolic link (``init`` and ``import``).

Both commands write into the current directory, often a checkout someone else
prepared: a link planted there (``Dockerfile -> ~/.bashrc``, ``config -> /elsewhere``)
would have them create or overwrite a file outside it. So a link is never written
through, nor a directory reached through one. Callers check every target with
:func:`refuse_links` before they write any, so a refusal leaves nothing half-written;
:func:`write_file` then walks to the file one directory descriptor at a time, each
opened with ``O_NOFOLLOW``, so a directory swapped for a link after that check (which
a path-based open would follow: ``O_NOFOLLOW`` guards only a path's last component)
is refused too, or was already open as the directory it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from pipectl.errors import InvalidInput

_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
# O_NONBLOCK: a FIFO planted at the target fails at once (ENXIO) instead of hanging
# until something reads it; a regular file ignores the flag.
_FILE_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
               | os.O_NONBLOCK)
# A symbolic link opened with O_NOFOLLOW: ELOOP, or ENOTDIR when O_DIRECTORY is asked.
_LINK_ERRORS = (errno.ELOOP, errno.ENOTDIR)


def refuse_links(target: Path, directory: Path, shown: str, command: str, *,
                 overwrite: bool = False) -> None:
    """InvalidInput (exit 2) if ``target`` or a directory between ``directory`` and it is
    a symbolic link; with ``overwrite`` (the caller writes over what is there), also if
    ``target`` is there but not a regular file (a FIFO, a device, a directory).
    ``shown`` is the target as the user knows it, ``command`` who refuses ("init",
    "import")."""
    anchor, parts = _route(target, directory)
    whole = anchor / Path(*parts)
    path = anchor
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise _link_refusal(path, whole, directory, shown, command)
    if overwrite and whole.exists() and not whole.is_file():
        raise _not_regular(whole, directory, shown, command)


def write_file(target: Path, directory: Path, shown: str, content: bytes, command: str
               ) -> None:
    """Write ``content`` to ``target`` (its missing directories made first), never through
    a link: each directory on the way is opened relative to the one before it with
    O_NOFOLLOW, and the file is created in the last one with O_NOFOLLOW."""
    anchor, parts = _route(target, directory)
    *folders, name = parts
    whole = anchor / Path(*parts)
    reached = anchor
    descriptors: list[int] = []
    try:
        descriptors.append(os.open(anchor, _DIRECTORY_FLAGS))
        for folder in folders:
            reached = reached / folder
            descriptors.append(_open_directory(folder, descriptors[-1]))
        reached = whole
        descriptor = os.open(name, _FILE_FLAGS, 0o644, dir_fd=descriptors[-1])
        with os.fdopen(descriptor, "wb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise _not_regular(whole, directory, shown, command)
            handle.write(content)
    except OSError as exc:
        if exc.errno in _LINK_ERRORS and descriptors and _is_link(reached.name,
                                                                  descriptors[-1]):
            raise _link_refusal(reached, whole, directory, shown, command) from None
        if exc.errno == errno.ENXIO and reached == whole:  # a FIFO nothing reads
            raise _not_regular(whole, directory, shown, command) from None
        raise InvalidInput(f"cannot write {shown}: {exc.strerror or exc}",
                           hint="check the directory's permissions") from None
    finally:
        for opened in descriptors:
            os.close(opened)


def _open_directory(name: str, parent: int) -> int:
    """The directory ``name`` in ``parent`` (made if missing), never reached through a link."""
    # Already there: a directory, or the open below says what it is instead.
    with contextlib.suppress(FileExistsError):
        os.mkdir(name, dir_fd=parent)
    return os.open(name, _DIRECTORY_FLAGS | os.O_NOFOLLOW, dir_fd=parent)


def _is_link(name: str, parent: int) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _route(target: Path, directory: Path) -> tuple[Path, tuple[str, ...]]:
    """Where the walk to ``target`` starts, and the names it goes through.

    A target inside ``directory`` is walked from it: every name on the way is the
    project's, and none may be a link. One outside it (``-c /elsewhere/pipeline.yml``)
    is a path the user typed: the walk starts at its deepest directory that exists, and
    only what is below (the directories pipectl makes, and the file) is walked.
    ``..`` is resolved in the names as typed, so the walk never climbs out of its start.
    """
    root = Path(os.path.normpath(directory.absolute()))
    whole = Path(os.path.normpath(root / target))
    if whole != root and whole.is_relative_to(root):
        return root, whole.relative_to(root).parts
    anchor = whole.parent
    while not anchor.is_dir() and anchor != anchor.parent:
        anchor = anchor.parent
    return anchor, whole.relative_to(anchor).parts


def _link_refusal(path: Path, target: Path, directory: Path, shown: str, command: str
                  ) -> InvalidInput:
    link = _relative(path, directory)
    what = "is" if path == target else f"is in {link}, which is"
    return InvalidInput(
        f"{shown} {what} a symbolic link; {command} never writes through one",
        hint=f"remove the link ({link}), or run `pipectl {command}` in another directory")


def _not_regular(target: Path, directory: Path, shown: str, command: str) -> InvalidInput:
    return InvalidInput(f"{shown} is not a regular file; {command} writes only regular files",
                        hint=f"remove {_relative(target, directory)}, or run "
                             f"`pipectl {command}` in another directory")


def _relative(path: Path, directory: Path) -> str:
    """The link as the user would type it from ``directory``."""
    root = Path(os.path.normpath(directory.absolute()))
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
