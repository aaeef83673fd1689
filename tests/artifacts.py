"""What the tests of what a person sees saw, kept where CI collects it: the screenshot of
the insights page, the tmux screens of `run --watch`.

``test-artifacts/`` at the repository root (gitignored), or ``PIPECTL_TEST_ARTIFACTS``
(a relative path is taken from the repository root, as the tests change directory). A
test keeps a file under a stable name, so each run overwrites the last one's; the session
summary prints the folder when a test kept something in it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENT_VARIABLE = "PIPECTL_TEST_ARTIFACTS"


def artifacts_dir() -> Path:
    configured = os.environ.get(ENVIRONMENT_VARIABLE)
    return REPO_ROOT / configured if configured else REPO_ROOT / "test-artifacts"


def keep(name: str, content: str | bytes | Path) -> Path:
    """Store ``content`` (text, bytes, or a file to copy) as ``name``; its path.

    Written beside and renamed into place: xdist's workers write into the same folder, and
    a collector never sees half a file.
    """
    folder = artifacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    partial = folder / f".{name}.{os.getpid()}.partial"
    if isinstance(content, Path):
        shutil.copyfile(content, partial)
    elif isinstance(content, bytes):
        partial.write_bytes(content)
    else:
        partial.write_text(content)
    partial.replace(target)
    return target


def kept_since(moment: float) -> list[Path]:
    """The artifacts written at or after ``moment`` (this session's)."""
    folder = artifacts_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.stat().st_mtime >= moment)
