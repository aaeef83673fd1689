"""Fixtures: a sandbox endpoint on 127.0.0.1 and boto3 clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pipectl.sandbox.server import SandboxServer, start_server

# 1 simulated second = 10 ms: a whole run takes well under a second.
TEST_TIME_SCALE = 0.01


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxServer]:
    # An empty source directory: builds run the sandbox's reference buildspec.
    server = start_server(port=0, time_scale=TEST_TIME_SCALE, source_dir=tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(sandbox: SandboxServer) -> Callable[[str], Any]:
    import boto3

    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    cache: dict[str, Any] = {}

    def make(service: str) -> Any:
        if service not in cache:
            cache[service] = session.client(service, endpoint_url=sandbox.url)
        return cache[service]

    return make
