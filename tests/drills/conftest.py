"""Fixtures for drills: a sandbox on 127.0.0.1 (port 0) and a project pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from pipectl.sandbox.server import SandboxServer, start_server
from tests.drills.project import Project
from tests.drills.workspace import write_workspace

# 1 simulated second = 10 ms: a whole run takes about a second.
DRILL_TIME_SCALE = 0.01


def _shared_loader() -> Any:
    import botocore.session

    return cache(botocore.session.create_loader)


#: One loader of botocore's (read-only) data files for every drill in this process.
_SHARED_LOADER = _shared_loader()


@pytest.fixture(autouse=True)
def shared_service_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse botocore's service models once per test process, not once per command.

    Each in-process ``pipectl`` command makes a new boto3 session, which would read and
    parse every service model it uses again (a few hundred ms per command, more than
    the drill's own work). Only the loading of those read-only files is shared;
    credentials, configuration and clients stay per command, as in a real process.
    The patch lasts for each drill only: other tests in the process never see it.
    """
    import botocore.session

    monkeypatch.setattr(botocore.session, "create_loader", _SHARED_LOADER)
    # moto's EC2 backend (the sandbox's networks) otherwise makes thousands of
    # public AMIs every time it starts afresh, i.e. after every sandbox reset.
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServer]:
    server = start_server(port=0, time_scale=DRILL_TIME_SCALE)
    use_token(server, monkeypatch)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def project(sandbox: SandboxServer, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.chdir(tmp_path)
    return Project(sandbox, write_workspace(tmp_path))


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's own retry decisions, with its back-off scaled down like the sandbox's clock.

    Throttling backs off from 1 s (doubling) on AWS; here from 20 ms, so a drill that
    meets dozens of throttles takes seconds, not minutes. Which calls are retried, and
    how many times, is left to botocore.
    """
    from botocore.retries.standard import ExponentialBackoff

    scales = ExponentialBackoff._DEFAULT_BACKOFF_CONFIG
    monkeypatch.setitem(scales, "throttling_base_scale", 0.02)
    monkeypatch.setitem(scales, "non_throttling_base_scale", 0.005)


def use_token(server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every AWS client of the drill (pipectl among them) signs with the sandbox's token."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", server.token)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "sandbox")


#: A hook runs after every AWS call pipectl makes and has been answered.
CallHook = Callable[..., None]


@pytest.fixture
def call_hooks(monkeypatch: pytest.MonkeyPatch) -> list[CallHook]:
    """botocore ``after-call`` hooks on every client pipectl makes while the test runs.

    Append a hook (``hook(model=OperationModel, parsed=..., **_)``) to act at a chosen
    call: interrupt, or take the endpoint away. Only the current list is consulted.
    """
    from pipectl.aws.session import AwsSession

    hooks: list[CallHook] = []
    make_client = AwsSession.client

    def dispatch(**kwargs: Any) -> None:
        for hook in list(hooks):
            hook(**kwargs)

    def client(self: AwsSession, service: str) -> Any:
        made = make_client(self, service)
        made.meta.events.register("after-call", dispatch, unique_id="drill-call-hooks")
        return made

    monkeypatch.setattr(AwsSession, "client", client)
    return hooks
