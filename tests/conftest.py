"""Shared test helpers: run the real ``main()`` against a fake environment."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipectl.cli.main import main
from pipectl.clock import Clock
from pipectl.ui.environment import Environment
from tests import artifacts, ci_gate

REPO_ROOT = Path(__file__).resolve().parent.parent
_SESSION_START = pytest.StashKey[float]()


def pytest_configure(config: pytest.Config) -> None:
    # Under CI=true a skipped test fails the session (tests/ci_gate.py).
    ci_gate.pytest_configure(config)
    config.stash[_SESSION_START] = time.time()
    # In-process moto answers the planners' parallel reads from several threads at once,
    # as the sandbox serves requests: the same correction as the sandbox's.
    from pipectl.sandbox.moto_threads import keep_choices_per_request

    keep_choices_per_request()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    """Where this session's screenshots and terminal screens are (xdist: the controller's
    summary, whichever worker wrote them)."""
    if hasattr(config, "workerinput"):
        return
    # A second of slack: a file's mtime comes from a coarser clock than time.time().
    kept = artifacts.kept_since(config.stash[_SESSION_START] - 1)
    if kept:
        terminalreporter.write_line(
            f"test artifacts ({len(kept)} kept by this session): {artifacts.artifacts_dir()}")


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def aws_calls(stderr: str) -> dict[str, int]:
    """The AWS calls ``-v`` reports on stderr (its '  service:Operation N' lines)."""
    counts: dict[str, int] = {}
    for line in stderr.splitlines():
        parts = line.split()
        if len(parts) == 2 and ":" in parts[0] and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    return counts


def run_cli(
    args: Sequence[str],
    *,
    environ: dict[str, str] | None = None,
    stdin: str = "",
    tty: bool = False,
    clock: Clock | None = None,
) -> CliResult:
    """Run pipectl in-process, as a user would from a shell, and capture what it prints.

    ``clock``: the time pipectl runs on (deadlines, pauses, "now"), instead of the system's.
    """
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=out,
        stderr=err,
        stdin=io.StringIO(stdin),
        stdout_isatty=tty,
        stdin_isatty=tty,
        environ=environ if environ is not None else dict(os.environ),
        clock=clock,
    )
    code = main(list(args), env=env)
    return CliResult(int(code), out.getvalue(), err.getvalue())


def run_cli_process(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``pipectl`` in a child process (``python -m pipectl``)."""
    return subprocess.run(
        [sys.executable, "-m", "pipectl", *args],
        cwd=cwd,
        env=env if env is not None else dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
        check=False,
    )


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run the test inside an empty temporary directory."""
    monkeypatch.chdir(tmp_path)
    yield tmp_path


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Never reach real AWS from a test, and never touch the user's sandbox state."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("PIPECTL_STATE_DIR", str(tmp_path_factory.mktemp("state")))
    monkeypatch.setenv("PIPECTL_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    # Whether the endpoint serves ECS service deployments is learnt once per process:
    # each test starts from not knowing.
    from pipectl.runs.service_deployments import forget_support

    forget_support()
