"""The run engine acts as the roles pipectl created, and IAM's answer is AWS's.

Each test takes one permission away from (or gets one wrong in) the policies
``pipectl create`` writes, runs the pipeline, and checks that the action fails where
and how it fails on AWS, with the AccessDenied message in its error details.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.sandbox.fixtures import (
    ACCOUNT,
    REGION,
    Names,
    create_pipeline_resources,
    role_policies,
)
from tests.sandbox.polling import action, wait_for_execution
from tests.sandbox.shapes import assert_output_shape

NAMES = Names()
PIPELINE_ROLE = f"{NAMES.pipeline}-codepipeline"
BUILD_ROLE = f"{NAMES.pipeline}-codebuild"


def put_policy(client: Callable[[str], Any], role: str, document: dict[str, Any]) -> None:
    client("iam").put_role_policy(RoleName=role, PolicyName="pipectl",
                                  PolicyDocument=json.dumps(document))


def without(document: dict[str, Any], sid: str) -> dict[str, Any]:
    kept = [s for s in document["Statement"] if s.get("Sid") != sid]
    assert len(kept) == len(document["Statement"]) - 1, f"no statement {sid}"
    return {**document, "Statement": kept}


def run(client: Callable[[str], Any]) -> tuple[str, str]:
    codepipeline = client("codepipeline")
    execution = codepipeline.start_pipeline_execution(name=NAMES.pipeline)
    execution_id = execution["pipelineExecutionId"]
    return execution_id, wait_for_execution(codepipeline, NAMES.pipeline, execution_id, 30)


def failed_action(client: Callable[[str], Any], execution_id: str, stage: str) -> dict[str, Any]:
    detail = action(client("codepipeline"), NAMES.pipeline, execution_id, stage)
    assert detail["status"] == "Failed", detail
    state = client("codepipeline").get_pipeline_state(name=NAMES.pipeline)
    assert_output_shape(client("codepipeline"), "GetPipelineState", state)
    [stage_state] = [s for s in state["stageStates"] if s["stageName"] == stage]
    return dict(stage_state["actionStates"][0]["latestExecution"]["errorDetails"])


def test_list_tasks_scoped_to_container_instances_fails_the_deploy_action(
    client: Callable[[str], Any],
) -> None:
    """The policy pipectl wrote before: ListTasks on container-instance/<cluster>/*."""
    create_pipeline_resources(client)
    _, deploy = role_policies(NAMES)
    statements = []
    for stmt in deploy["Statement"]:
        if stmt["Sid"] == "ListDeployTasks":
            stmt = {"Sid": "ListDeployTasks", "Effect": "Allow", "Action": ["ecs:ListTasks"],
                    "Resource": [f"arn:aws:ecs:{REGION}:{ACCOUNT}:container-instance/"
                                 f"{NAMES.cluster}/*"]}
        statements.append(stmt)
    put_policy(client, PIPELINE_ROLE, {**deploy, "Statement": statements})

    execution_id, status = run(client)

    assert status == "Failed"
    errors = failed_action(client, execution_id, "Deploy")
    assert errors["code"] == "JobFailed"
    assert (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{PIPELINE_ROLE}/" in errors["message"]
    )
    assert ("is not authorized to perform: ecs:ListTasks on resource: * because no "
            "identity-based policy allows the ecs:ListTasks action") in errors["message"]


def test_the_policies_pipectl_writes_let_the_whole_run_succeed(
    client: Callable[[str], Any],
) -> None:
    create_pipeline_resources(client)
    _, status = run(client)
    assert status == "Succeeded"


def test_a_deploy_that_may_not_pass_the_task_role_fails_before_touching_the_service(
    client: Callable[[str], Any],
) -> None:
    create_pipeline_resources(client)
    ecs = client("ecs")
    role = f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole"
    current = ecs.describe_services(cluster=NAMES.cluster, services=[NAMES.service])
    definition = ecs.describe_task_definition(
        taskDefinition=current["services"][0]["taskDefinition"])["taskDefinition"]
    with_role = ecs.register_task_definition(
        family=definition["family"], networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512", executionRoleArn=role,
        containerDefinitions=definition["containerDefinitions"],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=NAMES.cluster, service=NAMES.service, taskDefinition=with_role)

    execution_id, status = run(client)

    assert status == "Failed"
    errors = failed_action(client, execution_id, "Deploy")
    assert f"is not authorized to perform: iam:PassRole on resource: {role}" in errors["message"]
    service = ecs.describe_services(cluster=NAMES.cluster, services=[NAMES.service])
    assert service["services"][0]["taskDefinition"] == with_role  # left as it was


def test_a_build_role_without_ecr_push_fails_docker_push_with_docker_s_denial(
    client: Callable[[str], Any],
) -> None:
    create_pipeline_resources(client)
    build, _ = role_policies(NAMES)
    pull_only = []
    for stmt in build["Statement"]:
        if stmt["Sid"] == "EcrPushPull":
            stmt = {**stmt, "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}
        pull_only.append(stmt)
    put_policy(client, BUILD_ROLE, {**build, "Statement": pull_only})

    execution_id, status = run(client)

    assert status == "Failed"
    errors = failed_action(client, execution_id, "Build")
    assert "Phase: POST_BUILD" in errors["message"]
    build_id = action(client("codepipeline"), NAMES.pipeline, execution_id, "Build")[
        "output"]["executionResult"]["externalExecutionId"]
    found = client("codebuild").batch_get_builds(ids=[build_id])["builds"][0]
    stream = client("logs").get_log_events(
        logGroupName=found["logs"]["groupName"], logStreamName=found["logs"]["streamName"])
    lines = [e["message"] for e in stream["events"]]
    assert any(line.startswith(f"denied: User: arn:aws:sts::{ACCOUNT}:assumed-role/{BUILD_ROLE}/")
               and "ecr:BatchCheckLayerAvailability" in line for line in lines), lines


def test_a_build_role_without_logs_fails_provisioning(client: Callable[[str], Any]) -> None:
    create_pipeline_resources(client)
    build, _ = role_policies(NAMES)
    put_policy(client, BUILD_ROLE, without(build, "Logs"))

    execution_id, status = run(client)

    assert status == "Failed"
    build_id = action(client("codepipeline"), NAMES.pipeline, execution_id, "Build")[
        "output"]["executionResult"]["externalExecutionId"]
    found = client("codebuild").batch_get_builds(ids=[build_id])["builds"][0]
    [provisioning] = [p for p in found["phases"] if p["phaseType"] == "PROVISIONING"]
    assert provisioning["phaseStatus"] == "FAILED"
    [context] = provisioning["contexts"]
    assert context["statusCode"] == "ACCESS_DENIED"
    assert "does not allow AWS CodeBuild to create Amazon CloudWatch Logs log streams" in \
        context["message"]
    assert "logs:CreateLogGroup" in context["message"]


def test_start_build_refuses_a_role_codebuild_may_not_assume(
    client: Callable[[str], Any],
) -> None:
    create_pipeline_resources(client)
    iam = client("iam")
    iam.update_assume_role_policy(RoleName=BUILD_ROLE, PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                       "Action": "sts:AssumeRole"}]}))
    with pytest.raises(ClientError) as refused:
        client("codebuild").start_build(projectName=NAMES.project)
    assert refused.value.response["Error"]["Code"] == "InvalidInputException"
    assert refused.value.response["Error"]["Message"] == (
        "CodeBuild is not authorized to perform: sts:AssumeRole on "
        f"arn:aws:iam::{ACCOUNT}:role/{BUILD_ROLE}")


def test_a_trust_policy_narrowed_to_the_pipeline_lets_codepipeline_in(
    client: Callable[[str], Any],
) -> None:
    """aws:SourceArn / aws:SourceAccount are set as CodePipeline sets them."""
    create_pipeline_resources(client)
    pipeline_arn = f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:{NAMES.pipeline}"

    def trust(source_arn: str) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                          "ArnLike": {"aws:SourceArn": source_arn}}}]})

    client("iam").update_assume_role_policy(RoleName=PIPELINE_ROLE,
                                            PolicyDocument=trust(pipeline_arn))
    assert run(client)[1] == "Succeeded"
    client("iam").update_assume_role_policy(RoleName=PIPELINE_ROLE,
                                            PolicyDocument=trust(pipeline_arn + "-other"))
    execution_id, status = run(client)
    assert status == "Failed"
    errors = failed_action(client, execution_id, "Source")
    assert errors["message"] == (
        "CodePipeline is not authorized to perform AssumeRole on role "
        f"arn:aws:iam::{ACCOUNT}:role/{PIPELINE_ROLE}")
