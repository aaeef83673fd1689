"""Build the desired state of every resource from the spec (pure: no AWS calls)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipectl.errors import InvalidInput
from pipectl.resources.bucket import ArtifactBucket
from pipectl.resources.common import Placement, managed_tags
from pipectl.resources.ecs import Cluster, Service, TaskDefinition
from pipectl.resources.events import SourceEvents, retired_source_events, source_events
from pipectl.resources.first_deploy import commands_log_group
from pipectl.resources.logs import LogGroup, awslogs_groups
from pipectl.resources.pipeline import Pipeline
from pipectl.resources.project import BuildProject, env_vars
from pipectl.resources.repository import Repository
from pipectl.resources.roles import (
    DeployTarget,
    Role,
    SecretRefs,
    codebuild_policy,
    pipeline_policy,
)
from pipectl.spec.taskdef_input import normalise
from pipectl.spec.taskdef_roles import ROLE_FIELDS, role_problem

if TYPE_CHECKING:
    from pipectl.spec.model import Spec


@dataclass(frozen=True)
class EcsResources:
    cluster: Cluster
    task_definition: TaskDefinition
    service: Service
    #: The task's awslogs groups: pipectl creates them, with the spec's retention.
    log_groups: tuple[LogGroup, ...] = ()


@dataclass(frozen=True)
class DesiredState:
    """Everything ``create`` converges, in dependency order of creation."""

    pipeline_name: str
    placement: Placement
    bucket: ArtifactBucket
    repository: Repository
    #: None when the spec names an existing role (build.role_arn, pipeline.role_arn):
    #: pipectl then neither creates nor changes one.
    codebuild_role: Role | None
    pipeline_role: Role | None
    project: BuildProject
    ecs: EcsResources | None
    pipeline: Pipeline
    #: The EventBridge rule (and its role) that starts runs of a CodeCommit or S3 source.
    source_events: SourceEvents | None = None
    #: pipectl's rule and role when another rule starts the runs (change_detection:
    #: existing): deleted if they are there from before.
    retired_source_events: SourceEvents | None = None


def load_buildspec_text(path_text: str, spec_path: Path | None = None) -> str:
    """The local buildspec file of ``build.inline_buildspec``, as the project gets it."""
    from pipectl.spec.paths import find_project_file

    found = find_project_file(path_text, spec_path or Path("config/pipeline.yml"))
    if found is None:
        raise InvalidInput(
            f"build.buildspec: {path_text} does not exist (build.inline_buildspec puts that "
            "local file into the project)",
            hint="point build.buildspec at the file, or drop build.inline_buildspec")
    try:
        # Bytes as they are (no newline translation): the project holds this exact text.
        return found.read_bytes().decode("utf-8")
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path_text}: cannot read the buildspec: {exc}",
                           hint="run `pipectl validate` for details") from None


def load_task_definition(path_text: str, spec_path: Path | None = None) -> dict[str, Any]:
    """The task definition file as RegisterTaskDefinition's input.

    ``validate`` checks it in depth; here it only has to be readable JSON with a family.
    describe-task-definition output and console exports are taken as ``validate`` takes
    them: unwrapped, without ECS-set keys and nulls (pipectl.spec.taskdef_input).
    A relative path is taken from the current directory, else from the directory
    that holds the spec's ``config/`` folder.
    """
    path = Path(path_text)
    candidates = [path]
    if not path.is_absolute() and spec_path is not None:
        candidates.append(spec_path.resolve().parent.parent / path)
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        raise InvalidInput(
            f"deploy.task_definition: {path_text} does not exist",
            hint="create it with `pipectl init`, or point deploy.task_definition at it",
        )
    try:
        data = normalise(json.loads(found.read_text(encoding="utf-8"))).data
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path_text}: cannot read the task definition: {exc}",
                           hint="run `pipectl validate` for details") from None
    if not isinstance(data, dict) or not isinstance(data.get("family"), str):
        raise InvalidInput(f"{path_text}: a task definition needs a \"family\"",
                           hint="run `pipectl validate` for details")
    for key in ROLE_FIELDS:  # they go into the pipeline role's iam:PassRole statement
        problem = role_problem(data[key]) if isinstance(data.get(key), str) else None
        if problem is not None:
            raise InvalidInput(f"{path_text}: {key} {problem}",
                               hint="run `pipectl validate` for details")
    return data


def role_arn(placement: Placement, role: str) -> str:
    """A role as ECS takes it (a name or an ARN), as the ARN an IAM policy must name."""
    if role.startswith("arn:"):
        return role
    return f"arn:{placement.partition}:iam::{placement.account}:role/{role.lstrip('/')}"


def desired_state(
    spec: Spec, placement: Placement, task_definition: dict[str, Any],
    running_roles: Sequence[str] = (), *, buildspec_text: str | None = None,
) -> DesiredState:
    """The desired state; ``running_roles`` are those of the revision the service runs,
    ``buildspec_text`` the local buildspec's content, with ``build.inline_buildspec``."""
    names = spec.names
    tags = managed_tags(spec.tags, spec.name)
    bucket = ArtifactBucket(names.bucket(placement.account, placement.region),
                            placement.region, placement, tags, existing=spec.artifacts.existing)
    repository = Repository(names.repository, placement, spec.image.scan_on_push,
                            spec.image.immutable_tags, spec.image.keep_images, tags)
    project_arn = placement.arn("codebuild", f"project/{names.project}")
    codebuild_role = None if spec.build.role_arn else Role(
        names.codebuild_role, placement, "codebuild.amazonaws.com",
        codebuild_policy(placement=placement, project=names.project,
                         repository_arn=repository.arn, bucket_arn=bucket.arn,
                         secrets=SecretRefs.from_spec(spec.build.secrets),
                         pipeline=names.pipeline),
        f"CodeBuild role of pipeline {spec.name} (managed by pipectl)", tags,
        source_arn=project_arn)
    task = TaskDefinition(str(task_definition["family"]), spec.deploy.container,
                          task_definition, names.cluster, names.service, tags)
    # The deploy action passes the roles of the revision the service runs; the next
    # revisions carry the file's. A bare role name in a policy is MalformedPolicyDocument.
    passed = dict.fromkeys(role_arn(placement, r) for r in (*task.roles, *running_roles))
    deploy = DeployTarget(names.cluster, names.service, task.family, tuple(passed))
    create = spec.deploy.create_service
    # The service pipectl creates starts with no task; the pipeline raises it after its
    # first deploy (pipectl.resources.first_deploy). None: no such action.
    scale_up_to = create.desired_count if create is not None and create.desired_count else None
    pipeline_role = None if spec.pipeline.role_arn else Role(
        names.pipeline_role, placement, "codepipeline.amazonaws.com",
        pipeline_policy(placement=placement, bucket_arn=bucket.arn, project_arn=project_arn,
                        deploy=deploy, source=spec.source, pipeline=names.pipeline,
                        commands_log_group=commands_log_group(names.pipeline)
                        if scale_up_to else None),
        f"CodePipeline role of pipeline {spec.name} (managed by pipectl)", tags,
        source_arn=placement.arn("codepipeline", names.pipeline))
    build = spec.build
    if build.inline_buildspec and buildspec_text is None:
        raise InvalidInput("build.inline_buildspec: the buildspec's content was not read",
                           hint="this is a bug in pipectl")
    project = BuildProject(
        name=names.project, placement=placement, pipeline=spec.name,
        buildspec=buildspec_text if build.inline_buildspec and buildspec_text is not None
        else build.buildspec,
        image=build.image, compute_type=build.compute_type, privileged=build.privileged,
        timeout_minutes=build.timeout_minutes, local_cache=build.cache == "local",
        service_role_arn=build.role_arn or _arn(codebuild_role),
        environment_variables=env_vars(repository.uri, spec.deploy.container, build.env,
                                       build.secrets, image_variables=build.image_variables),
        tags=tags,
    )
    ecs: EcsResources | None = None
    if create is not None:
        ecs = EcsResources(
            Cluster(names.cluster, placement, tags),
            task,
            Service(names.service, names.cluster, placement, task.family, create.desired_count,
                    tuple(create.subnets), tuple(create.security_groups),
                    create.assign_public_ip, tags, spec.deploy.deployment_configuration()),
            # The task's awslogs groups, and the ScaleUp action's: CodePipeline would make
            # that one with no retention, and destroy would leave it behind.
            tuple(LogGroup(group, placement, spec.deploy.log_retention_days, tags)
                  for group in (*awslogs_groups(task_definition, placement.region),
                                *([commands_log_group(names.pipeline)] if scale_up_to
                                  else []))),
        )
    pipeline = Pipeline(
        name=names.pipeline, placement=placement,
        role_arn=spec.pipeline.role_arn or _arn(pipeline_role),
        bucket=bucket.name, pipeline_type=spec.pipeline.type,
        execution_mode=spec.pipeline.execution_mode, variables=dict(spec.pipeline.variables),
        source=spec.source, project=names.project, cluster=names.cluster,
        service=names.service, deploy_timeout_minutes=spec.deploy.timeout_minutes, tags=tags,
        triggers=spec.pipeline.triggers, scale_up_to=scale_up_to,
    )
    return DesiredState(spec.name, placement, bucket, repository, codebuild_role,
                        pipeline_role, project, ecs, pipeline,
                        source_events(spec.source, placement, names, tags),
                        retired_source_events(spec.source, placement, names, tags))


def _arn(role: Role | None) -> str:
    assert role is not None, "a role is None only when the spec gives its ARN"
    return role.arn
