"""A pipeline made the console way: plain API calls, no pipectl, console-style names.

What the console's "create pipeline" and "create project" wizards leave behind: a V1
pipeline with a GitHub (connection) source, a CodeBuild project with its buildspec inline
and a role of its own, an ECS service made beforehand, the console's artifact bucket.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
NAME = "hello-console"
PROJECT = "hello-console-image"
BUCKET = f"codepipeline-{REGION}-{ACCOUNT}"
CLUSTER = "console-cluster"
SERVICE = "hello-console-svc"
FAMILY = "hello-console-task"
REPOSITORY = "hello-console"
REPOSITORY_URI = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{REPOSITORY}"
CONNECTION = f"arn:aws:codeconnections:{REGION}:{ACCOUNT}:connection/0f1e2d3c"
BUILD_ROLE = "codebuild-hello-console-image-service-role"
PIPELINE_ROLE = f"AWSCodePipelineServiceRole-{REGION}-{NAME}"
BUILD_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/service-role/{BUILD_ROLE}"
PIPELINE_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/service-role/{PIPELINE_ROLE}"
EXECUTION_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole"

LOGIN = ("aws ecr get-login-password --region $AWS_DEFAULT_REGION"
         " | docker login --username AWS --password-stdin $REPOSITORY_URI")
DEFINITIONS = ("""printf '[{"name":"app","imageUri":"%s"}]' $REPOSITORY_URI:$IMAGE_TAG"""
               " > imagedefinitions.json")
# The tutorial's buildspec, pasted into the project's "Insert build commands" editor.
INLINE_BUILDSPEC = f"""version: 0.2

phases:
  pre_build:
    commands:
      - echo Logging in to Amazon ECR...
      - {LOGIN}
      - IMAGE_TAG=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)
  build:
    commands:
      - docker build -t $REPOSITORY_URI:$IMAGE_TAG .
  post_build:
    commands:
      - docker push $REPOSITORY_URI:$IMAGE_TAG
      - {DEFINITIONS}
artifacts:
  files: imagedefinitions.json
