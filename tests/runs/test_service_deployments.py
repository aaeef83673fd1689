"""The verdict of a run's deployment from ECS service deployments, against responses in the
form AWS documents them (the aws CLI's examples for ``describe-service-deployments`` and
``list-service-deployments``), checked by botocore's Stubber; and the fallback to
DescribeServices on an endpoint without these operations. Every status of the model, one
by one: test_service_deployment_statuses."""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from pipectl.runs import service_deployments
from pipectl.runs.model import Finished, RunResult, WatchEvent
from pipectl.runs.watch import RunWatcher, WatchOptions
from tests.runs.world import (
    ACCOUNT,
    BUILD_ID,
    CLUSTER,
    PIPELINE,
    RUN,
    SERVICE,
    T0,
    TARGET,
    ErrorReply,
    FakeClock,
    StubbedClients,
    action_state,
    build,
    deployment,
    phase,
    pipeline_doc,
    service,
    stage_state,
    state,
    summary,
    task_def,
    taskdef_response,
)

DOCUMENTED_AT = dt.datetime(2024, 10, 31, 8, 3, 30, 917000,
                            tzinfo=dt.timezone(dt.timedelta(hours=-4)))
#: Seconds from the world's T0 to the documented deployment's createdAt.
CREATED = DOCUMENTED_AT.timestamp() - T0
DEPLOYMENT_ARN = ("arn:aws:ecs:us-east-1:123456789012:service-deployment/example-cluster/"
                  "example-service/ejGvqq2ilnbKT9qj0vLJe")
TARGET_REVISION = ("arn:aws:ecs:us-east-1:123456789012:service-revision/example-cluster/"
                   "example-service/1485800978477494678")
SOURCE_REVISION = ("arn:aws:ecs:us-east-1:123456789012:service-revision/example-cluster/"
                   "example-service/1485800978477494600")


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


#: ``aws ecs describe-service-deployments`` as the aws CLI documents it (its example).
DOCUMENTED: dict[str, Any] = {
    "serviceDeploymentArn": DEPLOYMENT_ARN,
    "serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/example-cluster/example-service",
    "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/example-cluster",
    "createdAt": ts("2024-10-31T08:03:30.917000-04:00"),
    "startedAt": ts("2024-10-31T08:03:32.510000-04:00"),
    "finishedAt": ts("2024-10-31T08:05:04.527000-04:00"),
    "updatedAt": ts("2024-10-31T08:05:04.527000-04:00"),
    "sourceServiceRevisions": [],
    "targetServiceRevision": {
        "arn": TARGET_REVISION,
        "requestedTaskCount": 1,
        "runningTaskCount": 1,
        "pendingTaskCount": 0,
    },
    "status": "SUCCESSFUL",
    "deploymentConfiguration": {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
        "alarms": {"alarmNames": [], "rollback": False, "enable": False},
    },
    "deploymentCircuitBreaker": {"status": "MONITORING_COMPLETE", "failureCount": 0,
                                 "threshold": 3},
    "alarms": {"status": "DISABLED"},
}


def brief(doc: dict[str, Any]) -> dict[str, Any]:
    """The same deployment as ``aws ecs list-service-deployments`` documents it."""
    keys = ("serviceDeploymentArn", "serviceArn", "clusterArn", "startedAt", "createdAt",
            "finishedAt", "status")
    return {**{k: doc[k] for k in keys if k in doc},
            "targetServiceRevisionArn": doc["targetServiceRevision"]["arn"]}


def in_progress() -> dict[str, Any]:
    doc = copy.deepcopy(DOCUMENTED)
    for key in ("finishedAt",):
        doc.pop(key)
    doc.update(status="IN_PROGRESS", lifecycleStage="SCALE_UP",
               sourceServiceRevisions=[{"arn": SOURCE_REVISION, "requestedTaskCount": 1,
                                        "runningTaskCount": 1, "pendingTaskCount": 0}])
    doc["targetServiceRevision"].update(runningTaskCount=0, pendingTaskCount=1)
    doc["deploymentCircuitBreaker"] = {"status": "MONITORING", "failureCount": 2,
                                       "threshold": 3}
    return doc


