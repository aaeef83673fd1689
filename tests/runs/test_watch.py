"""The watch loop against stubbed AWS responses (botocore's Stubber) and a fake clock."""

from __future__ import annotations

from typing import Any

import pytest

from pipectl.runs.model import Finished, RunResult, Update, WatchEvent
from pipectl.runs.watch import RunWatcher, WatchOptions
from tests.runs.world import (
    BUILD_ID,
    CLUSTER,
    OLD,
    PIPELINE,
    RUN,
    SERVICE,
    TARGET,
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

NEWER = "99999999-2222-3333-4444-555555555555"


def begin(aws: StubbedClients) -> None:
    aws.add("codepipeline", "get_pipeline", pipeline_doc(), {"name": PIPELINE})
    aws.add("codepipeline", "list_pipeline_executions", summary(RUN),
            {"pipelineName": PIPELINE, "maxResults": 50})


def look(aws: StubbedClients, *stages: dict[str, Any]) -> None:
    aws.add("codepipeline", "get_pipeline_state", state(*stages), {"name": PIPELINE})


def execution_is(aws: StubbedClients, status: str) -> None:
    aws.add("codepipeline", "get_pipeline_execution", {"pipelineExecution": {
        "pipelineName": PIPELINE, "pipelineExecutionId": RUN, "status": status}},
        {"pipelineName": PIPELINE, "pipelineExecutionId": RUN})


def source_done() -> dict[str, Any]:
    return stage_state("Source", RUN, "Succeeded", action_state("Source", "Succeeded", 2))


def build_stage(status: str, action: str | None = None, **kw: Any) -> dict[str, Any]:
    return stage_state("Build", RUN, status, action_state("Build", action or status, 5,
                                                          external_id=BUILD_ID, **kw))


def deploy_stage(status: str, execution_id: str = RUN) -> dict[str, Any]:
    return stage_state("Deploy", execution_id, status, action_state("Deploy", status, 60))


def old_deploy() -> dict[str, Any]:
    return stage_state("Deploy", OLD, "Succeeded", action_state("Deploy", "Succeeded", -500))


def run(aws: StubbedClients, clock: FakeClock, **options: Any) -> tuple[list[WatchEvent],
                                                                        RunResult]:
    opts = WatchOptions(target=TARGET, **options)
    events = list(RunWatcher(aws, PIPELINE, RUN, options=opts, clock=clock.as_clock(),
                             jitter=lambda: 0.5))
    aws.assert_all_used()
    last = events[-1]
    assert isinstance(last, Finished)
    return events, last.result


def messages(events: list[WatchEvent]) -> list[str]:
    return [c.message for e in events if isinstance(e, Update) for c in e.changes]


def test_success_needs_the_pipeline_and_the_new_deployment(monkeypatch: pytest.MonkeyPatch) -> None:
    aws, clock = StubbedClients(), FakeClock()
    begin(aws)
    # Look 1: the source stage runs (ours): no GetPipelineExecution needed.
    look(aws, stage_state("Source", RUN, "InProgress", action_state("Source", "InProgress", 1)),
         stage_state("Build", OLD, "Succeeded", action_state("Build", "Succeeded", -600)),
         old_deploy())
    # Look 2: the build runs: one BatchGetBuilds.
    look(aws, source_done(), build_stage("InProgress"), old_deploy())
    aws.add("codebuild", "batch_get_builds", build("IN_PROGRESS", "BUILD", [
        phase("SUBMITTED", "SUCCEEDED", 0), phase("PROVISIONING", "SUCCEEDED", 12),
        phase("PRE_BUILD", "SUCCEEDED", 4), phase("BUILD", None)]), {"ids": [BUILD_ID]})
    # Look 3: build over (read once more for its final phases), deploy runs.
    look(aws, source_done(), build_stage("Succeeded"), deploy_stage("InProgress"))
    aws.add("codebuild", "batch_get_builds", build("SUCCEEDED", "COMPLETED", [
        phase("PRE_BUILD", "SUCCEEDED", 4), phase("BUILD", "SUCCEEDED", 48),
        phase("POST_BUILD", "SUCCEEDED", 9), phase("COMPLETED", None)]))
    aws.add("ecs", "describe_services", service([
        deployment("ecs-svc/2", "PRIMARY", 8, "IN_PROGRESS", created=70, running=0, pending=1),
        deployment("ecs-svc/1", "ACTIVE", 7, "COMPLETED", created=-900, running=1),
    ], events=["(service hello-web) has started 1 tasks: (task abc)."]),
        {"cluster": CLUSTER, "services": [SERVICE]})
    aws.add("ecs", "describe_task_definition", taskdef_response(8, "abc1234"))
    # Look 4: all stages done; the execution says Succeeded; ECS confirms COMPLETED.
    look(aws, source_done(), build_stage("Succeeded"), deploy_stage("Succeeded"))
    execution_is(aws, "Succeeded")
    aws.add("ecs", "describe_services", service([
        deployment("ecs-svc/2", "PRIMARY", 8, "COMPLETED", created=70, running=1)]))
    # Where it answers: the running task's ENI's public IP, with the spec's port.
    aws.add("ecs", "list_tasks", {"taskArns": ["arn:aws:ecs:us-east-1:1:task/c/abc"]},
            {"cluster": CLUSTER, "serviceName": SERVICE, "desiredStatus": "RUNNING",
             "maxResults": 10})
    aws.add("ecs", "describe_tasks", {"tasks": [{"lastStatus": "RUNNING", "attachments": [
        {"type": "ElasticNetworkInterface",
         "details": [{"name": "networkInterfaceId", "value": "eni-0abc"}]}]}], "failures": []})
    aws.add("ec2", "describe_network_interfaces", {"NetworkInterfaces": [
        {"NetworkInterfaceId": "eni-0abc", "Association": {"PublicIp": "203.0.113.7"}}]},
        {"NetworkInterfaceIds": ["eni-0abc"]})

    events, result = run(aws, clock)

    assert result.ok and result.outcome == "succeeded"
    assert result.url == "http://203.0.113.7:8080"
    assert result.image and result.image.endswith(":abc1234")
    assert result.revision == "abc1234def5678"
    lines = messages(events)
    assert "Build/Build: BUILD started" in lines
    assert "Build/Build: BUILD SUCCEEDED in 48s" in lines
    assert any("rollout IN_PROGRESS, running 0/1, pending 1" in m and "hello-web:8" in m
               for m in lines)
    assert "stage Deploy: Succeeded" in lines
    # A quick look at first (2 s), then the moving pace (5 s); never a real sleep.
    assert clock.sleeps == [2.0, 5.0, 5.0]


def test_build_failure_names_the_phase_shows_the_log_tail_and_a_hint() -> None:
    aws, clock = StubbedClients(), FakeClock()
    begin(aws)
    look(aws, source_done(), build_stage("Failed", error="Build terminated with state: FAILED"),
         old_deploy())
    execution_is(aws, "Failed")
    aws.add("codebuild", "batch_get_builds", build("FAILED", "COMPLETED", [
        phase("PRE_BUILD", "SUCCEEDED", 3),
        phase("BUILD", "FAILED", 2, "Error while executing command: docker build -t x .. "
                                    "Reason: exit status 1"),
        phase("COMPLETED", None)]))
    aws.add("logs", "get_log_events", {"events": [
        {"timestamp": 1, "message": "[Container] Running command docker build -t x .\n"},
        {"timestamp": 2, "message": "Cannot connect to the Docker daemon at "
                                    "unix:///var/run/docker.sock. Is the docker daemon running?\n"},
    ]}, {"logGroupName": "/aws/codebuild/hello-web-build",
         "logStreamName": BUILD_ID.split(":", 1)[1], "startFromHead": False, "limit": 20})

    _, result = run(aws, clock)

    assert result.outcome == "failed" and not result.ok
    diagnosis = result.diagnosis
    assert diagnosis is not None
    assert (diagnosis.stage, diagnosis.action, diagnosis.phase) == ("Build", "Build", "BUILD")
    assert "docker build" in (diagnosis.phase_message or "")
    assert any("Cannot connect to the Docker daemon" in line for line in diagnosis.log_tail)
    assert diagnosis.hint and "privileged" in diagnosis.hint
    assert "Build terminated with state: FAILED" in result.reason


def test_circuit_breaker_rollback_fails_while_codepipeline_still_says_in_progress() -> None:
    aws, clock = StubbedClients(), FakeClock()
    begin(aws)
    look(aws, source_done(), build_stage("Succeeded"), deploy_stage("InProgress"))
    aws.add("codebuild", "batch_get_builds", build("SUCCEEDED", "COMPLETED",
                                                   [phase("BUILD", "SUCCEEDED", 40)]))
    aws.add("ecs", "describe_services", service([
        deployment("ecs-svc/3", "PRIMARY", 7, "IN_PROGRESS", created=95, running=0,
                   reason="ECS deployment circuit breaker: rolling back to deploymentId "
                          "ecs-svc/1."),
        deployment("ecs-svc/2", "ACTIVE", 8, "FAILED", created=70, failed=3,
                   reason="ECS deployment circuit breaker: tasks failed to start."),
    ], events=["(service hello-web) deployment ecs-svc/2 deployment failed: tasks failed "
               "to start."]))
    aws.add("ecs", "describe_task_definition", taskdef_response(8, "bad0001"))
    aws.add("ecs", "list_tasks", {"taskArns": ["arn:aws:ecs:us-east-1:1:task/c/t1"]},
            {"cluster": CLUSTER, "serviceName": SERVICE, "desiredStatus": "STOPPED",
             "maxResults": 5})
    aws.add("ecs", "describe_tasks", {"tasks": [{
        "taskArn": "arn:aws:ecs:us-east-1:1:task/c/t1", "lastStatus": "STOPPED",
        "taskDefinitionArn": task_def(8),
        "stoppedReason": "CannotPullContainerError: pull image manifest has been retried 5 "
                         "time(s): not found", "stopCode": "TaskFailedToStart"}, {
        # An old task the deployment drained: not a reason for the failure.
        "taskArn": "arn:aws:ecs:us-east-1:1:task/c/t0", "lastStatus": "STOPPED",
        "taskDefinitionArn": task_def(7), "stopCode": "ServiceSchedulerInitiated",
        "stoppedReason": "Scaling activity initiated by (deployment ecs-svc/3)"}],
        "failures": []})

    events, result = run(aws, clock)

    assert result.outcome == "rolled_back"
    assert result.status == "InProgress"
    assert "rolled back" in result.reason and "InProgress" in result.reason
    assert result.diagnosis is not None
    assert len(result.diagnosis.stopped_reasons) == 1
    assert "CannotPullContainerError" in result.diagnosis.stopped_reasons[0]
    assert result.diagnosis.hint and "could not pull the image" in result.diagnosis.hint
    assert any("task stopped: CannotPullContainerError" in m for m in messages(events))
    assert clock.sleeps == []  # it failed on the first look that showed the rollback


def test_superseded_run_ends_with_the_newer_run_named() -> None:
    aws, clock = StubbedClients(), FakeClock()
    begin(aws)
    look(aws, source_done(), stage_state("Build", NEWER, "InProgress",
                                         action_state("Build", "InProgress", 30)), old_deploy())
    execution_is(aws, "Superseded")

    _, result = run(aws, clock)

    assert result.outcome == "superseded" and not result.ok
    assert NEWER in result.reason


def test_stopped_run() -> None:
    aws, clock = StubbedClients(), FakeClock()
    begin(aws)
    look(aws, source_done(), stage_state("Build", RUN, "Stopping",
                                         action_state("Build", "InProgress", 5)), old_deploy())
    look(aws, source_done(), stage_state("Build", RUN, "Stopped",
                                         action_state("Build", "Abandoned", 9)), old_deploy())
    execution_is(aws, "Stopped")

    events, result = run(aws, clock)

    assert result.outcome == "stopped"
    assert "stopped" in result.reason
    assert "stage Build: Stopping" in messages(events)


def test_timeout_ends_the_watch_but_not_the_run() -> None:
    aws, clock = StubbedClients(), FakeClock()
    begin(aws)
    for _ in range(4):
        look(aws, source_done(), stage_state("Build", RUN, "InProgress",
                                             action_state("Build", "InProgress", 5)),
             old_deploy())

    _, result = run(aws, clock, timeout=5.0, interval=2.0)

    assert result.outcome == "timed_out"
    assert "InProgress" in result.reason
    assert clock.now - 1_800_000_000.0 == pytest.approx(5.0)
    assert clock.sleeps == [2.0, 2.0, 1.0]  # the last wait is cut to the deadline


def test_throttling_backs_off_with_jitter_then_carries_on() -> None:
    aws, clock = StubbedClients(), FakeClock()
    begin(aws)
    aws.add_error("codepipeline", "get_pipeline_state", "ThrottlingException", "Rate exceeded")
    aws.add_error("codepipeline", "get_pipeline_state", "ThrottlingException", "Rate exceeded")
    look(aws, source_done(), build_stage("Succeeded"), deploy_stage("Succeeded"))
    execution_is(aws, "Succeeded")
    aws.add("codebuild", "batch_get_builds", build("SUCCEEDED", "COMPLETED",
                                                   [phase("BUILD", "SUCCEEDED", 40)]))
    aws.add("ecs", "describe_services", service([
        deployment("ecs-svc/2", "PRIMARY", 8, "COMPLETED", created=70, running=1)]))
    aws.add("ecs", "describe_task_definition", taskdef_response(8, "abc1234"))

    events, result = run(aws, clock, find_url=False)

    assert result.ok
    # 2 s doubled per throttle, "equal jitter" at 0.5: 4 -> 3.0, 8 -> 6.0.
    assert clock.sleeps == [3.0, 6.0]
    assert sum("throttling" in m for m in messages(events)) == 2


def test_a_pipeline_that_succeeds_while_ecs_still_rolls_out_is_not_yet_a_success() -> None:
    aws, clock = StubbedClients(), FakeClock()
    begin(aws)
    for rollout, running in (("IN_PROGRESS", 0), ("COMPLETED", 1)):
        look(aws, source_done(), build_stage("Succeeded"), deploy_stage("Succeeded"))
        execution_is(aws, "Succeeded")
        if rollout == "IN_PROGRESS":
            aws.add("codebuild", "batch_get_builds", build("SUCCEEDED", "COMPLETED",
                                                           [phase("BUILD", "SUCCEEDED", 40)]))
        aws.add("ecs", "describe_services", service([
            deployment("ecs-svc/2", "PRIMARY", 8, rollout, created=70, running=running)]))
        if rollout == "IN_PROGRESS":
            aws.add("ecs", "describe_task_definition", taskdef_response(8, "abc1234"))

    _, result = run(aws, clock, find_url=False)

    assert result.ok
    assert len(clock.sleeps) == 1
