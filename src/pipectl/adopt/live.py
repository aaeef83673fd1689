"""Read what exists: the pipeline, then what its actions name. Read-only calls only.

Three rounds, each in parallel: the pipeline; its tags, the build project, the ECS
service, the artifact bucket's tags, the account and the EventBridge rules that start the
pipeline; the task definition the service runs and the ECR repository with its lifecycle
policy. Then, only for a service pipectl created, the retention of the task's log groups,
which the task definition names.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pipectl.adopt.model import Notes
from pipectl.adopt.stages import ThreeActions, three_actions
from pipectl.aws.session import AwsSession
from pipectl.errors import NotFound
from pipectl.plan.calls import call, read
from pipectl.plan.planners.events import rules_targeting
from pipectl.resources.common import ADOPTED_TAG, MANAGED_TAG, Placement, tag_dict
from pipectl.resources.logs import awslogs_groups


@dataclass(frozen=True)
class LivePipeline:
    """Everything import reads, as AWS returned it."""

    name: str
    account: str
    region: str
    declaration: dict[str, Any]
    tags: dict[str, str]
    actions: ThreeActions
    project: dict[str, Any]
    service: dict[str, Any]
    task_definition: dict[str, Any]
    bucket_tags: dict[str, str]
    repository: dict[str, Any] | None  # None: no repository found (or none named)
    repository_name: str | None
    lifecycle_policy: str | None
    #: The retention (days; None: never expire) of each awslogs group of the task, for a
    #: service pipectl created (it created the groups); empty otherwise.
    log_retention: dict[str, int | None]
    #: The EventBridge rules (default bus) that have the pipeline as a target: the
    #: console's for a CodeCommit or S3 source, pipectl's ``<name>-source-change``.
    source_rules: tuple[str, ...]
    arn: str


def _parallel(*calls: Callable[[], Any]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda fn: fn(), calls))


def read_pipeline(aws: AwsSession, name: str, notes: Notes) -> LivePipeline:
    got = read(aws, "codepipeline", "GetPipeline", name, {"PipelineNotFoundException"},
               name=name)
    if got is None:
        raise NotFound(f"pipeline {name} does not exist in {aws.region}",
                       operation="codepipeline:GetPipeline", resource=name,
                       hint="check the name (`aws codepipeline list-pipelines`) and --region")
    declaration = got["pipeline"]
    # The shape is checked before anything else is read: a refusal costs one call.
    actions = three_actions(name, declaration, aws.region, notes)
    arn = (got.get("metadata") or {}).get("pipelineArn") or \
        f"arn:aws:codepipeline:{aws.region}:{aws.account_id()}:{name}"
    project_name = str(actions.build["configuration"]["ProjectName"])
    deploy = actions.deploy["configuration"]
    cluster, service_name = str(deploy["ClusterName"]), str(deploy["ServiceName"])
    bucket = str((declaration.get("artifactStore") or {}).get("location") or "")
    tags, projects, services, bucket_tagging, account, rules = _parallel(
        lambda: call(aws, "codepipeline", "ListTagsForResource", name, resourceArn=arn),
        lambda: call(aws, "codebuild", "BatchGetProjects", project_name,
                     names=[project_name]),
        lambda: read(aws, "ecs", "DescribeServices", service_name,
                     {"ClusterNotFoundException"}, cluster=cluster,
                     services=[service_name], include=["TAGS"]),
        lambda: read(aws, "s3", "GetBucketTagging", bucket,
                     {"NoSuchTagSet", "NoSuchBucket"}, Bucket=bucket) if bucket else None,
        aws.account_id,
        lambda: rules_targeting(aws, arn, name),
    )
    project = next(iter(projects.get("projects") or []), None)
    if project is None:
        raise NotFound(f"CodeBuild project {project_name} (of the pipeline's build action) "
                       "does not exist", operation="codebuild:BatchGetProjects",
                       resource=project_name, hint="fix the pipeline's build action first")
    service = next((s for s in (services or {}).get("services", [])
                    if s.get("status") != "INACTIVE"), None)
    if service is None:
        raise NotFound(f"ECS service {service_name} in cluster {cluster} (of the pipeline's "
                       "deploy action) does not exist", operation="ecs:DescribeServices",
                       resource=service_name, hint="fix the pipeline's deploy action first")
    task_arn = str(service["taskDefinition"])
    repository_name = repository_of(project, aws.region, account)
    task, repository, policy = _parallel(
        lambda: call(aws, "ecs", "DescribeTaskDefinition", task_arn,
                     taskDefinition=task_arn, include=["TAGS"]),
        lambda: _repository(aws, repository_name),
        lambda: _lifecycle_policy(aws, repository_name),
    )
    task_definition = task["taskDefinition"]
    if repository_name is None:
        # No REPOSITORY_URI on the project: the image the service runs says where it is.
        repository_name = repository_from_images(task_definition, aws.region, account)
        repository, policy = _parallel(lambda: _repository(aws, repository_name),
                                       lambda: _lifecycle_policy(aws, repository_name))
    service_tags = tag_dict(service.get("tags"), "key", "value")
    managed = service_tags.get(MANAGED_TAG) == name and ADOPTED_TAG not in service_tags
    retention = _log_retention(aws, task_definition) if managed else {}
    return LivePipeline(
        name=name, account=account, region=aws.region, declaration=declaration,
        tags=tag_dict(tags.get("tags"), "key", "value"), actions=actions, project=project,
        service=service, task_definition=task_definition,
        bucket_tags=tag_dict((bucket_tagging or {}).get("TagSet")),
        repository=repository, repository_name=repository_name, lifecycle_policy=policy,
        log_retention=retention, source_rules=tuple(rules), arn=arn,
    )


def _log_retention(aws: AwsSession, task: dict[str, Any]) -> dict[str, int | None]:
    """The retention of the task's awslogs groups that exist (pipectl created them)."""
    out: dict[str, int | None] = {}
    for group in awslogs_groups(task, aws.region):
        got = call(aws, "logs", "DescribeLogGroups", group, logGroupNamePrefix=group, limit=1)
        for found in got.get("logGroups", []):
            if found.get("logGroupName") == group:
                out[group] = found.get("retentionInDays")
    return out


