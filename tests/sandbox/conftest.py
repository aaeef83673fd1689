"""Fixtures: a sandbox endpoint on 127.0.0.1 and boto3 clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pipectl.sandbox.server import SandboxServer, start_server

# 1 simulated second = 10 ms: a whole run takes about half a second.
TEST_TIME_SCALE = 0.01
WATCHING_TIME_SCALE = 0.05


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "time_scale(scale): run this test's sandbox at another pace"
    )


@pytest.fixture
def sandbox(
    tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SandboxServer]:
    # A test that watches transitions by polling runs slower, so that a busy machine
    # still sees each state (a whole run then takes about two seconds).
    marker = request.node.get_closest_marker("time_scale")
    scale = float(marker.args[0]) if marker else TEST_TIME_SCALE
    # An empty source directory: builds run the sandbox's reference buildspec.
    server = start_server(port=0, time_scale=scale, source_dir=tmp_path)
    # Every client of the test (boto3, pipectl, the aws CLI) carries the sandbox's token.
    credentials = server.credentials()
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, credentials[key])
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(sandbox: SandboxServer) -> Callable[[str], Any]:
    import boto3

    session = boto3.session.Session(
        aws_access_key_id=sandbox.token, aws_secret_access_key="sandbox", region_name="us-east-1"
    )
    cache: dict[str, Any] = {}

    def make(service: str) -> Any:
        if service not in cache:
            cache[service] = session.client(service, endpoint_url=sandbox.url)
        return cache[service]

    return make
