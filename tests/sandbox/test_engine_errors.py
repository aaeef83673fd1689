"""An error inside the sandbox's run engine fails what it happened in, visibly.

Before, an exception in a scheduled step was only logged: a rollout whose tasks could
not be placed stayed "IN_PROGRESS, running 0/2" and its run never ended.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pipectl.sandbox.codebuild.runner import BuildRunner
from pipectl.sandbox.ecs.deployments import Deployments
from pipectl.sandbox.server import SandboxServer
from tests.sandbox.fixtures import Names, create_pipeline_resources
from tests.sandbox.polling import action, control, wait_for_execution, wait_until

NAMES = Names()


def service(client: Callable[[str], Any]) -> dict[str, Any]:
    answer = client("ecs").describe_services(cluster=NAMES.cluster, services=[NAMES.service])
    return dict(answer["services"][0])


def run(client: Callable[[str], Any]) -> tuple[str, str]:
    codepipeline = client("codepipeline")
    execution_id = codepipeline.start_pipeline_execution(name=NAMES.pipeline)[
        "pipelineExecutionId"]
    return execution_id, wait_for_execution(codepipeline, NAMES.pipeline, execution_id, 30)


def test_tasks_land_on_subnets_made_through_ec2(
    client: Callable[[str], Any], sandbox: SandboxServer
) -> None:
    """A VPC made with CreateVpc has no DNS hostnames: moto's ENI then has no DNS name."""
    create_pipeline_resources(client, desired_count=2)
    first = wait_until(lambda: service(client),
                       lambda s: s["deployments"][0]["rolloutState"] != "IN_PROGRESS")
    assert first["deployments"][0]["rolloutState"] == "COMPLETED"
    assert first["runningCount"] == 2
    assert run(client)[1] == "Succeeded"
    ecs = client("ecs")
    arns = ecs.list_tasks(cluster=NAMES.cluster, serviceName=NAMES.service)["taskArns"]
    tasks = ecs.describe_tasks(cluster=NAMES.cluster, tasks=arns)["tasks"]
    details = {d["name"]: d["value"] for d in tasks[0]["attachments"][0]["details"]}
    subnets = {s["SubnetId"] for s in client("ec2").describe_subnets()["Subnets"]}
    assert details["subnetId"] in subnets
    assert details["privateDnsName"].startswith("ip-10-20-")
    assert control(sandbox, "GET", "/_pipectl/health")["error_count"] == 0


def test_an_engine_error_in_a_rollout_fails_the_deployment_and_the_deploy_action(
    client: Callable[[str], Any], sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_pipeline_resources(client)
    wait_until(lambda: service(client),
               lambda s: s["deployments"][0]["rolloutState"] == "COMPLETED")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the task could not be placed")

    monkeypatch.setattr(Deployments, "_new_task", broken)

    execution_id, status = run(client)

    assert status == "Failed"
    detail = action(client("codepipeline"), NAMES.pipeline, execution_id, "Deploy")
    assert detail["status"] == "Failed"
    state = client("codepipeline").get_pipeline_state(name=NAMES.pipeline)
    deploy = state["stageStates"][2]["actionStates"][0]["latestExecution"]
    expected = "pipectl sandbox engine error: RuntimeError: the task could not be placed"
    assert expected in deploy["errorDetails"]["message"], deploy
    primary = service(client)["deployments"][0]
    assert primary["rolloutState"] == "FAILED"
    assert expected in primary["rolloutStateReason"]
    health = control(sandbox, "GET", "/_pipectl/health")
    assert health["error_count"] == 1
    assert health["errors"] == ["RuntimeError: the task could not be placed"]


def test_an_engine_error_in_a_build_ends_it_as_fault_and_fails_the_build_action(
    client: Callable[[str], Any], sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_pipeline_resources(client)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("environment")

    monkeypatch.setattr(BuildRunner, "_provision", broken)

    execution_id, status = run(client)

    assert status == "Failed"
    build_id = action(client("codepipeline"), NAMES.pipeline, execution_id, "Build")[
        "output"]["executionResult"]["externalExecutionId"]
    build = client("codebuild").batch_get_builds(ids=[build_id])["builds"][0]
    assert build["buildStatus"] == "FAULT"
    [provisioning] = [p for p in build["phases"] if p["phaseType"] == "PROVISIONING"]
    assert provisioning["phaseStatus"] == "FAULT"
    assert "pipectl sandbox engine error: KeyError" in provisioning["contexts"][0]["message"]
    state = client("codepipeline").get_pipeline_state(name=NAMES.pipeline)
    message = state["stageStates"][1]["actionStates"][0]["latestExecution"]["errorDetails"][
        "message"]
    assert message.startswith("Build terminated with state: FAULT. Phase: PROVISIONING")
    assert control(sandbox, "GET", "/_pipectl/health")["error_count"] == 1