def _repository(aws: AwsSession, name: str | None) -> dict[str, Any] | None:
    if name is None:
        return None
    got = read(aws, "ecr", "DescribeRepositories", name, {"RepositoryNotFoundException"},
               repositoryNames=[name])
    return next(iter((got or {}).get("repositories") or []), None)


def _lifecycle_policy(aws: AwsSession, name: str | None) -> str | None:
    if name is None:
        return None
    got = read(aws, "ecr", "GetLifecyclePolicy", name,
               {"RepositoryNotFoundException", "LifecyclePolicyNotFoundException"},
               repositoryName=name)
    return str(got["lifecyclePolicyText"]) if got else None


def ecr_repository_in(uri: str, region: str, account: str) -> str | None:
    """The repository of an image URI in this account's registry here, else None."""
    registry = f"{Placement(account, region).ecr_registry}/"
    if not uri.startswith(registry):
        return None
    path = uri[len(registry):].split("@", 1)[0]
    last = path.rsplit("/", 1)
    if ":" in last[-1]:
        path = path.rsplit(":", 1)[0]
    return path or None


def repository_of(project: dict[str, Any], region: str, account: str) -> str | None:
    variables = (project.get("environment") or {}).get("environmentVariables") or []
    uri = next((str(v.get("value")) for v in variables if v.get("name") == "REPOSITORY_URI"
                and v.get("type", "PLAINTEXT") == "PLAINTEXT"), None)
    return ecr_repository_in(uri, region, account) if uri else None


def repository_from_images(task: dict[str, Any], region: str, account: str) -> str | None:
    for container in task.get("containerDefinitions") or []:
        found = ecr_repository_in(str(container.get("image") or ""), region, account)
        if found:
            return found
    return None
