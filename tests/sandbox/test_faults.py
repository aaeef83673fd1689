"""Faults on demand: each one produces the failure a user would see on AWS."""

from __future__ import annotations

import urllib.error
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from pipectl.sandbox.server import SandboxServer
from tests.sandbox.fixtures import create_pipeline_resources
from tests.sandbox.polling import action, control, wait_for_execution, wait_until
from tests.sandbox.shapes import assert_output_shape
from tests.sandbox.steered_clock import steer

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


def test_a_build_fault_fails_the_chosen_phase_with_a_realistic_log_and_retry_recovers(
    client: Callable[[str], Any], sandbox: SandboxServer
) -> None:
    names = create_pipeline_resources(client)
    armed = control(sandbox, "POST", "/_pipectl/faults", {"type": "build", "phase": "BUILD"})
    assert armed["phase"] == "BUILD"
    codepipeline, codebuild = client("codepipeline"), client("codebuild")
    execution_id = codepipeline.start_pipeline_execution(name=names.pipeline)[
        "pipelineExecutionId"
    ]
    assert wait_for_execution(codepipeline, names.pipeline, execution_id) == "Failed"
    failed_action = action(codepipeline, names.pipeline, execution_id, "Build")
    error = failed_action["output"]["executionResult"]["errorDetails"]
    assert error["message"] == (
        "Build terminated with state: FAILED. Phase: BUILD, Code: COMMAND_EXECUTION_ERROR, "
        "Message: Error while executing command: docker build -t $REPOSITORY_URI:$IMAGE_TAG .. "
        "Reason: exit status 1"
    )
    build_id = failed_action["output"]["executionResult"]["externalExecutionId"]
    build = codebuild.batch_get_builds(ids=[build_id])["builds"][0]
    assert build["buildStatus"] == "FAILED"
    statuses = {p["phaseType"]: p.get("phaseStatus") for p in build["phases"]}
    assert statuses["PRE_BUILD"] == "SUCCEEDED"
    assert statuses["BUILD"] == "FAILED"
    assert statuses["POST_BUILD"] == "SUCCEEDED"  # post_build still runs after build fails
    assert statuses["UPLOAD_ARTIFACTS"] == "FAILED"
    text = "\n".join(
        e["message"] for e in client("logs").get_log_events(
            logGroupName=build["logs"]["groupName"], logStreamName=build["logs"]["streamName"]
        )["events"]
    )
    assert (
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
        "Is the docker daemon running?"
    ) in text
    assert "Command did not exit successfully docker build" in text
    assert client("ecr").describe_images(repositoryName=names.repository)["imageDetails"] == []
    # The fault was for one run: a retry of the stage succeeds.
    assert control(sandbox, "GET", "/_pipectl/faults")["build"] == []
    codepipeline.retry_stage_execution(
        pipelineName=names.pipeline, stageName="Build", pipelineExecutionId=execution_id,
        retryMode="ALL_ACTIONS",
    )
    assert wait_for_execution(codepipeline, names.pipeline, execution_id) == "Succeeded"


def test_a_fault_in_a_phase_without_commands_still_fails_it(
    client: Callable[[str], Any], sandbox: SandboxServer
) -> None:
    names = create_pipeline_resources(client)
    control(sandbox, "POST", "/_pipectl/faults", {
        "type": "build", "phase": "DOWNLOAD_SOURCE", "message": "repository not found",
    })
    build = client("codebuild").start_build(projectName=names.project)["build"]
    done = wait_until(
        lambda: client("codebuild").batch_get_builds(ids=[build["id"]])["builds"][0],
        lambda b: b["buildStatus"] != "IN_PROGRESS",
    )
    assert done["buildStatus"] == "FAILED"
    failed = [p for p in done["phases"] if p.get("phaseStatus") == "FAILED"]
    assert failed[0]["phaseType"] == "DOWNLOAD_SOURCE"
    context = {"statusCode": "CLIENT_ERROR", "message": "repository not found"}
    assert failed[0]["contexts"] == [context]


