"""The calls each pipeline action makes as the pipeline's role, authorized as AWS does.

Each function names the action and the resource ARN (and condition keys) the Service
Authorization Reference gives for the call, e.g. ``ecs:ListTasks`` on ``*`` with the
``ecs:cluster`` condition key (a Fargate service has no container instance to name),
``iam:PassRole`` on each role of the revision with ``iam:PassedToService``. A refusal
becomes the action's error, with AWS's AccessDenied message in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pipectl.sandbox.permissions import AccessDenied, AssumeRoleDenied, Caller, assume

PIPELINE_PRINCIPAL = "codepipeline.amazonaws.com"
ECS_TASKS_PRINCIPAL = "ecs-tasks.amazonaws.com"
CODECOMMIT_SOURCE_CALLS = (
    "codecommit:GetBranch",
    "codecommit:GetCommit",
    "codecommit:UploadArchive",
    "codecommit:GetUploadArchiveStatus",
)


class ActionRefused(Exception):
    """The action cannot go on: ``str(exc)`` is its error message on AWS."""


def _arn(caller: Caller, service: str, resource: str) -> str:
    partition = caller.role_arn.split(":")[1] if caller.role_arn.startswith("arn:") else "aws"
    return f"arn:{partition}:{service}:{caller.region}:{caller.account}:{resource}"


def object_arn(bucket: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket}/{key}"


def ecs_service(caller: Caller, cluster: str, service: str) -> tuple[str, dict[str, str]]:
    """What IAM is asked about a call on an ECS service (DescribeServices, UpdateService):
    the service's ARN, and the ``ecs:cluster`` condition key."""
    return (_arn(caller, "ecs", f"service/{cluster}/{service}"),
            {"ecs:cluster": _arn(caller, "ecs", f"cluster/{cluster}")})


def pipeline_caller(
    *, account: str, region: str, pipeline: str, role_arn: str
) -> Caller:
    """CodePipeline assumes the pipeline's (or the action's) role for each action."""
    try:
        return assume(
            account=account, region=region, role_arn=role_arn, service=PIPELINE_PRINCIPAL,
            source_arn=f"arn:aws:codepipeline:{region}:{account}:{pipeline}",
        )
    except AssumeRoleDenied:
        raise ActionRefused(
            f"CodePipeline is not authorized to perform AssumeRole on role {role_arn}"
        ) from None


def _call(caller: Caller, service_name: str, action: str, resource: str,
          context: Mapping[str, str] | None = None) -> None:
    try:
        caller.authorize(action, resource, context)
    except AccessDenied as denied:
        raise ActionRefused(
            f"Insufficient permissions: The provided role does not have sufficient "
            f"permissions. {denied.message} (Service: {service_name}; Status Code: 400; "
            f"Error Code: AccessDeniedException)"
        ) from None


def read_artifacts(caller: Caller, locations: Iterable[Mapping[str, str]]) -> None:
    for location in locations:
        _call(caller, "Amazon S3", "s3:GetObject",
              object_arn(location["bucket"], location["key"]))


def write_artifacts(caller: Caller, locations: Iterable[Mapping[str, str]]) -> None:
    for location in locations:
        _call(caller, "Amazon S3", "s3:PutObject",
              object_arn(location["bucket"], location["key"]))


def source(caller: Caller, provider: str, config: Mapping[str, str]) -> None:
    """What a source action reads, by provider."""
    if provider == "CodeStarSourceConnection":
        arn = config.get("ConnectionArn", "")
        service = arn.split(":")[2] if arn.count(":") >= 5 else "codestar-connections"
        repository = config.get("FullRepositoryId", "")
        _call(caller, "AWS CodeConnections", f"{service}:UseConnection", arn, {
            f"{service}:FullRepositoryId": repository,
            f"{service}:BranchName": config.get("BranchName", ""),
            f"{service}:OwnerId": repository.split("/", 1)[0],
            f"{service}:RepositoryName": repository.split("/", 1)[-1],
            f"{service}:ProviderAction": "GitPull",
        })
    elif provider == "CodeCommit":
        repository = _arn(caller, "codecommit", config.get("RepositoryName", ""))
        for action in CODECOMMIT_SOURCE_CALLS:
            _call(caller, "AWSCodeCommit", action, repository)
    elif provider == "S3":
        bucket, key = config.get("S3Bucket", ""), config.get("S3ObjectKey", "")
        _call(caller, "Amazon S3", "s3:GetBucketVersioning", f"arn:aws:s3:::{bucket}")
        _call(caller, "Amazon S3", "s3:GetObject", object_arn(bucket, key))
        _call(caller, "Amazon S3", "s3:GetObjectVersion", object_arn(bucket, key))


def start_build(caller: Caller, project: str) -> None:
    arn = _arn(caller, "codebuild", f"project/{project}")
    _call(caller, "AWSCodeBuild", "codebuild:StartBuild", arn)
    _call(caller, "AWSCodeBuild", "codebuild:BatchGetBuilds", arn)


def describe_service(caller: Caller, cluster: str, service: str) -> None:
    _call(caller, "AmazonECS", "ecs:DescribeServices", *ecs_service(caller, cluster, service))
    # DescribeTaskDefinition has no resource type: it is authorized on "*".
    _call(caller, "AmazonECS", "ecs:DescribeTaskDefinition", "*")


def register_revision(
    caller: Caller, family: str, revision: int, tags: Any, roles: Iterable[str]
) -> None:
    """RegisterTaskDefinition (and the tags it copies), passing the revision's roles."""
    arn = _arn(caller, "ecs", f"task-definition/{family}:{revision}")
    _call(caller, "AmazonECS", "ecs:RegisterTaskDefinition", arn)
    if tags:
        _call(caller, "AmazonECS", "ecs:TagResource", arn,
              {"ecs:CreateAction": "RegisterTaskDefinition"})
    for role in roles:
        _call(caller, "AWS IAM", "iam:PassRole", role,
              {"iam:PassedToService": ECS_TASKS_PRINCIPAL})


def update_service(caller: Caller, cluster: str, service: str) -> None:
    _call(caller, "AmazonECS", "ecs:UpdateService", *ecs_service(caller, cluster, service))


def watch_tasks(caller: Caller, cluster: str, task_arns: Iterable[str]) -> None:
    """How the deploy action follows the rollout: ListTasks, then DescribeTasks."""
    cluster_arn = _arn(caller, "ecs", f"cluster/{cluster}")
    _call(caller, "AmazonECS", "ecs:ListTasks", "*", {"ecs:cluster": cluster_arn})
    for task in task_arns:
        _call(caller, "AmazonECS", "ecs:DescribeTasks", task, {"ecs:cluster": cluster_arn})
