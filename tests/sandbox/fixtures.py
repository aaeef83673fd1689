"""The resources of a pipeline, made directly with boto3 the way `pipectl create` makes them."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.sandbox.shapes import assert_output_shape

ACCOUNT = "123456789012"
REGION = "us-east-1"
CONNECTION_ARN = f"arn:aws:codeconnections:{REGION}:{ACCOUNT}:connection/abc"


@dataclass(frozen=True)
class Names:
    pipeline: str = "hello-web"
    project: str = "hello-web-build"
    repository: str = "hello-web"
    bucket: str = "hello-web-artifacts-123456789012-us-east-1"
    cluster: str = "hello-web"
    service: str = "hello-web"
    container: str = "web"

    @property
    def repository_uri(self) -> str:
        return f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{self.repository}"


def _trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def role_policies(names: Names) -> tuple[dict[str, Any], dict[str, Any]]:
    """The CodeBuild and CodePipeline role policies pipectl writes for these names."""
    from types import SimpleNamespace

    from pipectl.resources.common import Placement
    from pipectl.resources.roles import (
        DeployTarget,
        SecretRefs,
        codebuild_policy,
        pipeline_policy,
    )

    placement = Placement(ACCOUNT, REGION)
    bucket_arn = f"arn:aws:s3:::{names.bucket}"
    build = codebuild_policy(
        placement=placement, project=names.project,
        repository_arn=placement.arn("ecr", f"repository/{names.repository}"),
        bucket_arn=bucket_arn, secrets=SecretRefs(), pipeline=names.pipeline)
    deploy = pipeline_policy(
        placement=placement, bucket_arn=bucket_arn,
        project_arn=placement.arn("codebuild", f"project/{names.project}"),
        deploy=DeployTarget(names.cluster, names.service, names.service, ()),
        source=SimpleNamespace(provider="github", connection_arn=CONNECTION_ARN),
        pipeline=names.pipeline)
    return build, deploy


def create_network(client: Callable[[str], Any]) -> tuple[list[str], list[str]]:
    """A VPC, two subnets and a security group, made through EC2 as a user makes them."""
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24",
                          AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]
        for i, zone in enumerate("ab")
    ]
    group = ec2.create_security_group(GroupName="hello-web", Description="hello-web tasks",
                                      VpcId=vpc)["GroupId"]
    return subnets, [group]


def create_pipeline_resources(
    client: Callable[[str], Any],
    names: Names = Names(),
    *,
    privileged: bool = True,
    execution_mode: str = "SUPERSEDED",
    circuit_breaker: bool = True,
    deploy_timeout_minutes: int = 1,
    desired_count: int = 1,
    variables: list[dict[str, str]] | None = None,
) -> Names:
    iam = client("iam")
    build_role = iam.create_role(
        RoleName=f"{names.pipeline}-codebuild",
        AssumeRolePolicyDocument=_trust("codebuild.amazonaws.com"),
    )["Role"]["Arn"]
    pipeline_role = iam.create_role(
        RoleName=f"{names.pipeline}-codepipeline",
        AssumeRolePolicyDocument=_trust("codepipeline.amazonaws.com"),
    )["Role"]["Arn"]
    # The sandbox authorizes every call of a run against the roles' policies: these
    # are the ones `pipectl create` writes.
    build_policy, deploy_policy = role_policies(names)
    iam.put_role_policy(RoleName=f"{names.pipeline}-codebuild", PolicyName="pipectl",
                        PolicyDocument=json.dumps(build_policy))
    iam.put_role_policy(RoleName=f"{names.pipeline}-codepipeline", PolicyName="pipectl",
                        PolicyDocument=json.dumps(deploy_policy))
    client("s3").create_bucket(Bucket=names.bucket)
    client("ecr").create_repository(repositoryName=names.repository)
    client("codebuild").create_project(
        name=names.project,
        source={"type": "CODEPIPELINE", "buildspec": "buildspec.yml"},
        artifacts={"type": "CODEPIPELINE"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "privilegedMode": privileged,
            "environmentVariables": [
                {"name": "REPOSITORY_URI", "value": names.repository_uri, "type": "PLAINTEXT"},
                {"name": "CONTAINER_NAME", "value": names.container, "type": "PLAINTEXT"},
            ],
        },
        serviceRole=build_role,
        timeoutInMinutes=30,
    )
    subnets, groups = create_network(client)
    ecs = client("ecs")
    ecs.create_cluster(clusterName=names.cluster)
    task_definition = ecs.register_task_definition(
        family=names.service,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": names.container,
                "image": "public.ecr.aws/nginx/nginx:latest",
                "essential": True,
                "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    created = ecs.create_service(
        cluster=names.cluster,
        serviceName=names.service,
        taskDefinition=task_definition,
        desiredCount=desired_count,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": subnets,
                "securityGroups": groups,
                "assignPublicIp": "ENABLED",
            }
        },
        deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": circuit_breaker, "rollback": circuit_breaker},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
        },
    )
    assert_output_shape(ecs, "CreateService", created)
    assert created["service"]["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    pipeline: dict[str, Any] = {
        "name": names.pipeline,
        "roleArn": pipeline_role,
        "artifactStore": {"type": "S3", "location": names.bucket},
        "pipelineType": "V2",
        "executionMode": execution_mode,
        "stages": [
            {
                "name": "Source",
                "actions": [
                    {
                        "name": "Source",
                        "actionTypeId": {
                            "category": "Source",
                            "owner": "AWS",
                            "provider": "CodeStarSourceConnection",
                            "version": "1",
                        },
                        "configuration": {
                            "ConnectionArn": CONNECTION_ARN,
                            "FullRepositoryId": "acme/hello-web",
                            "BranchName": "main",
                        },
                        "outputArtifacts": [{"name": "SourceOutput"}],
                        "namespace": "SourceVariables",
                        "runOrder": 1,
                    }
                ],
            },
            {
                "name": "Build",
                "actions": [
                    {
                        "name": "Build",
                        "actionTypeId": {
                            "category": "Build",
                            "owner": "AWS",
                            "provider": "CodeBuild",
                            "version": "1",
                        },
                        "configuration": {"ProjectName": names.project},
                        "inputArtifacts": [{"name": "SourceOutput"}],
                        "outputArtifacts": [{"name": "BuildOutput"}],
                        "namespace": "BuildVariables",
                        "runOrder": 1,
                    }
                ],
            },
            {
                "name": "Deploy",
                "actions": [
                    {
                        "name": "Deploy",
                        "actionTypeId": {
                            "category": "Deploy",
                            "owner": "AWS",
                            "provider": "ECS",
                            "version": "1",
                        },
                        "configuration": {
                            "ClusterName": names.cluster,
                            "ServiceName": names.service,
                            "FileName": "imagedefinitions.json",
                            "DeploymentTimeout": str(deploy_timeout_minutes),
                        },
                        "inputArtifacts": [{"name": "BuildOutput"}],
                        "runOrder": 1,
                    }
                ],
            },
        ],
    }
    if variables:
        pipeline["variables"] = variables
    client("codepipeline").create_pipeline(pipeline=pipeline)
    return names
