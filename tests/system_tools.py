"""Programs that tests run, found in one place: the one way a test says a tool is missing.

Two kinds: the system programs that the tests of what a person sees use (nginx, tmux,
Chromium, from Debian's packages; `.ci/run` installs them, see the README's "Set up on a
fresh machine"), and the programs the dev extra installs beside the interpreter (the aws
CLI, shellcheck, hadolint). Outside CI a test whose program is missing skips and says how
to get it; under ``CI=true`` it fails, so a CI run can never go green by skipping what it
was meant to show.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

# Debian puts nginx in /usr/sbin, which is not on every user's PATH.
_EXTRA_DIRS = ("/usr/sbin", "/sbin")
FROM_DEBIAN = "Debian: `apt-get install nginx tmux chromium`"
# The dev extra's programs land beside the interpreter, whose bin/ may not be on PATH
# (a venv used without activating it).
FROM_DEV_EXTRA = "`pip install -e '.[dev]'` brings it"
FROM_BASE_SYSTEM = "part of every Debian base system"


def under_ci(environ: dict[str, str] | None = None) -> bool:
    """Whether this run is CI's, where no test may skip (`.ci/run` sets ``CI=true``)."""
    return (environ if environ is not None else os.environ).get("CI") == "true"


def require_tool(*names: str, install: str = FROM_DEBIAN) -> str:
    """The path of the first of ``names`` found, else skip (fail under CI=true).

    Looked for beside the interpreter, then on PATH, then in the sbin directories.
    ``install`` tells a person how to get it.
    """
    search = os.pathsep.join([str(Path(sys.executable).parent),
                              os.environ.get("PATH", ""), *_EXTRA_DIRS])
    for name in names:
        found = shutil.which(name, path=search)
        if found:
            return found
    reason = f"{names[0]} is not installed ({install})"
    if under_ci():
        pytest.fail(f"{reason}; under CI=true a missing tool fails the test: CI must "
                    "install it (.ci/run does)", pytrace=False)
    pytest.skip(reason)


def aws_cli() -> str:
    """The aws CLI (the dev extra's awscli): an independent reader of what pipectl did."""
    return require_tool("aws", install=FROM_DEV_EXTRA)
