"""A pipeline run in the sandbox: Source -> Build -> Deploy, over real HTTP with boto3."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from pipectl.sandbox.server import SandboxServer
from tests.sandbox.fixtures import Names, create_pipeline_resources
from tests.sandbox.polling import action, control, wait_for_execution
from tests.sandbox.shapes import assert_output_shape
from tests.sandbox.steered_clock import steer

BUILD_PHASES = [
    "SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD",
    "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING", "COMPLETED",
]


def test_a_run_moves_through_stages_build_phases_and_rollout_to_success(
    client: Callable[[str], Any], sandbox: SandboxServer,
) -> None:
    names = create_pipeline_resources(client)
    codepipeline, codebuild, ecs = client("codepipeline"), client("codebuild"), client("ecs")
    # The watcher paces the run: the sandbox's clock moves half a simulated second
    # between two looks, so every state that lasts that long is seen, however slow
    # the looks are on a busy machine.
    clock = steer(sandbox)
    clock.hold()
    started = codepipeline.start_pipeline_execution(name=names.pipeline)
    assert_output_shape(codepipeline, "StartPipelineExecution", started)
    execution_id = started["pipelineExecutionId"]

    # Follow it as a watcher would: stage states, the build's phases, the rollout.
    seen_stages: list[tuple[str, str]] = []
    seen_phases: list[str] = []
    seen_rollouts: list[tuple[str, int]] = []
    finished = False
    while not finished:
        # Read the execution first: the reads after it then see at least as far.
        execution = codepipeline.get_pipeline_execution(
            pipelineName=names.pipeline, pipelineExecutionId=execution_id
        )
        assert_output_shape(codepipeline, "GetPipelineExecution", execution)
        finished = execution["pipelineExecution"]["status"] != "InProgress"
        state = codepipeline.get_pipeline_state(name=names.pipeline)
        assert_output_shape(codepipeline, "GetPipelineState", state)
        for stage in state["stageStates"]:
            latest = stage.get("latestExecution")
            if latest and latest["pipelineExecutionId"] == execution_id:
                entry = (stage["stageName"], latest["status"])
                if entry not in seen_stages:
                    seen_stages.append(entry)
        build_state = state["stageStates"][1]["actionStates"][0].get("latestExecution", {})
        if build_state.get("externalExecutionId"):
            builds = codebuild.batch_get_builds(ids=[build_state["externalExecutionId"]])
            assert_output_shape(codebuild, "BatchGetBuilds", builds)
            phase = builds["builds"][0]["currentPhase"]
            if not seen_phases or seen_phases[-1] != phase:
                seen_phases.append(phase)
        services = ecs.describe_services(cluster=names.cluster, services=[names.service])
        assert_output_shape(ecs, "DescribeServices", services)
        primary = services["services"][0]["deployments"][0]
        rollout = (primary["rolloutState"], primary["runningCount"])
        if primary["taskDefinition"].endswith(":2") and rollout not in seen_rollouts:
            seen_rollouts.append(rollout)
        clock.step(0.5)
    clock.resume()

    assert execution["pipelineExecution"]["status"] == "Succeeded"
    # Stages were seen in progress (Build and Deploy last many steps), in order, and each
    # ended Succeeded.
    for stage in ("Source", "Build", "Deploy"):
        assert (stage, "Succeeded") in seen_stages
    in_progress = [s for s, status in seen_stages if status == "InProgress"]
    assert {"Build", "Deploy"} <= set(in_progress)
    assert in_progress == sorted(in_progress, key=["Source", "Build", "Deploy"].index)
    # The build was seen going forward through its phases, ending COMPLETED.
    assert seen_phases[-1] == "COMPLETED"
    assert [BUILD_PHASES.index(p) for p in seen_phases] == sorted(
        BUILD_PHASES.index(p) for p in seen_phases
    )
    assert len(seen_phases) >= 3
    # The new deployment was seen rolling out, then COMPLETED with its task running.
    assert seen_rollouts[0][0] == "IN_PROGRESS"
    assert seen_rollouts[-1] == ("COMPLETED", 1)

    # One consistent story, told by every API.
    revision = execution["pipelineExecution"]["artifactRevisions"][0]["revisionId"]
    assert len(revision) == 40 and int(revision, 16) >= 0
    assert execution["pipelineExecution"]["artifactRevisions"][0]["revisionSummary"]

    actions = codepipeline.list_action_executions(
        pipelineName=names.pipeline, filter={"pipelineExecutionId": execution_id}
    )
    assert_output_shape(codepipeline, "ListActionExecutions", actions)
    build_action = action(codepipeline, names.pipeline, execution_id, "Build")
    build_id = build_action["output"]["executionResult"]["externalExecutionId"]
    assert build_id.startswith(f"{names.project}:")

    build = codebuild.batch_get_builds(ids=[build_id])["builds"][0]
    assert build["buildStatus"] == "SUCCEEDED"
    assert [p["phaseType"] for p in build["phases"]] == BUILD_PHASES
    assert all(p["phaseStatus"] == "SUCCEEDED" for p in build["phases"][:-1])
    assert build["resolvedSourceVersion"] == revision
    listed = codebuild.list_builds_for_project(projectName=names.project)
    assert_output_shape(codebuild, "ListBuildsForProject", listed)
    assert listed["ids"] == [build_id]

    logs = client("logs").get_log_events(
        logGroupName=f"/aws/codebuild/{names.project}",
        logStreamName=build["logs"]["streamName"],
        startFromHead=True,
    )
    text = "\n".join(event["message"] for event in logs["events"])
    assert "Running command docker build -t $REPOSITORY_URI:$IMAGE_TAG ." in text
    assert "Running command docker push $REPOSITORY_URI:$IMAGE_TAG" in text
    assert "Login Succeeded" in text
    assert "Phase complete: POST_BUILD State: SUCCEEDED" in text

    tag = revision[:7]
    images = client("ecr").describe_images(repositoryName=names.repository)["imageDetails"]
    assert [image["imageTags"] for image in images] == [[tag]]

    output = build_action["output"]["outputArtifacts"][0]["s3location"]
    body = client("s3").get_object(Bucket=output["bucket"], Key=output["key"])["Body"].read()
    definitions = json.loads(zipfile.ZipFile(io.BytesIO(body)).read("imagedefinitions.json"))
    image_uri = f"{names.repository_uri}:{tag}"
    assert definitions == [{"name": names.container, "imageUri": image_uri}]

    service = ecs.describe_services(cluster=names.cluster, services=[names.service])["services"][0]
    assert service["taskDefinition"].endswith(f"task-definition/{names.service}:2")
    assert service["runningCount"] == 1 and service["pendingCount"] == 0
    assert [d["status"] for d in service["deployments"]] == ["PRIMARY"]
    messages = [event["message"] for event in service["events"]]
    assert messages[0] == f"(service {names.service}) has reached a steady state."
    assert any("has started 1 tasks" in m for m in messages)
    assert any("has stopped 1 running tasks" in m for m in messages)
    definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])
    assert definition["taskDefinition"]["containerDefinitions"][0]["image"] == image_uri

    tasks = ecs.list_tasks(cluster=names.cluster, serviceName=names.service)
    assert_output_shape(ecs, "ListTasks", tasks)
    described = ecs.describe_tasks(cluster=names.cluster, tasks=tasks["taskArns"])
    assert_output_shape(ecs, "DescribeTasks", described)
    (task,) = described["tasks"]
    assert task["lastStatus"] == "RUNNING"
    assert task["taskDefinitionArn"] == service["taskDefinition"]
    eni = next(
        d["value"] for d in task["attachments"][0]["details"] if d["name"] == "networkInterfaceId"
    )
    interface = client("ec2").describe_network_interfaces(NetworkInterfaceIds=[eni])
    assert interface["NetworkInterfaces"][0]["Association"]["PublicIp"].startswith("203.0.113.")

    history = codepipeline.list_pipeline_executions(pipelineName=names.pipeline)
    assert_output_shape(codepipeline, "ListPipelineExecutions", history)
    summary = history["pipelineExecutionSummaries"][0]
    assert summary["status"] == "Succeeded"
    assert summary["sourceRevisions"][0]["revisionId"] == revision


def test_start_is_idempotent_with_a_client_token_and_resolves_variables(
    client: Callable[[str], Any],
) -> None:
    names = create_pipeline_resources(
        client, variables=[{"name": "DEPLOY_ENV", "defaultValue": "staging"}]
    )
    codepipeline = client("codepipeline")
    first = codepipeline.start_pipeline_execution(
        name=names.pipeline, clientRequestToken="token-1",
        variables=[{"name": "DEPLOY_ENV", "value": "prod"}],
    )["pipelineExecutionId"]
    again = codepipeline.start_pipeline_execution(
        name=names.pipeline, clientRequestToken="token-1",
        variables=[{"name": "DEPLOY_ENV", "value": "prod"}],
    )["pipelineExecutionId"]
    assert first == again
    history = codepipeline.list_pipeline_executions(pipelineName=names.pipeline)
    assert len(history["pipelineExecutionSummaries"]) == 1
    execution = codepipeline.get_pipeline_execution(
        pipelineName=names.pipeline, pipelineExecutionId=first
    )["pipelineExecution"]
    assert execution["variables"] == [{"name": "DEPLOY_ENV", "resolvedValue": "prod"}]
    with pytest.raises(ClientError) as caught:
        codepipeline.start_pipeline_execution(
            name=names.pipeline, variables=[{"name": "NOPE", "value": "x"}]
        )
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as missing:
        codepipeline.start_pipeline_execution(name="no-such-pipeline")
    assert missing.value.response["Error"]["Code"] == "PipelineNotFoundException"


def test_stop_lets_the_running_action_finish_then_stops(
    client: Callable[[str], Any], sandbox: SandboxServer
) -> None:
    names = create_pipeline_resources(client)
    codepipeline = client("codepipeline")
    # The run is held in its build while it is stopped, however slow this machine is.
    clock = steer(sandbox)
    clock.hold()
    execution_id = codepipeline.start_pipeline_execution(name=names.pipeline)[
        "pipelineExecutionId"
    ]
    clock.step_until(
        lambda: codepipeline.get_pipeline_state(name=names.pipeline)["stageStates"][1],
        lambda stage: stage.get("latestExecution", {}).get("status") == "InProgress",
    )
    stopped = codepipeline.stop_pipeline_execution(
        pipelineName=names.pipeline, pipelineExecutionId=execution_id, reason="changed my mind"
    )
    assert_output_shape(codepipeline, "StopPipelineExecution", stopped)
    stage = codepipeline.get_pipeline_state(name=names.pipeline)["stageStates"][1]
    assert stage["latestExecution"]["status"] == "Stopping"
    with pytest.raises(ClientError) as twice:
        codepipeline.stop_pipeline_execution(
            pipelineName=names.pipeline, pipelineExecutionId=execution_id
        )
    assert twice.value.response["Error"]["Code"] == "DuplicatedStopRequestException"

    clock.resume()  # the build runs to its end, and then the run stops
    assert wait_for_execution(codepipeline, names.pipeline, execution_id) == "Stopped"
    state = codepipeline.get_pipeline_state(name=names.pipeline)
    assert state["stageStates"][1]["latestExecution"]["status"] == "Stopped"
    assert "latestExecution" not in state["stageStates"][2]  # Deploy never ran
    summary = codepipeline.list_pipeline_executions(pipelineName=names.pipeline)[
        "pipelineExecutionSummaries"
    ][0]
    assert summary["stopTrigger"] == {"reason": "changed my mind"}


def test_stop_and_abandon_stops_at_once(
    client: Callable[[str], Any], sandbox: SandboxServer
) -> None:
    names = create_pipeline_resources(client)
    codepipeline, codebuild = client("codepipeline"), client("codebuild")
    # The run is held in its build while it is stopped, however slow this machine is.
    clock = steer(sandbox)
    clock.hold()
    execution_id = codepipeline.start_pipeline_execution(name=names.pipeline)[
        "pipelineExecutionId"
    ]
    clock.step_until(
        lambda: action(codepipeline, names.pipeline, execution_id, "Source")["status"],
        lambda status: status == "Succeeded",
    )
    build_id = clock.step_until(
        lambda: codepipeline.get_pipeline_state(name=names.pipeline)["stageStates"][1][
            "actionStates"][0].get("latestExecution", {}).get("externalExecutionId"),
        bool,
    )
    codepipeline.stop_pipeline_execution(
        pipelineName=names.pipeline, pipelineExecutionId=execution_id, abandon=True
    )
    assert codepipeline.get_pipeline_execution(
        pipelineName=names.pipeline, pipelineExecutionId=execution_id
    )["pipelineExecution"]["status"] == "Stopped"
    assert action(codepipeline, names.pipeline, execution_id, "Build")["status"] == "Abandoned"
    # The build itself is CodeBuild's: StopBuild stops it.
    stopped = codebuild.stop_build(id=build_id)
    assert_output_shape(codebuild, "StopBuild", stopped)
    build = codebuild.batch_get_builds(ids=[build_id])["builds"][0]
    assert build["buildStatus"] == "STOPPED"
    assert build["currentPhase"] == "COMPLETED"
    assert "STOPPED" in [p.get("phaseStatus") for p in build["phases"]]


def test_a_project_without_privileged_mode_fails_like_aws_and_retry_after_the_fix_succeeds(
    client: Callable[[str], Any],
) -> None:
    names = create_pipeline_resources(client, privileged=False)
    codepipeline, codebuild = client("codepipeline"), client("codebuild")
    execution_id = codepipeline.start_pipeline_execution(name=names.pipeline)[
        "pipelineExecutionId"
    ]
    assert wait_for_execution(codepipeline, names.pipeline, execution_id) == "Failed"
    state = codepipeline.get_pipeline_state(name=names.pipeline)
    assert_output_shape(codepipeline, "GetPipelineState", state)
    build_state = state["stageStates"][1]
    assert build_state["latestExecution"]["status"] == "Failed"
    error = build_state["actionStates"][0]["latestExecution"]["errorDetails"]
    assert error["code"] == "JobFailed"
    assert "Build terminated with state: FAILED" in error["message"]
    assert "COMMAND_EXECUTION_ERROR" in error["message"]
    build_id = build_state["actionStates"][0]["latestExecution"]["externalExecutionId"]
    builds = codebuild.batch_get_builds(ids=[build_id])
    assert_output_shape(codebuild, "BatchGetBuilds", builds)
    build = builds["builds"][0]
    failed = [p for p in build["phases"] if p.get("phaseStatus") == "FAILED"]
    assert [p["phaseType"] for p in failed] == ["PRE_BUILD"]
    assert failed[0]["contexts"][0]["statusCode"] == "COMMAND_EXECUTION_ERROR"
    assert "docker login" in failed[0]["contexts"][0]["message"]
    logs = client("logs").get_log_events(
        logGroupName=build["logs"]["groupName"], logStreamName=build["logs"]["streamName"]
    )
    text = "\n".join(e["message"] for e in logs["events"])
    assert "Cannot connect to the Docker daemon at unix:///var/run/docker.sock" in text
    assert "BUILD" not in [p["phaseType"] for p in build["phases"]]  # skipped, as on AWS

    with pytest.raises(ClientError) as not_failed:
        codepipeline.retry_stage_execution(
            pipelineName=names.pipeline, stageName="Source",
            pipelineExecutionId=execution_id, retryMode="FAILED_ACTIONS",
        )
    assert not_failed.value.response["Error"]["Code"] == "StageNotRetryableException"

    project = codebuild.batch_get_projects(names=[names.project])["projects"][0]
    environment = dict(project["environment"], privilegedMode=True)
    codebuild.update_project(name=names.project, environment=environment)
    retried = codepipeline.retry_stage_execution(
        pipelineName=names.pipeline, stageName="Build",
        pipelineExecutionId=execution_id, retryMode="FAILED_ACTIONS",
    )
    assert_output_shape(codepipeline, "RetryStageExecution", retried)
    assert retried["pipelineExecutionId"] == execution_id
    assert wait_for_execution(codepipeline, names.pipeline, execution_id) == "Succeeded"
    state = codepipeline.get_pipeline_state(name=names.pipeline)
    assert state["stageStates"][1]["retryStageMetadata"]["manualStageRetryAttempt"] == 1
    attempts = [
        d for d in codepipeline.list_action_executions(
            pipelineName=names.pipeline, filter={"pipelineExecutionId": execution_id}
        )["actionExecutionDetails"] if d["stageName"] == "Build"
    ]
    assert [a["status"] for a in attempts] == ["Succeeded", "Failed"]
    assert len(codebuild.list_builds_for_project(projectName=names.project)["ids"]) == 2


def test_the_moto_reset_endpoint_wipes_runs_too(
    client: Callable[[str], Any], sandbox: SandboxServer
) -> None:
    names = create_pipeline_resources(client)
    codepipeline = client("codepipeline")
    codepipeline.start_pipeline_execution(name=names.pipeline)
    # moto's own reset (what moto's tools and tests call), not the sandbox's control API.
    control(sandbox, "POST", "/moto-api/reset")
    assert codepipeline.list_pipelines()["pipelines"] == []
    assert control(sandbox, "GET", "/_pipectl/health")["executions"] == 0
    again = create_pipeline_resources(client, Names())
    assert codepipeline.list_pipeline_executions(pipelineName=again.pipeline)[
        "pipelineExecutionSummaries"
    ] == []


def test_a_recreated_pipeline_starts_without_history(client: Callable[[str], Any]) -> None:
    names = create_pipeline_resources(client)
    codepipeline = client("codepipeline")
    execution_id = codepipeline.start_pipeline_execution(name=names.pipeline)[
        "pipelineExecutionId"
    ]
    pipeline = codepipeline.get_pipeline(name=names.pipeline)["pipeline"]
    codepipeline.delete_pipeline(name=names.pipeline)
    with pytest.raises(ClientError) as gone:
        codepipeline.get_pipeline_state(name=names.pipeline)
    assert gone.value.response["Error"]["Code"] == "PipelineNotFoundException"
    pipeline.pop("version", None)
    codepipeline.create_pipeline(pipeline=pipeline)
    assert codepipeline.list_pipeline_executions(pipelineName=names.pipeline)[
        "pipelineExecutionSummaries"
    ] == []
    with pytest.raises(ClientError) as unknown:
        codepipeline.get_pipeline_execution(
            pipelineName=names.pipeline, pipelineExecutionId=execution_id
        )
    assert unknown.value.response["Error"]["Code"] == "PipelineExecutionNotFoundException"
