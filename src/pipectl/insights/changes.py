"""Which files each run's change touched, and which files the image is built from.

AWS does not say which files a commit changed; the local git checkout does, when the
runs' revisions are in it. Revisions git does not know give no evidence (and the
trigger rule then says nothing).
"""

from __future__ import annotations

import fnmatch
import re
import shlex
import subprocess
from collections.abc import Sequence
from pathlib import Path

GIT_TIMEOUT = 10


def image_inputs(dockerfile: Path) -> tuple[str, ...] | None:
    """The Dockerfile, .dockerignore and every COPY/ADD source from the build context.

    None when there is no Dockerfile to read. ``.`` (everything) when a COPY takes the
    whole context: then every change touches the image.
    """
    try:
        text = dockerfile.read_text(encoding="utf-8")
    except OSError:
        return None
    inputs = [dockerfile.name, ".dockerignore"]
    joined = re.sub(r"\\\n", " ", text)
    for line in joined.splitlines():
        words = line.strip().split(None, 1)
        if len(words) < 2 or words[0].upper() not in ("COPY", "ADD"):
            continue
        try:
            parts = shlex.split(words[1])
        except ValueError:
            return (".",)
        parts = [p for p in parts if not p.startswith("--")]
        if any(p.startswith("--from") for p in shlex.split(words[1])):
            continue  # from another stage or image, not from the context
        for source in parts[:-1]:
            inputs.append(source.strip("/") or ".")
    return tuple(dict.fromkeys(inputs))


def touches(files: Sequence[str], inputs: Sequence[str]) -> bool:
    for path in files:
        for source in inputs:
            if source in (".", "./", "*") or path == source or path.startswith(
                    source.rstrip("/") + "/") or fnmatch.fnmatch(path, source):
                return True
    return False


def changed_files(repo: Path, revisions: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """For each revision git knows, the files changed since the previous revision given.

    ``revisions`` are oldest first; the oldest is compared with its parent.
    """
    known = _known(repo, revisions)
    result: dict[str, tuple[str, ...]] = {}
    previous: str | None = None
    for revision in revisions:
        if revision not in known:
            previous = None
            continue
        base = previous if previous and previous != revision else f"{revision}^"
        output = _git(repo, "diff", "--name-only", base, revision)
        if output is not None:
            result[revision] = tuple(line for line in output.splitlines() if line)
        previous = revision
    return result


def _known(repo: Path, revisions: Sequence[str]) -> set[str]:
    unique = [r for r in dict.fromkeys(revisions) if re.fullmatch(r"[0-9a-f]{7,40}", r)]
    if not unique or not (repo / ".git").exists():
        return set()
    try:
        done = subprocess.run(["git", "-C", str(repo), "cat-file", "--batch-check"],
                              input="\n".join(unique) + "\n", capture_output=True, text=True,
                              timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return set()
    lines = done.stdout.splitlines()
    return {rev for rev, line in zip(unique, lines, strict=False) if " commit " in line}


def _git(repo: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                              timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None