def rolled_back_by_breaker(status: str = "ROLLBACK_SUCCESSFUL") -> dict[str, Any]:
    doc = in_progress()
    doc.update(status=status, statusReason="ECS deployment circuit breaker: tasks failed to "
               "start.", finishedAt=ts("2024-10-31T08:06:04.527000-04:00"),
               rollback={"reason": "ECS deployment circuit breaker: tasks failed to start.",
                         "startedAt": ts("2024-10-31T08:05:04.527000-04:00"),
                         "serviceRevisionArn": SOURCE_REVISION})
    doc["deploymentCircuitBreaker"] = {"status": "TRIGGERED", "failureCount": 3,
                                       "threshold": 3}
    return doc


def rolled_back_by_alarm() -> dict[str, Any]:
    doc = in_progress()
    doc["deploymentConfiguration"]["alarms"] = {"alarmNames": ["hello-web-5xx", "hello-web-p99"],
                                                "rollback": True, "enable": True}
    doc.update(status="ROLLBACK_SUCCESSFUL", statusReason="Alarm hello-web-5xx triggered.",
               finishedAt=ts("2024-10-31T08:06:04.527000-04:00"),
               rollback={"reason": "Alarm hello-web-5xx triggered.",
                         "startedAt": ts("2024-10-31T08:05:04.527000-04:00"),
                         "serviceRevisionArn": SOURCE_REVISION})
    doc["deploymentCircuitBreaker"] = {"status": "MONITORING_COMPLETE", "failureCount": 0,
                                       "threshold": 3}
    doc["alarms"] = {"status": "TRIGGERED", "alarmNames": ["hello-web-5xx", "hello-web-p99"],
                     "triggeredAlarmNames": ["hello-web-5xx"]}
    return doc


def with_status(status: str, reason: str) -> dict[str, Any]:
    doc = in_progress()
    doc.update(status=status, statusReason=reason)
    return doc


class World:
    """A run whose Deploy action started just before the documented deployment; each look
    answers from ``deployments`` (one per look, the last one repeated)."""

    def __init__(self, deployments: list[dict[str, Any] | ErrorReply],
                 pipeline_status: Callable[[int], str] = lambda look: "InProgress") -> None:
        self.deployments = deployments
        self.pipeline_status = pipeline_status
        self.looks = 0
        self.calls: Counter[str] = Counter()

    def current(self) -> dict[str, Any] | ErrorReply:
        return self.deployments[min(self.looks - 1, len(self.deployments) - 1)]

    def __call__(self, service_name: str, operation: str,
                 params: dict[str, Any]) -> dict[str, Any] | ErrorReply:
        self.calls[operation] += 1
        status = self.pipeline_status(self.looks)
        if operation == "GetPipeline":
            return pipeline_doc()
        if operation == "ListPipelineExecutions":
            return summary(RUN, started=CREATED - 120)
        if operation == "GetPipelineState":
            self.looks += 1
            assert self.looks < 20, "the watch never reached a verdict"
            status = self.pipeline_status(self.looks)
            deploy = "InProgress" if status == "InProgress" else status
            return state(
                stage_state("Source", RUN, "Succeeded", action_state("Source", "Succeeded",
                                                                     CREATED - 110)),
                stage_state("Build", RUN, "Succeeded", action_state(
                    "Build", "Succeeded", CREATED - 20, external_id=BUILD_ID)),
                stage_state("Deploy", RUN, deploy, action_state(
                    "Deploy", deploy, CREATED - 1 if deploy == "InProgress" else CREATED + 100,
                    external_id="ecs-svc/1485800978477494678")))
        if operation == "GetPipelineExecution":
            return {"pipelineExecution": {"pipelineName": PIPELINE, "pipelineExecutionId": RUN,
                                          "status": status}}
        if operation == "BatchGetBuilds":
            return build("SUCCEEDED", "COMPLETED", [phase("BUILD", "SUCCEEDED", 40)])
        if operation == "DescribeServices":
            return service([deployment("ecs-svc/1485800978477494678", "PRIMARY", 8,
                                       "IN_PROGRESS", created=CREATED)])
        if operation == "ListServiceDeployments":
            current = self.current()
            return current if isinstance(current, ErrorReply) else {
                "serviceDeployments": [brief(current)]}
        if operation == "DescribeServiceDeployments":
            current = self.current()
            assert not isinstance(current, ErrorReply)
            assert params == {"serviceDeploymentArns": [DEPLOYMENT_ARN]}
            return {"serviceDeployments": [current], "failures": []}
        if operation == "DescribeServiceRevisions":
            return {"serviceRevisions": [
                {"serviceRevisionArn": arn, "taskDefinition": task_def(rev)}
                for arn, rev in ((TARGET_REVISION, 8), (SOURCE_REVISION, 7))
                if arn in params["serviceRevisionArns"]]}
        if operation == "DescribeTaskDefinition":
            return taskdef_response(8, "abc1234")
        if operation == "DescribeAlarms":
            return {"MetricAlarms": [
                {"AlarmName": name, "StateValue": "OK"} for name in params["AlarmNames"]]}
        if operation == "ListTasks":
            return {"taskArns": []}
        raise AssertionError(f"unexpected call {service_name}:{operation}")


