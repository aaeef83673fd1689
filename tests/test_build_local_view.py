"""`pipectl build --local` on a colour terminal: its own styles are real escape codes,
while an escape sequence the build's commands print is shown, not obeyed."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from tests.conftest import run_cli

BUILDSPEC = """\
version: 0.2
phases:
  build:
    commands:
      - printf 'plain \\033]0;pwned\\007 title\\n'
      - exit 3
"""


def build_on(tmp: Path, *, tty: bool) -> tuple[int, str]:
    (tmp / "buildspec.yml").write_text(textwrap.dedent(BUILDSPEC))
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_REGION", "NO_COLOR")}
    env["GIT_CEILING_DIRECTORIES"] = str(tmp.parent)
    result = run_cli(["build", "--local"], environ=env, tty=tty)
    return result.exit_code, result.stdout


def test_colour_terminal_styles_the_phases_and_escapes_the_build_output(in_tmp: Path) -> None:
    code, out = build_on(in_tmp, tty=True)
    assert code == 1, out
    assert "\x1b[36m[build]\x1b[0m" in out  # the phase prefix in cyan, as real codes
    assert "\\x1b[" not in out  # pipectl's own styles are never shown as text
    assert "plain \\x1b]0;pwned\\x07 title" in out  # the build's escapes are shown...
    assert "\x1b]0;pwned" not in out  # ...and never reach the terminal
    assert "command exited with status 3" in out


def test_without_a_terminal_lines_are_plain(in_tmp: Path) -> None:
    code, out = build_on(in_tmp, tty=False)
    assert code == 1, out
    assert "[build] plain \\x1b]0;pwned\\x07 title" in out.splitlines()
    assert "[build] command exited with status 3" in out.splitlines()
    assert "\x1b" not in out
