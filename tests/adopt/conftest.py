"""Fixtures: a sandbox endpoint (moto's server plus the operations moto lacks, such as
CodeBuild UpdateProject) and boto3 clients on it, for pipelines made by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipectl.sandbox.server import SandboxServer, start_server
from tests.sandbox.conftest import client  # noqa: F401 - the fixture, on this sandbox


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServer]:
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    source = tmp_path / "sandbox-source"
    source.mkdir()
    with start_server(port=0, time_scale=0.01, source_dir=source) as running:
        # Every client of the test (boto3, pipectl) carries the sandbox's token.
        credentials = running.credentials()
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            monkeypatch.setenv(key, credentials[key])
        yield running


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The directory the user imports into (empty)."""
    path = tmp_path / "work"
    path.mkdir()
    monkeypatch.chdir(path)
    return path
