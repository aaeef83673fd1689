"""System programs that the tests of what a person sees use: nginx, tmux, Chromium.

They come from Debian's packages (`.ci/run` installs them; see the README's "Tests"
section). Outside CI a test whose program is missing skips and says how to get it; under
``CI=true`` it fails, so a CI run can never go green by skipping what it was meant to show.
"""

from __future__ import annotations

import os
import shutil

import pytest

# Debian puts nginx in /usr/sbin, which is not on every user's PATH.
_EXTRA_DIRS = ("/usr/sbin", "/sbin")
INSTALL_HINT = "apt-get install nginx tmux chromium"


def require_tool(*names: str) -> str:
    """The path of the first of ``names`` found on PATH, else skip (fail under CI)."""
    search = os.pathsep.join([os.environ.get("PATH", ""), *_EXTRA_DIRS])
    for name in names:
        found = shutil.which(name, path=search)
        if found:
            return found
    reason = f"{names[0]} is not installed (Debian: `{INSTALL_HINT}`)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must install it (.ci/run does)", pytrace=False)
    pytest.skip(reason)
