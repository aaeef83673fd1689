"""What `status` reads: every fact it shows, from as few calls as AWS allows, in few rounds.

The image comes from a running task of the primary deployment (its DescribeTasks is read
for the URL anyway), the service deployment from ListServiceDeployments' brief; only
what those cannot say costs a call more: the task definition while no task of the new
revision runs, the full service deployment when it failed. Every response is checked
against botocore's service model (Stubber), in the shapes AWS documents.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipectl.aws.session import AwsSession
from tests.conftest import run_cli
from tests.runs.conftest import SPEC
from tests.runs.test_service_deployments import DOCUMENTED, brief, rolled_back_by_alarm
from tests.runs.world import (
    ACCOUNT,
    CLUSTER,
    REPO_URI,
    RUN,
    ErrorReply,
    StubbedClients,
    action_state,
    deployment,
    pipeline_doc,
    service,
    stage_state,
    state,
    summary,
    task_def,
    taskdef_response,
)

TASK = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task/{CLUSTER}/0123456789abcdef0123456789abcdef"
ENI = "eni-0123456789abcdef0"


def running_task(revision: int, tag: str) -> dict[str, Any]:
    """A Fargate task as DescribeTasks shows it: its network interface, no public IP."""
    return {
        "taskArn": TASK, "taskDefinitionArn": task_def(revision), "lastStatus": "RUNNING",
        "containers": [{"name": "web", "image": f"{REPO_URI}:{tag}", "lastStatus": "RUNNING"}],
        "attachments": [{"type": "ElasticNetworkInterface", "status": "ATTACHED", "details": [
            {"name": "subnetId", "value": "subnet-0123456789abcdef0"},
            {"name": "networkInterfaceId", "value": ENI},
            {"name": "privateIPv4Address", "value": "10.0.1.23"}]}],
    }


class Endpoint:
    """One service on revision 8, its latest service deployment, and its running tasks."""

    def __init__(self, latest_deployment: dict[str, Any] | ErrorReply | None,
                 tasks: list[dict[str, Any]], service_found: bool = True) -> None:
        self.latest_deployment = latest_deployment
        self.tasks = tasks
        self.service_found = service_found

    def __call__(self, service_name: str, operation: str,
                 params: dict[str, Any]) -> dict[str, Any] | ErrorReply:
        if operation == "GetPipeline":
            return pipeline_doc()
        if operation == "GetPipelineState":
            return state(*(stage_state(name, RUN, "Succeeded", action_state(name, "Succeeded"))
                           for name in ("Source", "Build", "Deploy")))
        if operation == "ListPipelineExecutions":
            return summary(RUN, status="Succeeded")
        if operation == "DescribeServices":
            if not self.service_found:
                return {"services": [], "failures": [
                    {"arn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/{CLUSTER}/hello-web",
                     "reason": "MISSING"}]}
            return service([deployment("ecs-svc/1485800978477494678", "PRIMARY", 8,
                                       "COMPLETED", created=50, running=1)])
        if operation == "ListServiceDeployments":
            found = self.latest_deployment
            if isinstance(found, ErrorReply):
                return found
            if found and "serviceDeploymentArn" not in found:  # as the model allows
                return {"serviceDeployments": [{"status": found["status"]}]}
            return {"serviceDeployments": [brief(found)] if found else []}
        if operation == "DescribeServiceDeployments":
            assert isinstance(self.latest_deployment, dict)
            return {"serviceDeployments": [self.latest_deployment], "failures": []}
        if operation == "ListTasks":
            assert params["desiredStatus"] == "RUNNING"
            return {"taskArns": [t["taskArn"] for t in self.tasks]}
        if operation == "DescribeTasks":
            return {"tasks": self.tasks, "failures": []}
        if operation == "DescribeTaskDefinition":
            assert params == {"taskDefinition": task_def(8)}
            return taskdef_response(8, "abc1234")
        if operation == "DescribeNetworkInterfaces":
            assert params == {"NetworkInterfaceIds": [ENI]}
            return {"NetworkInterfaces": [{"NetworkInterfaceId": ENI,
                                           "Association": {"PublicIp": "203.0.113.7"}}]}
        raise AssertionError(f"unexpected call {service_name}:{operation}")


class OneCallAtATime(StubbedClients):
    """The scripted clients, safe for status's reading threads: a Stubber answers from one
    queue per client, so each client takes its calls in turn (and is made once)."""

    def __init__(self, script: Endpoint) -> None:
        super().__init__(script=script)
        self._making = threading.Lock()

    def client(self, service: str) -> Any:
        with self._making:
            if service in self.stubbers:
                return super().client(service)
            client = super().client(service)
            original, turn = client._make_api_call, threading.Lock()

            def in_turn(operation: str, params: dict[str, Any]) -> Any:
                with turn:
                    return original(operation, params)

            client._make_api_call = in_turn
            return client


@pytest.fixture
def project(in_tmp: Path) -> Iterator[Path]:
    (in_tmp / "config").mkdir()
    (in_tmp / "config" / "pipeline.yml").write_text(SPEC)
    yield in_tmp


def status(monkeypatch: pytest.MonkeyPatch, endpoint: Endpoint,
           *args: str) -> tuple[str, OneCallAtATime]:
    clients = OneCallAtATime(endpoint)
    monkeypatch.setattr(AwsSession, "client", lambda self, service: clients.client(service))
    result = run_cli(["status", *args])
    assert result.exit_code == 0, result.output
    return result.stdout, clients


@pytest.mark.service_deployments
def test_a_healthy_service_costs_eight_calls_and_shows_every_fact(
    project: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown, clients = status(monkeypatch, Endpoint(DOCUMENTED, [running_task(8, "abc1234")]))
    for fact in (f"Latest run    {RUN} Succeeded", "task def    hello-web:8",
                 f"image       {REPO_URI}:abc1234 (tag abc1234)", "running 1/1",
                 "rollout     COMPLETED", "deployment  SUCCESSFUL: finished 2024-10-31T12:05:04Z",
                 "URL           http://203.0.113.7:8080"):
        assert fact in shown, shown
    assert clients.calls == {
        "codepipeline:GetPipeline": 1, "codepipeline:GetPipelineState": 1,
        "codepipeline:ListPipelineExecutions": 1, "ecs:DescribeServices": 1,
        "ecs:ListServiceDeployments": 1, "ecs:ListTasks": 1, "ecs:DescribeTasks": 1,
        "ec2:DescribeNetworkInterfaces": 1}


@pytest.mark.service_deployments
def test_while_no_task_of_the_new_revision_runs_the_image_is_the_task_definition_s(
    project: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    in_progress = {k: v for k, v in copy.deepcopy(DOCUMENTED).items() if k != "finishedAt"}
    in_progress["status"] = "IN_PROGRESS"
    shown, clients = status(monkeypatch, Endpoint(in_progress, [running_task(7, "0ld0ld0")]),
                            "-o", "json")
    report = json.loads(shown)
    assert report["service"]["image"] == f"{REPO_URI}:abc1234"  # revision 8's, not 7's
    assert report["service"]["deployment_status"] == "IN_PROGRESS"
    assert report["service"]["deployment_note"] == "started 2024-10-31T12:03:30Z"
    assert report["url"] == "http://203.0.113.7:8080"
    assert clients.calls["ecs:DescribeTaskDefinition"] == 1
    assert clients.calls["ecs:DescribeServiceDeployments"] == 0


@pytest.mark.service_deployments
def test_a_failed_deployment_is_described_to_say_why(
    project: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown, clients = status(monkeypatch, Endpoint(rolled_back_by_alarm(), []))
    assert ("deployment  ROLLBACK_SUCCESSFUL: alarm hello-web-5xx went into ALARM during the "
            "deployment to ECS service hello-web; ECS rolled it back") in shown, shown
    assert "URL           - (no running task" in shown
    assert clients.calls["ecs:DescribeServiceDeployments"] == 1
    assert clients.calls["ecs:DescribeTaskDefinition"] == 1  # no task to read the image from
    assert clients.calls["ecs:DescribeTasks"] == 0  # ListTasks found none
    assert clients.calls["ec2:DescribeNetworkInterfaces"] == 0


@pytest.mark.service_deployments
def test_reads_status_cannot_make_leave_the_rest_of_the_answer_whole(
    project: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    denied = ErrorReply("AccessDeniedException", "not allowed", 400)
    shown, _ = status(monkeypatch, Endpoint(denied, [running_task(8, "abc1234")]))
    assert f"image       {REPO_URI}:abc1234" in shown
    assert "deployment " not in shown
    assert "URL           http://203.0.113.7:8080" in shown


@pytest.mark.service_deployments
def test_a_missing_service_is_said_plainly(project: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    shown, clients = status(monkeypatch, Endpoint(None, [], service_found=False))
    assert "Service       hello-cluster/hello-web: not found" in shown
    assert "URL           - " in shown
    assert clients.calls["ecs:DescribeTaskDefinition"] == 0


@pytest.mark.service_deployments
def test_a_listed_deployment_without_its_arn_is_passed_over(
    project: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    nameless = {k: v for k, v in DOCUMENTED.items() if k != "serviceDeploymentArn"}
    endpoint = Endpoint(nameless, [running_task(8, "abc1234")])
    shown, clients = status(monkeypatch, endpoint)
    assert "deployment " not in shown and "rollout     COMPLETED" in shown
    assert clients.calls["ecs:DescribeServiceDeployments"] == 0
