"""From the command line's context to the desired state: spec, account, region, task def."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from pipectl.plan.calls import read
from pipectl.resources.common import Placement
from pipectl.resources.desired import (
    DesiredState,
    desired_state,
    load_buildspec_text,
    load_task_definition,
)

if TYPE_CHECKING:
    from pathlib import Path

    from pipectl.aws.session import AwsSession
    from pipectl.spec.model import Spec

ROLE_KEYS = ("executionRoleArn", "taskRoleArn")


def running_task_roles(aws: AwsSession, cluster: str, service: str) -> tuple[str, ...]:
    """The roles of the revision the service runs: the ECS deploy action passes them.

    It registers each new revision from that one (not from the task definition file),
    so the pipeline role must be allowed to pass its roles too. No service, no roles.
    """
    got = read(aws, "ecs", "DescribeServices", service, {"ClusterNotFoundException"},
               cluster=cluster, services=[service])
    live = [s for s in (got or {}).get("services", []) if s.get("status") == "ACTIVE"]
    if not live or not live[0].get("taskDefinition"):
        return ()
    revision = str(live[0]["taskDefinition"])
    described = read(aws, "ecs", "DescribeTaskDefinition", revision, {"ClientException"},
                     taskDefinition=revision)
    document = (described or {}).get("taskDefinition") or {}
    return tuple(str(document[k]) for k in ROLE_KEYS if document.get(k))


def build_desired_state(spec: Spec, aws: AwsSession, spec_path: Path | None = None) -> DesiredState:
    """The account comes from STS, once, and the running revision's roles from ECS (both
    read at the same time); everything else from the spec and its files."""
    task_definition = load_task_definition(spec.deploy.task_definition, spec_path)
    buildspec = load_buildspec_text(spec.build.buildspec, spec_path) \
        if spec.build.inline_buildspec else None
    names = spec.names
    if spec.pipeline.role_arn:
        # An existing pipeline role gets no policy from pipectl: no roles to pass in one.
        placement = Placement(aws.account_id(), aws.region)
        return desired_state(spec, placement, task_definition, buildspec_text=buildspec)
    with ThreadPoolExecutor(max_workers=2) as pool:
        account = pool.submit(aws.account_id)
        running = pool.submit(running_task_roles, aws, names.cluster, names.service)
        placement = Placement(account.result(), aws.region)
        running_roles = running.result()
    return desired_state(spec, placement, task_definition, running_roles,
                         buildspec_text=buildspec)
