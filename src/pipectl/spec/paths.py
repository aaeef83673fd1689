"""Where the files a spec names (buildspec, task definition) are looked for.

The spec's paths are relative to the project's root. That is usually the current
directory; when pipectl runs elsewhere, the directory that holds the spec's ``config/``
folder and the git repository around the current directory are tried next.
"""

from __future__ import annotations

from pathlib import Path


def outside_problem(value: str) -> str | None:
    """Why a path the spec names could leave the project, or None: it must be relative
    and stay inside (the spec travels with the repository; its files must too)."""
    import posixpath

    if value.startswith(("/", "\\")) or (len(value) > 1 and value[1] == ":"):
        return "is an absolute path; give it relative to the repository root"
    normal = posixpath.normpath(value.replace("\\", "/"))
    if normal == ".." or normal.startswith("../"):
        return "leaves the repository ('..'); give a path inside it"
    return None


def candidates(value: str, spec_path: Path, cwd: Path | None = None) -> list[Path]:
    """The places ``value`` may be, in the order they are tried (no duplicates)."""
    return [candidate for candidate, _ in _rooted(value, spec_path, cwd)]


def _rooted(value: str, spec_path: Path, cwd: Path | None) -> list[tuple[Path, Path]]:
    path = Path(value)
    if outside_problem(value):
        return []
    cwd = cwd or Path.cwd()
    roots = [cwd, (cwd / spec_path).resolve().parent.parent]
    repository = repository_root(cwd)
    if repository is not None:
        roots.append(repository)
    out: list[tuple[Path, Path]] = []
    for root in roots:
        candidate = root / path
        if candidate not in [c for c, _ in out]:
            out.append((candidate, root))
    return out


def find_project_file(value: str, spec_path: Path, cwd: Path | None = None) -> Path | None:
    """The first existing file among :func:`candidates` whose real path (links followed)
    is inside the root it was found under, or None."""
    return next((p for p, root in _rooted(value, spec_path, cwd)
                 if p.is_file() and p.resolve().is_relative_to(root.resolve())), None)


def repository_root(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None
