"""Where the files a spec names (buildspec, task definition) are looked for.

The spec's paths are relative to the project's root. That is usually the current
directory; when pipectl runs elsewhere, the directory that holds the spec's ``config/``
folder and the git repository around the current directory are tried next.
"""

from __future__ import annotations

from pathlib import Path


def candidates(value: str, spec_path: Path, cwd: Path | None = None) -> list[Path]:
    """The places ``value`` may be, in the order they are tried (no duplicates)."""
    path = Path(value)
    if path.is_absolute():
        return [path]
    cwd = cwd or Path.cwd()
    roots = [cwd, (cwd / spec_path).resolve().parent.parent]
    repository = repository_root(cwd)
    if repository is not None:
        roots.append(repository)
    out: list[Path] = []
    for root in roots:
        candidate = root / path
        if candidate not in out:
            out.append(candidate)
    return out


def find_project_file(value: str, spec_path: Path, cwd: Path | None = None) -> Path | None:
    """The first existing file among :func:`candidates`, or None."""
    return next((p for p in candidates(value, spec_path, cwd) if p.is_file()), None)


def repository_root(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None
