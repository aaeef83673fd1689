"""Watching the first run of a service pipectl created with no task: the Deploy stage's
ECS action deploys to zero tasks, then its Commands action (ScaleUp) raises the desired
count (pipectl.resources.first_deploy). The verdict waits for the tasks, and never reads
the create-time state (no task, no failure) as a failure or a rollback. Responses are in
DescribeServices' documented shape, checked by botocore's Stubber."""

from __future__ import annotations

from typing import Any

from pipectl.runs.model import Finished, RunResult, Update, WatchEvent
from pipectl.runs.watch import RunWatcher, WatchOptions
from tests.runs.world import (
    ACCOUNT,
    CLUSTER,
    PIPELINE,
    RUN,
    SERVICE,
    TARGET,
    FakeClock,
    StubbedClients,
    action_state,
    at,
    build,
    phase,
    stage_state,
    state,
    summary,
    task_def,
    taskdef_response,
)


def _action(name: str, category: str, provider: str, **members: Any) -> dict[str, Any]:
    return {"name": name, "actionTypeId": {"category": category, "owner": "AWS",
                                           "provider": provider, "version": "1"}, **members}


def _pipeline() -> dict[str, Any]:
    return {"pipeline": {
        "name": PIPELINE, "roleArn": f"arn:aws:iam::{ACCOUNT}:role/hello-web-codepipeline",
        "stages": [
            {"name": "Source", "actions": [_action("Source", "Source",
                                                   "CodeStarSourceConnection",
                                                   configuration={"BranchName": "main"})]},
            {"name": "Build", "actions": [_action("Build", "Build", "CodeBuild", configuration={
                "ProjectName": "hello-web-build"})]},
            {"name": "Deploy", "actions": [
                _action("Deploy", "Deploy", "ECS", runOrder=1, configuration={
                    "ClusterName": CLUSTER, "ServiceName": SERVICE}),
                _action("ScaleUp", "Compute", "Commands", runOrder=2,
                        commands=["aws ecs update-service ..."]),
            ]},
        ],
    }}


def _deploy_stage(status: str, deploy: str, scale_up: str | None) -> dict[str, Any]:
    stage = stage_state("Deploy", RUN, status, action_state("Deploy", deploy, 60))
    stage["actionStates"].append(action_state("ScaleUp", scale_up, 90))
    return stage


def _service(desired: int, deployments: list[dict[str, Any]]) -> dict[str, Any]:
    running = sum(d["runningCount"] for d in deployments)
    return {"services": [{
        "serviceName": SERVICE, "status": "ACTIVE", "desiredCount": desired,
        "runningCount": running, "pendingCount": 0, "deployments": deployments,
        "events": [{"id": "ev0", "createdAt": at(-890),
                    "message": "(service hello-web) has reached a steady state."}],
    }], "failures": []}


def _deployment(dep_id: str, status: str, revision: int, rollout: str, created: float,
                desired: int, running: int) -> dict[str, Any]:
    return {"id": dep_id, "status": status, "taskDefinition": task_def(revision),
            "desiredCount": desired, "runningCount": running, "pendingCount": 0,
            "failedTasks": 0, "rolloutState": rollout, "createdAt": at(created),
            "rolloutStateReason": f"ECS deployment {dep_id} completed."
            if rollout == "COMPLETED" else f"ECS deployment {dep_id} in progress."}


#: The service as create left it: revision 1 (the file's placeholder), no task wanted.
CREATED = _deployment("ecs-svc/1", "PRIMARY", 1, "COMPLETED", -900, 0, 0)


def _look(aws: StubbedClients, *stages: dict[str, Any]) -> None:
    aws.add("codepipeline", "get_pipeline_state", state(*stages), {"name": PIPELINE})


def _succeeded(aws: StubbedClients) -> None:
    aws.add("codepipeline", "get_pipeline_execution", {"pipelineExecution": {
        "pipelineName": PIPELINE, "pipelineExecutionId": RUN, "status": "Succeeded"}})


def _run(aws: StubbedClients) -> tuple[list[WatchEvent], RunResult]:
    clock = FakeClock()
    events = list(RunWatcher(aws, PIPELINE, RUN, options=WatchOptions(
        target=TARGET, find_url=False), clock=clock.as_clock(), jitter=lambda: 0.5))
    aws.assert_all_used()
    last = events[-1]
    assert isinstance(last, Finished)
    return events, last.result


