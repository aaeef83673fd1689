"""One run as the steps of its critical path, from the timestamps AWS reports.

Actions come from ListActionExecutions (start and last update: the action's own
duration as CodePipeline reports it); the build's phases from BatchGetBuilds; the ECS
rollout's steps from the deployment's tasks (created, image pull, started, the old
tasks' stop) and the service's events (steady state). Time no action ran is a gap, and
shown as one: it is CodePipeline's own.
"""

from __future__ import annotations

from typing import Any

from pipectl.insights.evidence import Doc, Evidence
from pipectl.insights.model import ACTION, GAP, PHASE, ROLLOUT, Step
from pipectl.runs.values import epoch

#: Shorter gaps are clock noise, not time anyone could win back.
MIN_GAP = 0.05
STEADY_EVENT = "has reached a steady state"


def run_steps(evidence: Evidence, execution: Doc, now: float) -> tuple[Step, ...]:
    execution_id = str(execution["pipelineExecutionId"])
    started = epoch(execution.get("startTime")) or 0.0
    steps: list[Step] = []
    cursor = started
    for detail in evidence.actions.get(execution_id, []):
        action = action_step(detail, now)
        if action is None:
            continue
        if action.start - cursor > MIN_GAP:
            name = "start of the run" if cursor == started else "transition"
            steps.append(Step(action.stage, None, GAP, name, cursor, action.start - cursor))
        steps.append(action)
        steps.extend(_inner_steps(evidence, detail, action))
        cursor = max(cursor, action.end)
    return tuple(steps)


def action_step(detail: Doc, now: float) -> Step | None:
    start = epoch(detail.get("startTime"))
    if start is None:
        return None
    end = epoch(detail.get("lastUpdateTime")) or start
    if detail.get("status") == "InProgress":
        end = max(end, now)
    return Step(str(detail.get("stageName")), str(detail.get("actionName")), ACTION,
                str(detail.get("actionName")), start, max(0.0, end - start))


def provider(detail: Doc) -> str | None:
    type_id = (detail.get("input") or {}).get("actionTypeId") or {}
    value = type_id.get("provider")
    return str(value) if value else None


def _inner_steps(evidence: Evidence, detail: Doc, action: Step) -> list[Step]:
    result = (detail.get("output") or {}).get("executionResult") or {}
    external = result.get("externalExecutionId")
    if not external:
        return []
    if provider(detail) == "CodeBuild" and external in evidence.builds:
        return phase_steps(evidence.builds[str(external)], action)
    if provider(detail) == "ECS":
        return rollout_steps(evidence, str(external), action)
    return []


def phase_steps(build: Doc, action: Step) -> list[Step]:
    steps = []
    for phase in build.get("phases") or []:
        name = str(phase.get("phaseType"))
        start = epoch(phase.get("startTime"))
        if name == "COMPLETED" or start is None:
            continue
        end = epoch(phase.get("endTime"))
        duration = (end - start) if end is not None else float(
            phase.get("durationInSeconds") or 0)
        steps.append(Step(action.stage, action.action, PHASE, name, start, max(0.0, duration)))
    return steps


def rollout_steps(evidence: Evidence, deployment_id: str, action: Step) -> list[Step]:
    """tasks placed, image pulled, running, healthy, old tasks drained, steady.

    Each step is named after the milestone reached at its end. A milestone without
    timestamps (tasks ECS no longer lists, an image pull it did not time) is left out.
    """
    new = evidence.tasks_started_by(deployment_id)
    old = evidence.tasks_replaced_by(deployment_id)
    marks: list[tuple[str, float | None, float | None]] = []
    placed = _first(new, "createdAt")
    pull_start, pull_end = _first(new, "pullStartedAt"), _last(new, "pullStoppedAt")
    running = _last(new, "startedAt")
    drain_start, drain_end = _first(old, "stoppingAt"), _last(old, "stoppedAt")
    marks.append(("tasks placed", action.start, placed))
    marks.append(("image pulled", pull_start, pull_end))
    marks.append(("running", pull_end or placed, running))
    if old:
        marks.append(("healthy", running, drain_start))
        marks.append(("old tasks drained", drain_start, drain_end))
    settled_from = drain_end or running
    steady = _steady_at(evidence, settled_from, action.end)
    marks.append(("steady", settled_from, steady))
    steps = []
    for name, start, end in marks:
        if start is not None and end is not None and end >= start:
            steps.append(Step(action.stage, action.action, ROLLOUT, name, start, end - start))
    return steps


def _first(tasks: list[Doc], key: str) -> float | None:
    values = [v for t in tasks if (v := epoch(t.get(key))) is not None]
    return min(values) if values else None


def _last(tasks: list[Doc], key: str) -> float | None:
    values = [v for t in tasks if (v := epoch(t.get(key))) is not None]
    return max(values) if values else None


def _steady_at(evidence: Evidence, after: float | None, limit: float) -> float | None:
    if after is None or evidence.service is None:
        return None
    times: list[Any] = [
        epoch(e.get("createdAt")) for e in evidence.service.get("events") or []
        if STEADY_EVENT in str(e.get("message") or "")
    ]
    found = [t for t in times if t is not None and after - 0.001 <= t <= limit + 1]
    return min(found) if found else None