def watch(world: World) -> tuple[list[WatchEvent], RunResult]:
    aws = StubbedClients(script=world)
    clock = FakeClock(now=DOCUMENTED_AT.timestamp())
    events = list(RunWatcher(aws, PIPELINE, RUN, options=WatchOptions(target=TARGET),
                             clock=clock.as_clock(), jitter=lambda: 0.5))
    last = events[-1]
    assert isinstance(last, Finished)
    return events, last.result


def lines(events: list[WatchEvent]) -> list[str]:
    return [c.message for e in events for c in getattr(e, "changes", ())]


@pytest.mark.service_deployments
def test_the_documented_successful_deployment_is_a_success() -> None:
    world = World([in_progress(), DOCUMENTED],
                  pipeline_status=lambda look: "InProgress" if look < 2 else "Succeeded")
    events, result = watch(world)
    assert result.outcome == "succeeded", result.reason
    shown = lines(events)
    assert any("service deployment IN_PROGRESS (SCALE_UP) · hello-web:8 0/1 running · "
               "hello-web:7 1/1 running · 2 of 3 failures before the circuit breaker trips"
               in m for m in shown), shown
    # Ended: the outcome, without its last stage or a countdown to a breaker that can no
    # longer trip.
    assert [m.split(": ", 1)[1] for m in shown if "service deployment SUCCESSFUL" in m] == [
        "service deployment SUCCESSFUL · hello-web:8 1/1 running"], shown
    # Found once; then only described.
    assert world.calls["ListServiceDeployments"] == 1
    assert world.calls["DescribeServiceRevisions"] == 1


@pytest.mark.service_deployments
def test_a_breaker_rollback_says_how_many_tasks_failed() -> None:
    events, result = watch(World([rolled_back_by_breaker()]))
    assert result.outcome == "rolled_back"
    assert result.reason.startswith(
        "3 of 3 tasks failed in the deployment to ECS service hello-web and the deployment "
        "circuit breaker tripped; ECS rolled it back")
    assert "CodePipeline still says InProgress" in result.reason
    assert result.diagnosis is not None
    assert result.diagnosis.message == ("ECS service deployment ROLLBACK_SUCCESSFUL: ECS "
                                        "deployment circuit breaker: tasks failed to start.")
    # Ended: the outcome and the breaker that caused it (not the last lifecycle stage).
    assert any(m.endswith("service deployment ROLLBACK_SUCCESSFUL · hello-web:8 0/1 running"
                          " · hello-web:7 1/1 running · 3 of 3 failures: the circuit breaker "
                          "tripped") for m in lines(events)), lines(events)


