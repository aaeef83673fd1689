"""Every request pipectl sends, checked against botocore's service model, and the
structure AWS checks but moto does not (action types, configuration keys, enums)."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from pipectl.resources.desired import DesiredState
from pipectl.resources.pipeline import Pipeline
from tests.resources.specs import ACCOUNT, make_spec, make_state

_SESSION = botocore.session.get_session()


def validate(service: str, operation: str, params: dict[str, Any]) -> None:
    model = _SESSION.get_service_model(service).operation_model(operation)
    report = ParamValidator().validate(params, model.input_shape)
    assert not report.has_errors(), report.generate_report()


def enum(service: str, shape: str) -> list[str]:
    return list(_SESSION.get_service_model(service).shape_for(shape).enum)


def requests(state: DesiredState) -> list[tuple[str, str, dict[str, Any]]]:
    b, r, p = state.bucket, state.repository, state.project
    out = [
        ("s3", "CreateBucket", b.create_request()),
        ("s3", "PutBucketTagging", b.tagging_request(b.tags)),
        ("s3", "PutBucketVersioning", b.versioning_request()),
        ("s3", "PutBucketEncryption", b.encryption_request()),
        ("s3", "PutPublicAccessBlock", b.public_access_block_request()),
        ("s3", "PutBucketPolicy", b.policy_request()),
        ("ecr", "CreateRepository", r.create_request()),
        ("ecr", "PutLifecyclePolicy", r.lifecycle_request()),
        ("codebuild", "CreateProject", p.request()),
        ("codebuild", "UpdateProject", p.request()),
        ("codepipeline", "CreatePipeline", state.pipeline.create_request()),
        ("codepipeline", "UpdatePipeline", {"pipeline": state.pipeline.declaration()}),
    ]
    for role in (state.codebuild_role, state.pipeline_role):
        out += [("iam", "CreateRole", role.create_request()),
                ("iam", "PutRolePolicy", role.policy_request())]
    if state.ecs:
        out += [
            ("ecs", "CreateCluster", state.ecs.cluster.create_request()),
            ("ecs", "RegisterTaskDefinition", state.ecs.task_definition.register_request()),
            ("ecs", "RegisterTaskDefinition",
             state.ecs.task_definition.register_request(image="repo:abc1234")),
            ("ecs", "CreateService", state.ecs.service.create_request()),
            ("ecs", "UpdateService", state.ecs.service.update_request()),
        ]
    return out


SPECS = {
    "github": make_spec(),
    "codecommit": make_spec(source={"provider": "codecommit", "repository": "hello"}),
    "s3": make_spec(source={"provider": "s3", "bucket": "src-bucket", "key": "src.zip"},
                    region="eu-west-1", build={"cache": "none"}, deploy={"create_service": None},
                    pipeline={"type": "V1", "execution_mode": "SUPERSEDED"}),
}


@pytest.mark.parametrize("source", sorted(SPECS))
def test_every_request_matches_the_botocore_model(source: str) -> None:
    for service, operation, params in requests(make_state(SPECS[source])):
        validate(service, operation, params)


def test_bucket_outside_us_east_1_names_its_region() -> None:
    from pipectl.resources.common import Placement
    from pipectl.resources.desired import desired_state
    from tests.resources.specs import task_definition

    state = desired_state(SPECS["s3"], Placement(ACCOUNT, "eu-west-1"), task_definition())
    assert state.bucket.create_request() == {
        "Bucket": f"hello-web-artifacts-{ACCOUNT}-eu-west-1",
        "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"},
        "ObjectOwnership": "BucketOwnerEnforced"}
    assert "CreateBucketConfiguration" not in make_state().bucket.create_request()


# The action reference (../shared/aws-facts.md): configuration keys per provider.
ALLOWED_KEYS = {
    "CodeStarSourceConnection": {"ConnectionArn", "FullRepositoryId", "BranchName",
                                 "OutputArtifactFormat", "DetectChanges"},
    "CodeCommit": {"RepositoryName", "BranchName", "PollForSourceChanges",
                   "OutputArtifactFormat"},
    "S3": {"S3Bucket", "S3ObjectKey", "PollForSourceChanges"},
    "CodeBuild": {"ProjectName", "PrimarySource", "BatchEnabled", "EnvironmentVariables"},
    "ECS": {"ClusterName", "ServiceName", "FileName", "DeploymentTimeout"},
    "Commands": set(),  # its commands are the action's own member, not configuration
}
REQUIRED_KEYS = {
    "CodeStarSourceConnection": {"ConnectionArn", "FullRepositoryId", "BranchName"},
    "CodeCommit": {"RepositoryName", "BranchName"},
    "S3": {"S3Bucket", "S3ObjectKey"},
    "CodeBuild": {"ProjectName"},
    "ECS": {"ClusterName", "ServiceName"},
    "Commands": set(),
}
CATEGORY = {"CodeStarSourceConnection": "Source", "CodeCommit": "Source", "S3": "Source",
            "CodeBuild": "Build", "ECS": "Deploy", "Commands": "Compute"}


def _pipeline(source: str) -> Pipeline:
    return make_state(SPECS[source]).pipeline


@pytest.mark.parametrize("source", sorted(SPECS))
def test_pipeline_structure_follows_the_action_reference(source: str) -> None:
    declaration = _pipeline(source).declaration()
    assert [s["name"] for s in declaration["stages"]] == ["Source", "Build", "Deploy"]
    produced: set[str] = set()
    for stage in declaration["stages"]:
        for action in stage["actions"]:
            type_id = action["actionTypeId"]
            provider = type_id["provider"]
            assert type_id == {"category": CATEGORY[provider], "owner": "AWS",
                               "provider": provider, "version": "1"}
            assert type_id["category"] in enum("codepipeline", "ActionCategory")
            config = action.get("configuration", {})
            assert set(config) <= ALLOWED_KEYS[provider]
            assert REQUIRED_KEYS[provider] <= set(config)
            assert all(isinstance(v, str) and len(v) <= 1000 for v in config.values())
            assert all(len(k) <= 50 for k in config)
            inputs = {a["name"] for a in action.get("inputArtifacts", [])}
            assert inputs <= produced  # every input comes from an earlier stage
            produced |= {a["name"] for a in action.get("outputArtifacts", [])}
    assert declaration["pipelineType"] in enum("codepipeline", "PipelineType")
    assert declaration["executionMode"] in enum("codepipeline", "ExecutionMode")
    assert declaration["artifactStore"] == {"type": "S3", "location": make_state(
        SPECS[source]).bucket.name}


def test_source_and_deploy_configuration_values() -> None:
    stages = {s["name"]: s["actions"][0] for s in _pipeline("github").declaration()["stages"]}
    assert stages["Source"]["configuration"] == {
        "ConnectionArn": SPECS["github"].source.connection_arn,  # type: ignore[union-attr]
        "FullRepositoryId": "acme/hello-web", "BranchName": "main",
        "OutputArtifactFormat": "CODE_ZIP", "DetectChanges": "true"}
    assert stages["Source"]["outputArtifacts"] == [{"name": "SourceArtifact"}]
    assert stages["Build"]["configuration"] == {"ProjectName": "hello-web-build"}
    assert stages["Build"]["outputArtifacts"] == [{"name": "BuildArtifact"}]
    assert stages["Deploy"]["configuration"] == {
        "ClusterName": "hello-cluster", "ServiceName": "hello-web",
        "FileName": "imagedefinitions.json", "DeploymentTimeout": "15"}
    assert stages["Deploy"]["inputArtifacts"] == [{"name": "BuildArtifact"}]
    codecommit = _pipeline("codecommit").declaration()["stages"][0]["actions"][0]
    assert codecommit["configuration"] == {"RepositoryName": "hello", "BranchName": "main",
                                           "PollForSourceChanges": "false"}
    s3 = _pipeline("s3").declaration()["stages"][0]["actions"][0]
    assert s3["configuration"] == {"S3Bucket": "src-bucket", "S3ObjectKey": "src.zip",
                                   "PollForSourceChanges": "false"}


def test_pipeline_type_mode_and_variables_come_from_the_spec() -> None:
    spec = make_spec(pipeline={"type": "V2", "execution_mode": "PARALLEL",
                               "variables": {"DEPLOY_ENV": "prod"}})
    declaration = make_state(spec).pipeline.declaration()
    assert declaration["pipelineType"] == "V2"
    assert declaration["executionMode"] == "PARALLEL"
    assert declaration["variables"] == [{"name": "DEPLOY_ENV", "defaultValue": "prod"}]
    assert "variables" not in _pipeline("s3").declaration()


def test_project_settings_follow_the_spec_and_the_buildspec_contract() -> None:
    request = make_state(make_spec(build={"compute_type": "BUILD_GENERAL1_MEDIUM",
                                          "timeout_minutes": 45})).project.request()
    assert request["source"]["type"] == request["artifacts"]["type"] == "CODEPIPELINE"
    assert request["source"]["buildspec"] == "buildspec.yml"
    env = request["environment"]
    assert (env["type"], env["image"], env["computeType"], env["privilegedMode"]) == (
        "LINUX_CONTAINER", "aws/codebuild/standard:7.0", "BUILD_GENERAL1_MEDIUM", True)
    assert env["environmentVariables"] == [
        {"name": "REPOSITORY_URI",
         "value": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/hello-web", "type": "PLAINTEXT"},
        {"name": "CONTAINER_NAME", "value": "web", "type": "PLAINTEXT"},
        {"name": "LOG_LEVEL", "value": "info", "type": "PLAINTEXT"},
        {"name": "API_TOKEN", "value": "/hello/token", "type": "PARAMETER_STORE"},
    ]
    assert env["computeType"] in enum("codebuild", "ComputeType")
    assert request["timeoutInMinutes"] == 45
    assert request["cache"] == {"type": "LOCAL",
                                "modes": ["LOCAL_DOCKER_LAYER_CACHE", "LOCAL_SOURCE_CACHE"]}
    assert set(request["cache"]["modes"]) <= set(enum("codebuild", "CacheMode"))
    assert request["serviceRole"] == f"arn:aws:iam::{ACCOUNT}:role/hello-web-codebuild"
    assert make_state(SPECS["s3"]).project.request()["cache"] == {"type": "NO_CACHE"}


def test_secrets_manager_references_become_secrets_manager_variables() -> None:
    spec = make_spec(build={"secrets": {"DB": "secretsmanager:prod/db:password::"}})
    variables = make_state(spec).project.request()["environment"]["environmentVariables"]
    assert variables[-1] == {"name": "DB", "value": "prod/db:password::",
                             "type": "SECRETS_MANAGER"}


def test_service_is_fargate_with_the_circuit_breaker_rolling_back() -> None:
    state = make_state()
    assert state.ecs is not None
    request = state.ecs.service.create_request()
    assert request["launchType"] == "FARGATE"
    assert request["deploymentConfiguration"] == {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "alarms": {"alarmNames": [], "enable": False, "rollback": False},
        "minimumHealthyPercent": 100, "maximumPercent": 200}
    assert request["networkConfiguration"] == {"awsvpcConfiguration": {
        "subnets": ["subnet-0abc1234"], "assignPublicIp": "ENABLED",
        "securityGroups": ["sg-0abc1234"]}}
    assert request["taskDefinition"] == "hello-web"
    assert "taskDefinition" not in state.ecs.service.update_request()


def test_no_ecs_resources_without_create_service() -> None:
    assert make_state(SPECS["s3"]).ecs is None


@pytest.mark.parametrize("region", ["us-east-1", "cn-north-1", "us-gov-west-1"])
def test_import_reads_back_the_repository_uri_the_project_gets(region: str) -> None:
    # `pipectl import` finds the ECR repository from the project's REPOSITORY_URI: in
    # China the registry is amazonaws.com.cn, and a .com-only parser found none there.
    from pipectl.adopt.live import ecr_repository_in
    from pipectl.resources.common import Placement
    from pipectl.resources.repository import Repository

    placement = Placement(ACCOUNT, region)
    uri = Repository("team/hello-web", placement, True, True, 30).uri
    assert uri.startswith(f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com")
    assert ecr_repository_in(uri, region, ACCOUNT) == "team/hello-web"
    assert ecr_repository_in(f"{uri}:abc1234", region, ACCOUNT) == "team/hello-web"
    assert ecr_repository_in(uri, "eu-west-1", ACCOUNT) is None
