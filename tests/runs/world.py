"""A stubbed AWS for the runs tests: real boto3 clients with botocore's Stubber (which
checks every response against the service model) and a fake clock."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore import xform_name
from botocore.stub import ANY, Stubber

from pipectl.clock import Clock
from pipectl.runs.model import ServiceTarget

T0 = 1_800_000_000.0
PIPELINE = "hello-web"
CLUSTER = "hello-cluster"
SERVICE = "hello-web"
ACCOUNT = "123456789012"
REPO_URI = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/hello-web"
BUILD_ID = "hello-web-build:7f1c2b9e-0000-4000-8000-000000000001"
#: The run the tests watch, and one that ran before it.
RUN = "11111111-2222-3333-4444-555555555555"
OLD = "00000000-2222-3333-4444-555555555555"
#: The ECS service the watch checks.
TARGET = ServiceTarget(CLUSTER, SERVICE, container="web", port=8080)


def at(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(T0 + seconds, tz=dt.timezone.utc)


def task_def(revision: int) -> str:
    return f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/hello-web:{revision}"


@dataclass
class FakeClock:
    now: float = T0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def as_clock(self) -> Clock:
        """The app's Clock on this fake time: wall and monotonic alike, sleeping moves it."""
        return Clock(monotonic=self, wall=self, sleep=self.sleep)


@dataclass(frozen=True)
class ErrorReply:
    """What a script answers for a call that fails: an AWS error code and message."""

    code: str
    message: str = ""
    status: int = 400


#: (service, Operation, params) -> the response (or error) of a call made now.
Script = Callable[[str, str, dict[str, Any]], "dict[str, Any] | ErrorReply"]