@pytest.mark.service_deployments
def test_an_alarm_rollback_names_the_alarm_that_fired() -> None:
    events, result = watch(World([rolled_back_by_alarm()]))
    assert result.outcome == "rolled_back"
    assert result.reason.startswith("alarm hello-web-5xx went into ALARM during the deployment "
                                    "to ECS service hello-web; ECS rolled it back")
    rollback = [c for e in events for c in getattr(e, "changes", ()) if c.kind == "rollback"]
    assert rollback[0].data["triggered_alarms"] == ["hello-web-5xx"]
    assert rollback[0].data["deployment_status"] == "ROLLBACK_SUCCESSFUL"


@pytest.mark.service_deployments
def test_alarms_watched_show_their_state_while_the_deployment_runs() -> None:
    running = rolled_back_by_alarm()
    running.update(status="IN_PROGRESS")
    running.pop("statusReason")
    running.pop("rollback")
    running["alarms"] = {"status": "MONITORING", "alarmNames": ["hello-web-5xx"],
                         "triggeredAlarmNames": []}
    world = World([running, DOCUMENTED],
                  pipeline_status=lambda look: "InProgress" if look < 2 else "Succeeded")
    events, result = watch(world)
    assert result.ok
    assert any("alarms hello-web-5xx OK" in m for m in lines(events))


@pytest.mark.service_deployments
def test_an_endpoint_without_service_deployments_falls_back_once_and_silently() -> None:
    unknown = ErrorReply("UnknownOperationException", "Unknown operation")
    world = World([unknown], pipeline_status=lambda look: "InProgress" if look < 3
                  else "Succeeded")
    completed = service([deployment("ecs-svc/1485800978477494678", "PRIMARY", 8, "COMPLETED",
                                    created=CREATED, running=1)])
    original = world.__call__

    def script(service_name: str, operation: str,
               params: dict[str, Any]) -> dict[str, Any] | ErrorReply:
        if operation == "DescribeServices" and world.looks >= 3:
            world.calls[operation] += 1
            return completed
        return original(service_name, operation, params)

    aws = StubbedClients(script=script)
    clock = FakeClock(now=DOCUMENTED_AT.timestamp())
    events = list(RunWatcher(aws, PIPELINE, RUN, options=WatchOptions(target=TARGET),
                             clock=clock.as_clock(), jitter=lambda: 0.5))
    result = events[-1]
    assert isinstance(result, Finished) and result.result.ok, result
    assert world.calls["ListServiceDeployments"] == 1  # asked once, for the whole process
    assert world.calls["DescribeServiceDeployments"] == 0
    assert not service_deployments.supported()
    assert not any("service deployment" in m or "Unknown" in m for m in lines(events))


