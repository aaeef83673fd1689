"""Under CI=true a skipped test fails the session (tests/ci_gate.py, which tests/conftest.py
registers): a small pytest session in a child process, whose conftest is this project's
hook, with a test that skips and a module that skips, run with and without CI=true, in one
process and with xdist's workers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.system_tools import FROM_DEV_EXTRA, require_tool

TESTS = """
import pytest

def test_runs():
    pass

def test_lacks_a_tool():
    pytest.skip("frobnicator is not installed")
"""
# The hooks of this project's tests/conftest.py, as they are.
CONFTEST = "from tests.conftest import pytest_configure, pytest_terminal_summary  # noqa\n"
SKIPPED_MODULE = """
import pytest

pytest.skip("no frobnicator on this machine", allow_module_level=True)
"""


def session(folder: Path, *, ci: bool, workers: int = 0) -> subprocess.CompletedProcess[str]:
    """pytest on ``folder`` with this project's conftest hooks and none of its settings."""
    env = {k: v for k, v in os.environ.items() if k != "CI" and not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    if ci:
        env["CI"] = "true"
    (folder / "pytest.ini").write_text("[pytest]\n")
    (folder / "conftest.py").write_text(CONFTEST)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
         "-n", str(workers), "-rs", str(folder)],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture
def skipping(tmp_path: Path) -> Path:
    (tmp_path / "test_some.py").write_text(TESTS)
    (tmp_path / "test_skipped_module.py").write_text(SKIPPED_MODULE)
    return tmp_path


@pytest.mark.parametrize("workers", [0, 1])
def test_under_ci_a_skip_fails_the_session_and_names_the_skipped(
    skipping: Path, workers: int
) -> None:
    done = session(skipping, ci=True, workers=workers)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 passed, 2 skipped" in done.stdout, done.stdout
    assert "CI=true: 2 skipped, and no test may skip in CI" in done.stdout
    assert ("SKIPPED IN CI test_some.py::test_lacks_a_tool: frobnicator is not installed"
            in done.stdout), done.stdout
    assert ("SKIPPED IN CI test_skipped_module.py: no frobnicator on this machine"
            in done.stdout), done.stdout


def test_outside_ci_a_skip_is_only_reported(skipping: Path) -> None:
    done = session(skipping, ci=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed, 2 skipped" in done.stdout, done.stdout
    assert "SKIPPED IN CI" not in done.stdout


def test_under_ci_a_session_without_skips_passes(tmp_path: Path) -> None:
    (tmp_path / "test_some.py").write_text(TESTS.replace(
        'pytest.skip("frobnicator is not installed")', "pass"))
    done = session(tmp_path, ci=True, workers=1)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout and "skipped" not in done.stdout, done.stdout



def test_the_ci_entry_point_sets_ci_true_before_the_readme_test_command(tmp_path: Path) -> None:
    """`.ci/run` as CI runs it, in a copy whose scripts/test.sh only reports what it got
    (and whose user is not root, so nothing is installed)."""
    (tmp_path / ".ci").mkdir()
    (tmp_path / ".ci" / "run").write_text((REPO_ROOT / ".ci" / "run").read_text())
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "test.sh").write_text('echo "CI=${CI:-unset} args=$*"\n')
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "id").write_text("#!/bin/sh\necho 1000\n")
    (bin_dir / "id").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(["bash", str(tmp_path / ".ci" / "run")], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "CI=true args=\n"


def test_a_missing_tool_skips_with_how_to_get_it_and_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"no-such-tool is not installed \(Debian"):
        require_tool("no-such-tool")
    with pytest.raises(pytest.skip.Exception, match=r"pip install -e '\.\[dev\]'"):
        require_tool("no-such-tool", install=FROM_DEV_EXTRA)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="under CI=true a missing tool fails"):
        require_tool("no-such-tool")


def test_a_dev_extra_tool_is_found_beside_the_interpreter_off_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "")
    interpreter = Path(sys.executable)
    assert Path(require_tool("no-such-tool", interpreter.name)).parent == interpreter.parent