def test_a_deploy_fault_trips_the_circuit_breaker_rolls_back_and_times_out_the_action(
    client: Callable[[str], Any], sandbox: SandboxServer
) -> None:
    names = create_pipeline_resources(client, deploy_timeout_minutes=1)
    control(sandbox, "POST", "/_pipectl/faults", {"type": "deploy"})
    codepipeline, ecs = client("codepipeline"), client("ecs")
    # The run is held at the moment the breaker has fired: the Deploy action's timeout (a
    # minute, 0.6 s here) must not pass while a loaded machine looks.
    clock = steer(sandbox)
    clock.hold()
    execution_id = codepipeline.start_pipeline_execution(name=names.pipeline)[
        "pipelineExecutionId"
    ]

    def failed_deployment() -> dict[str, Any] | None:
        service = ecs.describe_services(cluster=names.cluster, services=[names.service])[
            "services"][0]
        return next((d for d in service["deployments"] if d["rolloutState"] == "FAILED"), None)

    failed = clock.step_until(failed_deployment, bool)
    assert failed is not None
    assert failed["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
    assert failed["failedTasks"] >= 3
    assert failed["taskDefinition"].endswith(":2")
    # As on AWS, CodePipeline's ECS action keeps waiting while the breaker has fired.
    deploy = action(codepipeline, names.pipeline, execution_id, "Deploy")
    assert deploy["status"] == "InProgress"

    stopped = ecs.list_tasks(
        cluster=names.cluster, serviceName=names.service, desiredStatus="STOPPED"
    )["taskArns"]
    described = ecs.describe_tasks(cluster=names.cluster, tasks=stopped)
    assert_output_shape(ecs, "DescribeTasks", described)
    tasks = described["tasks"]
    failures = [t for t in tasks if t.get("stopCode") == "TaskFailedToStart"]
    assert len(failures) >= 3
    assert failures[0]["stoppedReason"].startswith(
        "CannotPullContainerError: pull image manifest has been retried 5 time(s)"
    )
    assert names.repository_uri in failures[0]["stoppedReason"]

    clock.resume()
    assert wait_for_execution(codepipeline, names.pipeline, execution_id) == "Failed"
    assert_output_shape(codepipeline, "ListActionExecutions", codepipeline.list_action_executions(
        pipelineName=names.pipeline, filter={"pipelineExecutionId": execution_id}))
    deploy = action(codepipeline, names.pipeline, execution_id, "Deploy")
    assert "did not complete within 1 minutes" in deploy["output"]["executionResult"][
        "errorDetails"]["message"]
    service = ecs.describe_services(cluster=names.cluster, services=[names.service])["services"][0]
    assert_output_shape(ecs, "DescribeServices", {"services": [service], "failures": []})
    # Rolled back: the service runs its previous task definition again.
    assert service["taskDefinition"].endswith(":1")
    assert service["deployments"][0]["rolloutState"] == "COMPLETED"
    assert service["runningCount"] == 1
    messages = [e["message"] for e in service["events"]]
    assert any("deployment failed: tasks failed to start." in m for m in messages)
    assert any("rolling back to deployment" in m for m in messages)


def test_throttling_and_5xx_faults_hit_the_chosen_operations_deterministically(
    client: Callable[[str], Any], sandbox: SandboxServer
) -> None:
    import boto3

    create_pipeline_resources(client)
    session = boto3.session.Session(
        aws_access_key_id=sandbox.token, aws_secret_access_key="sandbox", region_name="us-east-1"
    )
    ecs = session.client("ecs", endpoint_url=sandbox.url, config=NO_RETRIES)
    control(sandbox, "POST", "/_pipectl/faults", {
        "type": "api", "target": "ecs:DescribeServices", "kind": "throttle", "count": 1,
    })
    with pytest.raises(ClientError) as caught:
        ecs.describe_services(cluster="hello-web", services=["hello-web"])
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    ecs.describe_services(cluster="hello-web", services=["hello-web"])  # spent after one
    ecs.list_clusters()  # other operations were never touched

    def outcomes(seed: int) -> list[bool]:
        control(sandbox, "DELETE", "/_pipectl/faults")
        control(sandbox, "POST", "/_pipectl/faults", {
            "type": "api", "target": "codepipeline", "kind": "error", "status": 503,
            "rate": 0.5, "seed": seed,
        })
        pipeline = session.client("codepipeline", endpoint_url=sandbox.url, config=NO_RETRIES)
        results = []
        for _ in range(12):
            try:
                pipeline.list_pipelines()
                results.append(True)
            except ClientError as exc:
                assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 503
                results.append(False)
        return results

    first = outcomes(seed=7)
    assert first == outcomes(seed=7)
    assert True in first and False in first
    control(sandbox, "DELETE", "/_pipectl/faults")
    s3 = session.client("s3", endpoint_url=sandbox.url, config=NO_RETRIES)
    control(sandbox, "POST", "/_pipectl/faults", {"type": "api", "target": "s3"})
    with pytest.raises(ClientError) as slow:
        s3.list_buckets()
    assert slow.value.response["Error"]["Code"] == "SlowDown"


class StoppedTime:
    """The time the offline fault counts on, moved on by the test only."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_offline_takes_the_endpoint_away_and_gives_it_back(
    client: Callable[[str], Any], sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    from pipectl.sandbox import faults

    session = boto3.session.Session(
        aws_access_key_id=sandbox.token, aws_secret_access_key="sandbox", region_name="us-east-1"
    )
    codepipeline = session.client("codepipeline", endpoint_url=sandbox.url, config=NO_RETRIES)
    # The 0.3 s are counted on a clock the test moves: a call that a loaded machine makes
    # late still comes while the endpoint is away.
    stopped = StoppedTime()
    monkeypatch.setattr(faults, "time", stopped)
    control(sandbox, "POST", "/_pipectl/faults", {"type": "offline", "seconds": 0.3})
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        codepipeline.list_pipelines()
    stopped.now += 0.3
    wait_until(
        lambda: control(sandbox, "GET", "/_pipectl/faults")["offline"], lambda v: v is None
    )
    assert codepipeline.list_pipelines()["pipelines"] == []


def test_bad_faults_are_refused_with_a_reason(sandbox: SandboxServer) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        control(sandbox, "POST", "/_pipectl/faults", {"type": "build", "phase": "LUNCH"})
    assert caught.value.code == 400
    assert b"phase must be one of" in caught.value.read()
    with pytest.raises(urllib.error.HTTPError) as unknown:
        control(sandbox, "GET", "/_pipectl/nope")
    assert unknown.value.code == 404