def test_a_retry_after_a_rollback_is_not_taken_for_that_rollback() -> None:
    """An endpoint without service deployments: the first attempt's FAILED deployment and
    its "rolling back" events are older than the retried Deploy action, so they are not
    this attempt's verdict (the old code read them and said "rolled back" at once)."""
    retried_at = CREATED + 600
    first_attempt = deployment("ecs-svc/1", "ACTIVE", 8, "FAILED", created=CREATED, failed=3,
                               reason="ECS deployment circuit breaker: tasks failed to start.")
    looks = {"n": 0}

    def script(service_name: str, operation: str,
               params: dict[str, Any]) -> dict[str, Any] | ErrorReply:
        if operation == "GetPipeline":
            return pipeline_doc()
        if operation == "ListPipelineExecutions":
            return summary(RUN, started=CREATED - 120)
        if operation == "GetPipelineState":
            looks["n"] += 1
            assert looks["n"] < 20, "the watch never reached a verdict"
            done = looks["n"] >= 3
            return state(
                stage_state("Source", RUN, "Succeeded",
                            action_state("Source", "Succeeded", CREATED - 110)),
                stage_state("Build", RUN, "Succeeded", action_state(
                    "Build", "Succeeded", CREATED - 20, external_id=BUILD_ID)),
                stage_state("Deploy", RUN, "Succeeded" if done else "InProgress", action_state(
                    "Deploy", "Succeeded" if done else "InProgress",
                    retried_at + 60 if done else retried_at)))
        if operation == "GetPipelineExecution":
            return {"pipelineExecution": {"pipelineName": PIPELINE, "pipelineExecutionId": RUN,
                                          "status": "Succeeded"}}
        if operation == "BatchGetBuilds":
            return build("SUCCEEDED", "COMPLETED", [phase("BUILD", "SUCCEEDED", 40)])
        if operation == "DescribeServices":
            rollout = "COMPLETED" if looks["n"] >= 2 else "IN_PROGRESS"
            doc = service([deployment("ecs-svc/2", "PRIMARY", 9, rollout,
                                      created=retried_at + 1, running=1), first_attempt],
                          events=["(service hello-web) rolling back to deployment ecs-svc/0.",
                                  "(service hello-web) deployment ecs-svc/1 deployment "
                                  "failed: tasks failed to start."])
            for event in doc["services"][0]["events"]:
                event["createdAt"] = dt.datetime.fromtimestamp(T0 + CREATED + 30,
                                                               tz=dt.timezone.utc)
            return doc
        if operation == "DescribeTaskDefinition":
            return taskdef_response(9, "fixed01")
        if operation == "ListTasks":  # where the service answers: no task with an address
            return {"taskArns": []}
        raise AssertionError(f"unexpected call {service_name}:{operation}")

    aws = StubbedClients(script=script)
    clock = FakeClock(now=T0 + retried_at)
    events = list(RunWatcher(aws, PIPELINE, RUN, options=WatchOptions(target=TARGET),
                             clock=clock.as_clock(), jitter=lambda: 0.5))
    last = events[-1]
    assert isinstance(last, Finished)
    assert last.result.outcome == "succeeded", last.result.reason
    assert not any("rolling back" in m for m in lines(events))


def test_a_service_revision_without_its_arn_or_task_definition_names_nothing() -> None:
    # Neither serviceRevisionArn nor taskDefinition is required by ECS's model: the watch
    # maps the revisions that have both and passes over the others, without a KeyError.
    aws = StubbedClients()
    revision = f"arn:aws:ecs:us-east-1:{ACCOUNT}:service-revision/{CLUSTER}/web/1"
    aws.add("ecs", "describe_service_revisions", {"serviceRevisions": [
        {"taskDefinition": task_def(7)},
        {"serviceRevisionArn": revision + "2"},
        {"serviceRevisionArn": revision, "taskDefinition": task_def(8)},
    ]})
    service_deployments.forget_support()
    got = service_deployments.revision_task_definitions(aws, [revision, revision + "2"])
    assert got == {revision: task_def(8)}


def test_a_listed_deployment_without_its_arn_is_never_taken_for_the_action_s() -> None:
    # ListServiceDeployments' briefs need not carry their ARN (ECS's model requires no
    # member): one without it, though the first made since the action started, names
    # nothing to describe, and is passed over instead of ending the watch with a KeyError.
    aws = StubbedClients()
    nameless = {k: v for k, v in brief(in_progress()).items() if k != "serviceDeploymentArn"}
    nameless["createdAt"] = DOCUMENTED_AT - dt.timedelta(seconds=10)
    aws.add("ecs", "list_service_deployments",
            {"serviceDeployments": [nameless, brief(DOCUMENTED)]})
    aws.add("ecs", "describe_service_deployments",
            {"serviceDeployments": [DOCUMENTED], "failures": []},
            {"serviceDeploymentArns": [DEPLOYMENT_ARN]})
    service_deployments.forget_support()
    found = service_deployments.ours(aws, CLUSTER, SERVICE, since=CREATED - 20)
    assert found is not None and found.arn == DEPLOYMENT_ARN
    aws.assert_all_used()
