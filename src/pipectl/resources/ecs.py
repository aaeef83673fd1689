"""The ECS cluster, task definition and Fargate service (only with deploy.create_service)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipectl.resources.common import Placement, tag_list
from pipectl.spec.taskdef_input import DESCRIBE_ONLY_KEYS as DESCRIBE_OUTPUT_KEYS

#: Keys RegisterTaskDefinition does not take (the file's are gone already: see
#: pipectl.spec.taskdef_input); pipectl sets the tags itself.
DESCRIBE_ONLY_KEYS = frozenset({*DESCRIBE_OUTPUT_KEYS, "tags"})


#: The spec's defaults: the breaker on with rollback, no alarms, ECS's default bounds.
DEFAULT_ROLLOUT: dict[str, Any] = {
    "deploymentCircuitBreaker": {"enable": True, "rollback": True},
    "alarms": {"alarmNames": [], "enable": False, "rollback": False},
    "minimumHealthyPercent": 100,
    "maximumPercent": 200,
}


@dataclass(frozen=True)
class Cluster:
    name: str
    placement: Placement
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return self.placement.arn("ecs", f"cluster/{self.name}")

    def create_request(self) -> dict[str, Any]:
        return {"clusterName": self.name, "tags": tag_list(self.tags, "key", "value")}


@dataclass(frozen=True)
class TaskDefinition:
    """The first revision, registered from the task definition file.

    Once the service runs, the pipeline's deploy action owns the image of
    ``container``: it registers a revision per deploy, so pipectl compares everything
    but that image.
    """

    family: str
    container: str
    document: dict[str, Any]  # RegisterTaskDefinition's input, from the file
    cluster: str  # where the service that runs it lives
    service: str
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(
            str(self.document[k]) for k in ("executionRoleArn", "taskRoleArn")
            if self.document.get(k)
        )

    def register_request(self, image: str | None = None) -> dict[str, Any]:
        """The request; ``image`` keeps the image the deploy action last rolled out."""
        document = {k: v for k, v in self.document.items() if k not in DESCRIBE_ONLY_KEYS}
        if image is not None:
            document["containerDefinitions"] = [
                {**c, "image": image} if c.get("name") == self.container else c
                for c in document.get("containerDefinitions", [])
            ]
        return {**document, "tags": tag_list(self.tags, "key", "value")}


@dataclass(frozen=True)
class Service:
    name: str
    cluster: str
    placement: Placement
    task_family: str
    desired_count: int
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    assign_public_ip: bool
    tags: dict[str, str] = field(default_factory=dict)
    # deploymentConfiguration from deploy.circuit_breaker, deploy.alarms and the bounds.
    rollout: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_ROLLOUT))

    @property
    def arn(self) -> str:
        return self.placement.arn("ecs", f"service/{self.cluster}/{self.name}")

    @property
    def network_configuration(self) -> dict[str, Any]:
        vpc: dict[str, Any] = {
            "subnets": list(self.subnets),
            "assignPublicIp": "ENABLED" if self.assign_public_ip else "DISABLED",
        }
        if self.security_groups:
            vpc["securityGroups"] = list(self.security_groups)
        return {"awsvpcConfiguration": vpc}

    @property
    def deployment_configuration(self) -> dict[str, Any]:
        return dict(self.rollout)

    def create_request(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster,
            "serviceName": self.name,
            "taskDefinition": self.task_family,  # the family: its latest ACTIVE revision
            # No task: that revision's image is the file's placeholder. The pipeline raises
            # the count after its first deploy (pipectl.resources.first_deploy).
            "desiredCount": 0,
            "launchType": "FARGATE",
            "networkConfiguration": self.network_configuration,
            "deploymentConfiguration": self.deployment_configuration,
            "propagateTags": "SERVICE",
            "tags": tag_list(self.tags, "key", "value"),
        }

    def update_request(self, *, with_count: bool = True) -> dict[str, Any]:
        """What pipectl converges on an existing service: never its task definition, and
        its desired count only when asked (not while the service waits, at 0, for the
        pipeline's first deploy)."""
        request: dict[str, Any] = {"cluster": self.cluster, "service": self.name}
        if with_count:
            request["desiredCount"] = self.desired_count
        request["networkConfiguration"] = self.network_configuration
        request["deploymentConfiguration"] = self.deployment_configuration
        return request