"""


def _trust(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def source_action(**configuration: str) -> dict[str, Any]:
    return {
        "name": "Source",
        "actionTypeId": {"category": "Source", "owner": "AWS",
                         "provider": "CodeStarSourceConnection", "version": "1"},
        "runOrder": 1,
        "configuration": {"ConnectionArn": CONNECTION, "FullRepositoryId": "acme/hello-console",
                          "BranchName": "main", "OutputArtifactFormat": "CODE_ZIP",
                          **configuration},
        "outputArtifacts": [{"name": "SourceArtifact"}],
        "inputArtifacts": [],
    }


def stages(**source_configuration: str) -> list[dict[str, Any]]:
    return [
        {"name": "Source", "actions": [source_action(**source_configuration)]},
        {"name": "Build", "actions": [{
            "name": "Build",
            "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild",
                             "version": "1"},
            "runOrder": 1,
            "configuration": {"ProjectName": PROJECT},
            "inputArtifacts": [{"name": "SourceArtifact"}],
            "outputArtifacts": [{"name": "BuildArtifact"}],
        }]},
        {"name": "Deploy", "actions": [{
            "name": "Deploy",
            "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "ECS",
                             "version": "1"},
            "runOrder": 1,
            "configuration": {"ClusterName": CLUSTER, "ServiceName": SERVICE,
                              "FileName": "imagedefinitions.json"},
            "inputArtifacts": [{"name": "BuildArtifact"}],
        }]},
    ]


def make_console_pipeline(client: Callable[[str], Any], *,
                          project: dict[str, Any] | None = None,
                          pipeline: dict[str, Any] | None = None,
                          repository: str = REPOSITORY) -> None:
    """Every resource, made as the console makes them; ``project`` and ``pipeline``
    override members of CreateProject's and of the pipeline declaration; the task's
    image is in ECR repository ``repository``."""
    iam = client("iam")
    for name, service in ((BUILD_ROLE, "codebuild.amazonaws.com"),
                          (PIPELINE_ROLE, "codepipeline.amazonaws.com")):
        iam.create_role(RoleName=name, Path="/service-role/",
                        AssumeRolePolicyDocument=_trust(service))
    client("s3").create_bucket(Bucket=BUCKET)
    client("ecr").create_repository(repositoryName=repository)
    ecs = client("ecs")
    ecs.create_cluster(clusterName=CLUSTER)
    ecs.register_task_definition(
        family=FAMILY, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512", executionRoleArn=EXECUTION_ROLE_ARN,
        containerDefinitions=[{
            "name": "app", "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{repository}:latest",
            "essential": True,
            "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
        }])
    subnet = client("ec2").describe_subnets()["Subnets"][0]["SubnetId"]
    group = client("ec2").describe_security_groups()["SecurityGroups"][0]["GroupId"]
    ecs.create_service(
        cluster=CLUSTER, serviceName=SERVICE, taskDefinition=FAMILY, desiredCount=1,
        launchType="FARGATE", networkConfiguration={"awsvpcConfiguration": {
            "subnets": [subnet], "securityGroups": [group], "assignPublicIp": "ENABLED"}})
    client("codebuild").create_project(**{
        "name": PROJECT,
        "source": {"type": "CODEPIPELINE", "buildspec": INLINE_BUILDSPEC,
                   "location": NAME},
        "artifacts": {"type": "CODEPIPELINE", "location": NAME},
        "environment": {
            "type": "LINUX_CONTAINER", "image": "aws/codebuild/amazonlinux2-x86_64-standard:5.0",
            "computeType": "BUILD_GENERAL1_SMALL", "privilegedMode": True,
            "environmentVariables": [
                {"name": "REPOSITORY_URI", "value": REPOSITORY_URI, "type": "PLAINTEXT"}],
        },
        "serviceRole": BUILD_ROLE_ARN,
        "logsConfig": {"cloudWatchLogs": {"status": "ENABLED"}},
        **(project or {}),
    })
    declaration = {
        "name": NAME, "roleArn": PIPELINE_ROLE_ARN,
        "artifactStore": {"type": "S3", "location": BUCKET},
        "stages": stages(), "pipelineType": "V1", "version": 1,
        **(pipeline or {}),
    }
    client("codepipeline").create_pipeline(pipeline=declaration)


# A CodeCommit source, and the EventBridge rule the console makes with it (its name, its
# role with the managed policy the console attaches, its description, its target id).
CODECOMMIT_REPOSITORY = "hello-console-repo"
CONSOLE_RULE = f"codepipeline-{CODECOMMIT_REPOSITORY}-main-571936-rule"
EVENTS_ROLE = f"cwe-role-{REGION}-{NAME}"
EVENTS_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/service-role/{EVENTS_ROLE}"
PIPELINE_ARN = f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:{NAME}"
CONSOLE_RULE_DESCRIPTION = (
    "Amazon CloudWatch Events rule to automatically start your pipeline when a change "
    "occurs in the AWS CodeCommit source repository and branch. Deleting this may prevent "
    "changes from being detected in that pipeline. Read more: "
    "http://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-about-starting.html")


def codecommit_stages() -> list[dict[str, Any]]:
    """The console's three stages with a CodeCommit source (its rule starts the runs, so
    the console sets PollForSourceChanges to false)."""
    out = stages()
    out[0]["actions"][0] = {
        **out[0]["actions"][0],
        "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit",
                         "version": "1"},
        "configuration": {"RepositoryName": CODECOMMIT_REPOSITORY, "BranchName": "main",
                          "PollForSourceChanges": "false",
                          "OutputArtifactFormat": "CODE_ZIP"},
    }
    return out


def make_console_rule(client: Callable[[str], Any], *, name: str = CONSOLE_RULE,
                      pipeline_arn: str = PIPELINE_ARN) -> None:
    """The rule that starts the pipeline on a push to main, with the console's role."""
    iam = client("iam")
    iam.create_role(RoleName=EVENTS_ROLE, Path="/service-role/",
                    AssumeRolePolicyDocument=_trust("events.amazonaws.com"))
    policy = iam.create_policy(
        PolicyName=f"start-pipeline-execution-{REGION}-{NAME}", Path="/service-role/",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["codepipeline:StartPipelineExecution"],
            "Resource": [pipeline_arn]}]}))
    iam.attach_role_policy(RoleName=EVENTS_ROLE, PolicyArn=policy["Policy"]["Arn"])
    events = client("events")
    events.put_rule(Name=name, State="ENABLED", Description=CONSOLE_RULE_DESCRIPTION,
                    EventPattern=json.dumps({
                        "source": ["aws.codecommit"],
                        "detail-type": ["CodeCommit Repository State Change"],
                        "resources": [f"arn:aws:codecommit:{REGION}:{ACCOUNT}:"
                                      f"{CODECOMMIT_REPOSITORY}"],
                        "detail": {"event": ["referenceCreated", "referenceUpdated"],
                                   "referenceType": ["branch"], "referenceName": ["main"]}}))
    events.put_targets(Rule=name, Targets=[{"Id": f"codepipeline-{NAME}", "Arn": pipeline_arn,
                                            "RoleArn": EVENTS_ROLE_ARN}])
