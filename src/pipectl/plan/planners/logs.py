"""The task's CloudWatch log group and its retention (only with deploy.create_service)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipectl.aws.session import AwsSession
from pipectl.plan.base import Planner, changed
from pipectl.plan.calls import call
from pipectl.plan.model import FieldDiff, Observed
from pipectl.plan.requests import Request, Requests
from pipectl.resources.logs import LogGroup

if TYPE_CHECKING:
    from pipectl.resources.desired import DesiredState


class LogGroupPlanner(Planner[LogGroup]):
    kind = "logs-log-group"
    title = "CloudWatch log group"
    exists_codes = frozenset({"ResourceAlreadyExistsException"})

    def targets(self, state: DesiredState) -> list[LogGroup]:
        return list(state.ecs.log_groups) if state.ecs else []

    def read(self, aws: AwsSession, desired: LogGroup) -> Observed | None:
        # Names sort before every longer name they prefix: the group, if it exists, is
        # the first one listed.
        got = call(aws, "logs", "DescribeLogGroups", desired.name,
                   logGroupNamePrefix=desired.name, limit=1)
        found = [g for g in got.get("logGroups", []) if g.get("logGroupName") == desired.name]
        if not found:
            return None
        group = found[0]
        arn = str(group.get("logGroupArn") or desired.arn)
        tags = call(aws, "logs", "ListTagsForResource", desired.name, resourceArn=arn)
        return Observed({"retentionInDays": group.get("retentionInDays")},
                        {str(k): str(v) for k, v in (tags.get("tags") or {}).items()},
                        {"arn": arn})

    def fields(self, desired: LogGroup) -> dict[str, Any]:
        return {"retentionInDays": desired.retention_days, "tags": dict(desired.tags)}

    def create_note(self, desired: LogGroup) -> str:
        days = desired.retention_days
        return "logs never expire" if days is None else f"logs kept {days} days"

    def create(self, desired: LogGroup) -> Requests:
        requests: Requests = [Request("logs", "CreateLogGroup", desired.name,
                                      desired.create_request(), creates=True)]
        if desired.retention_days is not None:  # a new group's events never expire
            requests.append(self._retention(desired))
        return requests

    def update(self, desired: LogGroup, observed: Observed,
               diffs: list[FieldDiff]) -> Requests:
        requests: Requests = []
        if changed(diffs, "retentionInDays"):
            requests.append(self._retention(desired))
        if changed(diffs, "tags"):
            requests.append(Request("logs", "TagResource", desired.name, {
                "resourceArn": observed.facts.get("arn") or desired.arn,
                "tags": dict(desired.tags)}))
        return requests

    @staticmethod
    def _retention(desired: LogGroup) -> Request:
        if desired.retention_days is None:
            return Request("logs", "DeleteRetentionPolicy", desired.name,
                           {"logGroupName": desired.name})
        return Request("logs", "PutRetentionPolicy", desired.name, desired.retention_request())

    def holds_data(self, aws: AwsSession, desired: LogGroup,
                   observed: Observed) -> str | None:
        streams = call(aws, "logs", "DescribeLogStreams", desired.name,
                       logGroupName=desired.name, limit=1)
        return "it holds logs" if streams.get("logStreams") else None

    def delete(self, desired: LogGroup, observed: Observed) -> Requests:
        return [Request("logs", "DeleteLogGroup", desired.name, {"logGroupName": desired.name})]
