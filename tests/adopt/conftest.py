"""Fixtures: a sandbox endpoint (moto's server plus the operations moto lacks, such as
CodeBuild UpdateProject) and boto3 clients on it, for pipelines made by hand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pipectl.sandbox.server import SandboxServer, start_server


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
def client(sandbox: SandboxServer) -> Callable[[str], Any]:
    import boto3

    session = boto3.session.Session(
        aws_access_key_id=sandbox.token, aws_secret_access_key="sandbox",
        region_name="us-east-1")
    cache: dict[str, Any] = {}

    def make(service: str) -> Any:
        if service not in cache:
            cache[service] = session.client(service, endpoint_url=sandbox.url)
        return cache[service]

    return make


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The directory the user imports into (empty)."""
    path = tmp_path / "work"
    path.mkdir()
    monkeypatch.chdir(path)
    return path
