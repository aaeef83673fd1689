"""The CloudWatch log group the task's containers write to (the awslogs driver's group).

pipectl creates it rather than the task definition asking the driver to
(``awslogs-create-group``): that option needs ``logs:CreateLogGroup`` on the execution
role, which the stock ``ecsTaskExecutionRole`` lacks, and a group the driver makes has no
retention, so its logs are kept (and billed) forever.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipectl.resources.common import Placement

AWSLOGS_GROUP = "awslogs-group"
AWSLOGS_REGION = "awslogs-region"


@dataclass(frozen=True)
class LogGroup:
    name: str
    placement: Placement
    #: None: the events never expire (no retention policy).
    retention_days: int | None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        # The form TagResource and ListTagsForResource take: without DescribeLogGroups'
        # trailing ":*".
        return self.placement.arn("logs", f"log-group:{self.name}")

    def create_request(self) -> dict[str, Any]:
        return {"logGroupName": self.name, "tags": dict(sorted(self.tags.items()))}

    def retention_request(self) -> dict[str, Any]:
        assert self.retention_days is not None
        return {"logGroupName": self.name, "retentionInDays": self.retention_days}


def awslogs_groups(document: Mapping[str, Any], region: str) -> list[str]:
    """The groups the task definition's containers log to with the awslogs driver, in
    this region; a group in another region (``awslogs-region``) is left to the user."""
    groups: list[str] = []
    for container in document.get("containerDefinitions") or []:
        config = container.get("logConfiguration") if isinstance(container, dict) else None
        if not isinstance(config, dict) or config.get("logDriver") != "awslogs":
            continue
        options = config.get("options")
        if not isinstance(options, dict):
            continue
        group = options.get(AWSLOGS_GROUP)
        if isinstance(group, str) and group and options.get(AWSLOGS_REGION, region) == region \
                and group not in groups:
            groups.append(group)
    return groups
