"""Send what one planner asks for, as the executor does when it applies a step."""

from __future__ import annotations

from typing import Any

from pipectl.aws.session import AwsSession
from pipectl.plan.base import Planner
from pipectl.plan.executor import ApplyContext, apply_requests
from pipectl.plan.model import FieldDiff, Observed


def _ctx(aws: AwsSession) -> ApplyContext:
    return ApplyContext(aws, sleep=lambda _: None)


def create(aws: AwsSession, planner: Planner[Any], desired: Any) -> None:
    apply_requests(_ctx(aws), planner, desired, planner.create(desired))


def update(aws: AwsSession, planner: Planner[Any], desired: Any, observed: Observed,
           diffs: list[FieldDiff]) -> None:
    apply_requests(_ctx(aws), planner, desired, planner.update(desired, observed, diffs))


def delete(aws: AwsSession, planner: Planner[Any], desired: Any, observed: Observed) -> None:
    apply_requests(_ctx(aws), planner, desired, planner.delete(desired, observed))