class StubbedClients:
    """``.client(service)`` like AwsSession, each client wrapped in an active Stubber.

    With a ``script``, each call's response is made when the call is made (from the fake
    clock's time, say) and queued on the Stubber just before it answers: a long run
    without scripting every look in advance, every response still checked against the
    service model. ``calls`` counts the calls by ``service:Operation`` either way."""

    def __init__(self, script: Script | None = None) -> None:
        self._clients: dict[str, Any] = {}
        self.stubbers: dict[str, Stubber] = {}
        self.script = script
        self.calls: Counter[str] = Counter()

    def client(self, service: str) -> Any:
        if service not in self._clients:
            client = boto3.client(service, region_name="us-east-1")
            stubber = Stubber(client)

            def feed(model: Any, params: dict[str, Any], **_: Any) -> None:
                self.calls[f"{service}:{model.name}"] += 1
                if self.script is not None:
                    reply = self.script(service, model.name, params)
                    if isinstance(reply, ErrorReply):
                        stubber.add_client_error(xform_name(model.name),
                                                 service_error_code=reply.code,
                                                 service_message=reply.message or reply.code,
                                                 http_status_code=reply.status)
                    else:
                        stubber.add_response(xform_name(model.name), reply)

            # Registered before the Stubber's own check, which wants a queued response.
            client.meta.events.register_first("before-parameter-build.*.*", feed)
            stubber.activate()
            self._clients[service] = client
            self.stubbers[service] = stubber
        return self._clients[service]

    def stub(self, service: str) -> Stubber:
        self.client(service)
        return self.stubbers[service]

    def add(self, service: str, operation: str, response: dict[str, Any],
            params: dict[str, Any] | None = None) -> None:
        self.stub(service).add_response(operation, response, params)

    def add_error(self, service: str, operation: str, code: str, message: str = "") -> None:
        self.stub(service).add_client_error(operation, service_error_code=code,
                                            service_message=message or code,
                                            http_status_code=400)

    def assert_all_used(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


def pipeline_doc() -> dict[str, Any]:
    def action(name: str, category: str, provider: str, config: dict[str, str]) -> dict[str, Any]:
        return {"name": name, "actionTypeId": {"category": category, "owner": "AWS",
                                               "provider": provider, "version": "1"},
                "configuration": config}

    return {"pipeline": {
        "name": PIPELINE,
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/hello-web-codepipeline",
        "stages": [
            {"name": "Source", "actions": [action("Source", "Source", "CodeStarSourceConnection",
                                                   {"BranchName": "main"})]},
            {"name": "Build", "actions": [action("Build", "Build", "CodeBuild",
                                                 {"ProjectName": "hello-web-build"})]},
            {"name": "Deploy", "actions": [action("Deploy", "Deploy", "ECS",
                                                  {"ClusterName": CLUSTER,
                                                   "ServiceName": SERVICE})]},
        ],
    }}


def summary(execution_id: str, status: str = "InProgress", started: float = 0) -> dict[str, Any]:
    return {"pipelineExecutionSummaries": [{
        "pipelineExecutionId": execution_id, "status": status, "startTime": at(started),
        "lastUpdateTime": at(started),
        "sourceRevisions": [{"actionName": "Source", "revisionId": "abc1234def5678",
                             "revisionSummary": "Fix the greeting"}],
        "trigger": {"triggerType": "StartPipelineExecution"},
    }]}


def action_state(name: str, status: str | None, changed: float = 1, *,
                 external_id: str | None = None, error: str | None = None,
                 summary: str | None = None) -> dict[str, Any]:
    if status is None:
        return {"actionName": name}
    latest: dict[str, Any] = {"status": status, "lastStatusChange": at(changed)}
    if external_id:
        latest["externalExecutionId"] = external_id
    if error:
        latest["errorDetails"] = {"code": "JobFailed", "message": error}
    if summary:
        latest["summary"] = summary
    return {"actionName": name, "latestExecution": latest}


def stage_state(name: str, execution_id: str, status: str,
                action: dict[str, Any]) -> dict[str, Any]:
    return {"stageName": name, "latestExecution": {"pipelineExecutionId": execution_id,
                                                   "status": status},
            "actionStates": [action]}


def state(*stages: dict[str, Any]) -> dict[str, Any]:
    return {"pipelineName": PIPELINE, "stageStates": list(stages)}


def phase(kind: str, status: str | None, duration: int | None = None,
          message: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"phaseType": kind}
    if status:
        doc["phaseStatus"] = status
    if duration is not None:
        doc["durationInSeconds"] = duration
    if message:
        doc["contexts"] = [{"statusCode": "COMMAND_EXECUTION_ERROR", "message": message}]
    return doc


def build(status: str, current: str, phases: list[dict[str, Any]]) -> dict[str, Any]:
    return {"builds": [{
        "id": BUILD_ID, "buildStatus": status, "currentPhase": current, "phases": phases,
        "logs": {"groupName": "/aws/codebuild/hello-web-build",
                 "streamName": BUILD_ID.split(":", 1)[1]},
    }]}


def deployment(dep_id: str, status: str, revision: int, rollout: str, *, created: float,
               running: int = 0, desired: int = 1, pending: int = 0, failed: int = 0,
               reason: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": dep_id, "status": status, "taskDefinition": task_def(revision),
        "desiredCount": desired, "runningCount": running, "pendingCount": pending,
        "failedTasks": failed, "rolloutState": rollout, "createdAt": at(created),
    }
    if reason:
        doc["rolloutStateReason"] = reason
    return doc


def service(deployments: list[dict[str, Any]], events: list[str] = (),  # type: ignore[assignment]
            running: int = 1) -> dict[str, Any]:
    return {"services": [{
        "serviceName": SERVICE, "status": "ACTIVE", "desiredCount": 1, "runningCount": running,
        "pendingCount": 0, "deployments": deployments,
        "events": [{"id": f"ev{i}", "createdAt": at(100 - i), "message": m}
                   for i, m in enumerate(events)],
    }], "failures": []}


def taskdef_response(revision: int, tag: str) -> dict[str, Any]:
    return {"taskDefinition": {
        "taskDefinitionArn": task_def(revision), "family": "hello-web", "revision": revision,
        "containerDefinitions": [{"name": "web", "image": f"{REPO_URI}:{tag}"}],
    }}


__all__ = ["ANY"]
