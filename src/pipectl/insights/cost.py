"""What a run costs, and a month at the observed rate (estimates from ``prices``)."""

from __future__ import annotations

import math

from pipectl.insights import prices
from pipectl.insights.evidence import Doc, Evidence
from pipectl.insights.model import ACTION, RunCost, Step, Unpriced
from pipectl.insights.timeline import provider
from pipectl.runs.values import epoch

SECONDS_PER_MONTH = 30 * 86400.0
#: The shortest span of run starts a monthly rate is drawn from: two runs seconds apart
#: (a test, a retry) say nothing of how often the pipeline runs, and scaled to a month
#: they make thousands of runs.
MIN_RATE_WINDOW_S = 3600.0


def billed_minutes(seconds: float) -> int:
    """The minutes AWS bills for ``seconds`` of CodeBuild or action time: rounded up, one
    at the least."""
    return math.ceil(max(seconds, 1.0) / 60)


def run_cost(evidence: Evidence, build: Doc | None, steps: tuple[Step, ...],
             deployment_id: str | None) -> RunCost:
    return RunCost(
        codebuild_usd=codebuild_cost(evidence, build),
        codepipeline_usd=codepipeline_cost(evidence, steps),
        fargate_usd=fargate_overlap_cost(evidence, deployment_id),
    )


def codebuild_cost(evidence: Evidence, build: Doc | None) -> float | None:
    if build is None:
        return 0.0
    start, end = epoch(build.get("startTime")), epoch(build.get("endTime"))
    if start is None or end is None:
        return None  # still running: no bill yet
    compute = ((build.get("environment") or {}).get("computeType")
               or evidence.compute_type or "")
    rate = prices.CODEBUILD_PER_MINUTE.get(str(compute))
    if rate is None:
        return None
    return billed_minutes(end - start) * rate


def codepipeline_cost(evidence: Evidence, steps: tuple[Step, ...]) -> float:
    if evidence.pipeline_type != "V2":
        return 0.0  # V1 is a monthly fee per active pipeline, not per run
    minutes = sum(billed_minutes(s.duration) for s in steps if s.kind == ACTION)
    return minutes * prices.CODEPIPELINE_V2_PER_ACTION_MINUTE


def fargate_overlap_cost(evidence: Evidence, deployment_id: str | None) -> float:
    """The new tasks' time while the old ones still ran: what a rolling update adds.

    Fargate bills a task from the start of its image pull; the overlap ends when the
    last old task has stopped.
    """
    if deployment_id is None:
        return 0.0
    old_stopped = [epoch(t.get("stoppedAt")) for t in evidence.tasks_replaced_by(deployment_id)]
    end = max((s for s in old_stopped if s is not None), default=None)
    if end is None:
        return 0.0
    total = 0.0
    for task in evidence.tasks_started_by(deployment_id):
        begin = epoch(task.get("pullStartedAt")) or epoch(task.get("createdAt"))
        if begin is None or end <= begin:
            continue
        hours = (end - begin) / 3600
        total += hours * task_hourly_rate(task)
    return total


def task_hourly_rate(task: Doc) -> float:
    vcpu = _number(task.get("cpu"), 256) / 1024
    memory_gb = _number(task.get("memory"), 512) / 1024
    return vcpu * prices.FARGATE_PER_VCPU_HOUR + memory_gb * prices.FARGATE_PER_GB_HOUR


def storage_per_month(evidence: Evidence) -> float | None:
    if not evidence.images:
        return None
    size = sum(int(i.get("imageSizeInBytes") or 0) for i in evidence.images)
    return size / 1024**3 * prices.ECR_PER_GB_MONTH


#: Why the Commands action's compute has no estimate.
COMMANDS_UNPRICED = ("CodePipeline runs the Commands action on CodeBuild compute it manages "
                     "and bills as CodeBuild time, but does not say which compute type, so "
                     "no rate applies")


def not_included(evidence: Evidence) -> tuple[Unpriced, ...]:
    """Commands actions (pipectl's ScaleUp among them): their CodeBuild minutes, unpriced.

    The action's CodePipeline action-minutes are in the estimate; the CodeBuild compute
    AWS charges besides (its action reference says so) is not: a guessed rate would be
    a wrong number presented as a right one.
    """
    minutes: dict[str, int] = {}
    for details in evidence.actions.values():
        for detail in details:
            if provider(detail) != "Commands":
                continue
            start, end = epoch(detail.get("startTime")), epoch(detail.get("lastUpdateTime"))
            if start is None or end is None or detail.get("status") == "InProgress":
                continue
            key = f"{detail.get('stageName')}/{detail.get('actionName')}"
            minutes[key] = minutes.get(key, 0) + billed_minutes(end - start)
    return tuple(Unpriced(action, n, COMMANDS_UNPRICED) for action, n in sorted(minutes.items()))


def fixed_per_month(evidence: Evidence) -> float:
    return prices.CODEPIPELINE_V1_PER_MONTH if evidence.pipeline_type == "V1" else 0.0


def runs_per_month(starts: list[float]) -> float | None:
    """The observed rate; None from fewer than two runs, or from runs that all started
    within ``MIN_RATE_WINDOW_S`` (no rate to speak of)."""
    if len(starts) < 2:
        return None
    span = max(starts) - min(starts)
    if span < MIN_RATE_WINDOW_S:
        return None
    return (len(starts) - 1) / span * SECONDS_PER_MONTH


def _number(value: object, default: float) -> float:
    try:
        return float(str(value))
    except (TypeError, ValueError):
        return default
