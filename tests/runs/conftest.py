from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipectl.aws.session import AwsSession
from tests.runs.world import StubbedClients

SPEC = """\
version: 1
name: hello-web
region: us-east-1
source:
  provider: github
  connection_arn: arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d-4e5f
  repository: acme/hello-web
  branch: main
deploy:
  cluster: hello-cluster
  service: hello-web
  container: web
  port: 8080
pipeline:
  type: V2
  variables:
    DEPLOY_ENV: dev
"""


@pytest.fixture(autouse=True)
def _without_service_deployments(request: pytest.FixtureRequest) -> None:
    """The scripted worlds here are endpoints without ECS service deployments (pipectl
    falls back to DescribeServices), unless a test asks for them with this marker."""
    from pipectl.runs import service_deployments

    if request.node.get_closest_marker("service_deployments") is None:
        service_deployments._Support.available = False


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "service_deployments: the stubbed endpoint serves ECS service deployments")


@pytest.fixture
def stubbed(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StubbedClients]:
    """A spec in ./config and every AWS client of the CLI replaced by a stubbed one."""
    (in_tmp / "config").mkdir()
    (in_tmp / "config" / "pipeline.yml").write_text(SPEC)
    clients = StubbedClients()
    monkeypatch.setattr(AwsSession, "client", lambda self, service: clients.client(service))
    yield clients
