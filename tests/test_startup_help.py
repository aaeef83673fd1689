"""`pipectl`, `--help`, `-h` and `--version` are answered without click: same bytes as click.

The fast path renders the help from the tables the click group is built from; these tests
compare it with click's own rendering at every width click can choose, in-process and as
a user runs it (a child process whose stdout is not a terminal).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys

import pytest
from click.formatting import wrap_text

from pipectl import __version__
from pipectl.cli import fast_help
from pipectl.cli.main import main, run
from pipectl.ui.environment import Environment


def _both(args: list[str]) -> tuple[tuple[int, str, str], tuple[int, str, str]]:
    """(exit code, stdout, stderr) of the fast path and of click, for the same args."""
    results = []
    for entry in (main, run):
        out, err = io.StringIO(), io.StringIO()
        code = entry(list(args), Environment(stdout=out, stderr=err))
        results.append((int(code), out.getvalue(), err.getvalue()))
    return results[0], results[1]


# COLUMNS from 40 to 110 covers every width click picks (50 to 98) and both clamps.
@pytest.mark.parametrize("columns", range(40, 111))
def test_help_equals_clicks_at_every_width(columns: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    fast, slow = _both(["--help"])
    assert fast == slow
    assert fast[0] == 0 and fast[1].startswith("Usage: pipectl [OPTIONS] COMMAND [ARGS]...")


@pytest.mark.parametrize("args", [["-h"], [], ["--version"]])
def test_short_help_bare_and_version_equal_clicks(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    fast, slow = _both(args)
    assert fast == slow


def test_bare_pipectl_prints_the_help_on_stderr_and_exits_2() -> None:
    fast, _ = _both([])
    code, stdout, stderr = fast
    assert (code, stdout) == (2, "")
    assert stderr.startswith("Usage: pipectl [OPTIONS] COMMAND [ARGS]...")
    assert "error:" not in stderr and "Commands:" in stderr


def test_version_is_the_package_version() -> None:
    fast, _ = _both(["--version"])
    assert fast == (0, f"pipectl {__version__}\n", "")


def _child(code: str, *args: str, columns: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    if columns is not None:
        env["COLUMNS"] = columns
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, timeout=60, check=False)


FAST = "import sys; from pipectl.cli.main import main; sys.exit(main())"
CLICK = "import sys; from pipectl.cli.main import run; sys.exit(run(sys.argv[1:]))"


@pytest.mark.parametrize("columns", [None, "80", "63", "200"])
@pytest.mark.parametrize("args", [["--help"], ["-h"], [], ["--version"]])
def test_a_child_process_prints_what_click_prints(args: list[str], columns: str | None) -> None:
    """stdout is a pipe, not a terminal: without COLUMNS both fall back to 80 columns."""
    fast = _child(FAST, *args, columns=columns)
    slow = _child(CLICK, *args, columns=columns)
    assert (fast.returncode, fast.stdout, fast.stderr) == (
        slow.returncode, slow.stdout, slow.stderr)
    assert fast.returncode == (2 if not args else 0)


@pytest.mark.parametrize(
    "environ",
    [{}, {"COLUMNS": "120"}, {"COLUMNS": "abc"}, {"COLUMNS": "0"}, {"COLUMNS": "72", "LINES": "9"},
     {"LINES": "30"}],
)
def test_terminal_width_is_the_one_shutil_reports(
    environ: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    assert fast_help.terminal_columns() == shutil.get_terminal_size().columns


WRAP_SAMPLES = [
    "read-only and well-known re-run e-mail a-b-c x--y",
    "word--word and --flag -o, ab-cd-ef under_score-word 12-34 ab-12 a1-b2 zz-zz-zz",
    "a verylongwordwithoutanyspaces-and-hyphens-inside here",
    "two  spaces   three\tand a tab",
    "em--dash a --b c-- d -- a-b--c---d ab--cd-ef \"q\"--w self-con-tained x-y-z-w",
    "The pipeline spec.  [default: config/pipeline.yml; env PIPECTL_CONFIG]",
    "x" * 70,
]


@pytest.mark.parametrize("text", WRAP_SAMPLES)
def test_wrapping_follows_clicks_for_hyphens_dashes_and_long_words(text: str) -> None:
    """Help texts may change: the wrapper must break lines where click's does."""
    for width in range(1, 90):
        assert fast_help.wrap(text, width) == wrap_text(text, width), width
        assert fast_help.wrap(text, width, "  ", "    ") == wrap_text(
            text, width, initial_indent="  ", subsequent_indent="    "), width


def test_paragraphs_and_verbatim_blocks_follow_click() -> None:
    text = "First paragraph is long enough to wrap twice here.\n\n\b\nkept:\n  as is\n\n" \
           "  indented paragraph wraps with its own indent too, yes."
    for width in range(10, 60):
        assert fast_help.wrap_paragraphs(text, width, "  ") == wrap_text(
            text, width, initial_indent="  ", subsequent_indent="  ", preserve_paragraphs=True)


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["--version"], []])
def test_fast_answers_import_neither_click_nor_anything_heavy(args: list[str]) -> None:
    code = (
        "import io, sys; from pipectl.cli.main import main; "
        "from pipectl.ui.environment import Environment; "
        f"main({args!r}, Environment(stdout=io.StringIO(), stderr=io.StringIO())); "
        "print(*[m for m in ('click', 'textwrap', 'shutil', 'boto3', 'botocore', 'pydantic', "
        "'rich', 'yaml') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.split() == []


def test_the_console_script_entry_imports_no_click_for_help() -> None:
    """As the installed script runs it: main() with sys.argv, real stdout."""
    code = ("import sys; sys.argv = ['pipectl', '--help']; from pipectl.cli.main import main; "
            "code = main(); print('click' in sys.modules, 'typing' in sys.modules, "
            "'dataclasses' in sys.modules, file=sys.stderr); sys.exit(code)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=False)
    assert out.returncode == 0 and "Commands:" in out.stdout
    assert out.stderr.split() == ["False", "False", "False"]
