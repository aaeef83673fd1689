"""Fixtures for drills: a sandbox on 127.0.0.1 (port 0) and a project pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipectl.sandbox.server import SandboxServer, start_server
from tests.drills.project import Project
from tests.drills.workspace import write_workspace

# 1 simulated second = 10 ms: a whole run takes about a second.
DRILL_TIME_SCALE = 0.01


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = start_server(port=0, time_scale=DRILL_TIME_SCALE)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def project(sandbox: SandboxServer, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.chdir(tmp_path)
    return Project(sandbox, write_workspace(tmp_path))
