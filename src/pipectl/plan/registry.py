"""Every planner, in dependency order: a resource comes after what it refers to."""

from __future__ import annotations

from typing import Any

from pipectl.plan.base import Planner
from pipectl.plan.planners.codebuild import ProjectPlanner
from pipectl.plan.planners.codepipeline import PipelinePlanner
from pipectl.plan.planners.ecr import LifecyclePolicyPlanner, RepositoryPlanner
from pipectl.plan.planners.ecs import ClusterPlanner, ServicePlanner, TaskDefinitionPlanner
from pipectl.plan.planners.events import (
    EventRulePlanner,
    EventTargetPlanner,
    SourceBucketEventsPlanner,
)
from pipectl.plan.planners.iam import RolePlanner, RolePolicyPlanner
from pipectl.plan.planners.logs import LogGroupPlanner
from pipectl.plan.planners.retired import RetiredRolePlanner, RetiredRulePlanner
from pipectl.plan.planners.storage import (
    BucketPlanner,
    BucketPolicyPlanner,
    EncryptionPlanner,
    OwnershipPlanner,
    PublicAccessBlockPlanner,
    VersioningPlanner,
)

PLANNERS: tuple[Planner[Any], ...] = (
    BucketPlanner(),
    OwnershipPlanner(),
    VersioningPlanner(),
    EncryptionPlanner(),
    PublicAccessBlockPlanner(),
    BucketPolicyPlanner(),
    RepositoryPlanner(),
    LifecyclePolicyPlanner(),
    RolePlanner(),
    RolePolicyPlanner(),
    ProjectPlanner(),
    ClusterPlanner(),
    LogGroupPlanner(),  # before the task definition whose containers log to it
    TaskDefinitionPlanner(),
    ServicePlanner(),
    PipelinePlanner(),
    # What starts runs of a CodeCommit or S3 source: after the pipeline it targets (and
    # the role it starts it with); destroy removes the rule before the pipeline.
    SourceBucketEventsPlanner(),
    EventRulePlanner(),
    EventTargetPlanner(),
    # pipectl's rule and role from before source.change_detection: existing: deleted, the
    # rule (with its target) first.
    RetiredRulePlanner(),
    RetiredRolePlanner(),
)

_BY_KIND = {p.kind: p for p in PLANNERS}


def planner_for(kind: str) -> Planner[Any]:
    return _BY_KIND[kind]