def _deployed_to_zero_then_scaled_up(aws: StubbedClients) -> tuple[dict[str, Any], ...]:
    """Looks 1 to 3 of a first run: deployed to zero tasks, scaled up, none running yet.
    The stages that stay as they are from then on: Source and Build."""
    aws.add("codepipeline", "get_pipeline", _pipeline(), {"name": PIPELINE})
    aws.add("codepipeline", "list_pipeline_executions", summary(RUN),
            {"pipelineName": PIPELINE, "maxResults": 50})
    source = stage_state("Source", RUN, "Succeeded", action_state("Source", "Succeeded", 2))
    built = stage_state("Build", RUN, "Succeeded", action_state(
        "Build", "Succeeded", 5, external_id="hello-web-build:7f1c2b9e-0000-4000-8000-0000000"
        "00001"))
    # Look 1: the ECS action deploys revision 2 (the built image) to zero tasks; the
    # create-time deployment (no task, never failed) is older than the run: not news.
    _look(aws, source, built, _deploy_stage("InProgress", "InProgress", None))
    aws.add("codebuild", "batch_get_builds", build("SUCCEEDED", "COMPLETED",
                                                   [phase("BUILD", "SUCCEEDED", 40)]))
    aws.add("ecs", "describe_services", _service(0, [
        _deployment("ecs-svc/2", "PRIMARY", 2, "IN_PROGRESS", 61, 0, 0),
        {**CREATED, "status": "ACTIVE"}]), {"cluster": CLUSTER, "services": [SERVICE]})
    aws.add("ecs", "describe_task_definition", taskdef_response(2, "abc1234"))
    # Look 2: deployed (zero tasks: at once); ScaleUp raises the desired count.
    _look(aws, source, built, _deploy_stage("InProgress", "Succeeded", "InProgress"))
    # Look 3: the pipeline succeeded; the deployment COMPLETED, but 0 of 2 tasks run.
    _look(aws, source, built, _deploy_stage("Succeeded", "Succeeded", "Succeeded"))
    _succeeded(aws)
    aws.add("ecs", "describe_services", _service(2, [
        _deployment("ecs-svc/2", "PRIMARY", 2, "COMPLETED", 61, 2, 0)]))
    return source, built


def test_the_first_run_succeeds_once_the_scaled_up_tasks_run_the_built_image() -> None:
    aws = StubbedClients()
    source, built = _deployed_to_zero_then_scaled_up(aws)
    # Look 4: both tasks of revision 2 run: served.
    _look(aws, source, built, _deploy_stage("Succeeded", "Succeeded", "Succeeded"))
    _succeeded(aws)
    aws.add("ecs", "describe_services", _service(2, [
        _deployment("ecs-svc/2", "PRIMARY", 2, "COMPLETED", 61, 2, 2)]))

    events, result = _run(aws)

    assert result.ok and result.outcome == "succeeded"
    assert result.image is not None and result.image.endswith(":abc1234")
    lines = [c.message for e in events if isinstance(e, Update) for c in e.changes]
    assert not any("roll" in line.lower() and "rollout" not in line.lower() for line in lines)
    assert any("Deploy/ScaleUp" in line for line in lines)


def test_a_failed_scale_up_fails_the_run_with_the_command_error() -> None:
    aws = StubbedClients()
    aws.add("codepipeline", "get_pipeline", _pipeline(), {"name": PIPELINE})
    aws.add("codepipeline", "list_pipeline_executions", summary(RUN),
            {"pipelineName": PIPELINE, "maxResults": 50})
    source = stage_state("Source", RUN, "Succeeded", action_state("Source", "Succeeded", 2))
    built = stage_state("Build", RUN, "Succeeded", action_state("Build", "Succeeded", 5))
    failed = _deploy_stage("Failed", "Succeeded", None)
    failed["actionStates"][1] = action_state(
        "ScaleUp", "Failed", 95, error="An error occurred (AccessDeniedException) when "
        "calling the UpdateService operation: User: arn:aws:sts::123456789012:assumed-role/"
        "hello-web-codepipeline/1 is not authorized to perform: ecs:UpdateService")
    _look(aws, source, built, failed)
    aws.add("codepipeline", "get_pipeline_execution", {"pipelineExecution": {
        "pipelineName": PIPELINE, "pipelineExecutionId": RUN, "status": "Failed"}})

    _, result = _run(aws)

    assert result.outcome == "failed"
    assert "Deploy/ScaleUp failed" in result.reason
    assert "ecs:UpdateService" in result.reason


def test_a_first_run_whose_tasks_keep_failing_to_start_fails_with_their_reason() -> None:
    # The deployment completed with no task, so no circuit breaker acts on the scale-up:
    # watch gives up at the breaker's default threshold (3 for 2 tasks), not never.
    aws = StubbedClients()
    source, built = _deployed_to_zero_then_scaled_up(aws)
    # Look 4: 3 tasks of revision 2 have failed to start, none runs.
    _look(aws, source, built, _deploy_stage("Succeeded", "Succeeded", "Succeeded"))
    _succeeded(aws)
    aws.add("ecs", "describe_services", _service(2, [
        {**_deployment("ecs-svc/2", "PRIMARY", 2, "COMPLETED", 61, 2, 0), "failedTasks": 3}]))
    task = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task/{CLUSTER}/0123456789abcdef0123456789abcdef"
    aws.add("ecs", "list_tasks", {"taskArns": [task]},
            {"cluster": CLUSTER, "serviceName": SERVICE, "desiredStatus": "STOPPED",
             "maxResults": 5})
    aws.add("ecs", "describe_tasks", {"tasks": [{
        "taskArn": task, "taskDefinitionArn": task_def(2), "lastStatus": "STOPPED",
        "stopCode": "TaskFailedToStart", "stoppedAt": at(150),
        "stoppedReason": "CannotPullContainerError: pull image manifest has been retried "
                         "5 time(s): failed to resolve ref log-router:missing"}],
        "failures": []})

    _, result = _run(aws)

    assert result.outcome == "failed"
    assert result.reason.startswith("3 tasks of ECS service hello-web failed to start "
                                    "(0/2 running): CannotPullContainerError"), result.reason
