"""What changed in a run between two looks: one plain line and one JSON object each
(the run, its stages and actions, build phases and log lines; an ECS rollout's changes
come from :mod:`pipectl.runs.deploy_changes`)."""

from __future__ import annotations

from typing import Any

from pipectl.runs.deploy_changes import deploy_changes
from pipectl.runs.model import Change, RunSnapshot
from pipectl.runs.progress import BuildProgress
from pipectl.runs.values import format_duration
from pipectl.runs.views import ActionView


def describe_changes(before: RunSnapshot | None, after: RunSnapshot) -> list[Change]:
    at = after.now
    changes: list[Change] = []
    if before is None:
        revision = f" at {after.revision[:12]}" if after.revision else ""
        changes.append(Change("started", f"watching run {after.execution_id} of "
                              f"{after.pipeline}{revision}: {after.status}", at,
                              {"execution_id": after.execution_id, "pipeline": after.pipeline,
                               "status": after.status, "revision": after.revision}))
    elif before.status != after.status:
        changes.append(Change("run", f"run {after.status}", at, {"status": after.status}))
    old_stages = {s.name: s for s in before.stages} if before else {}
    for stage in after.stages:
        old_stage = old_stages.get(stage.name)
        if stage.status != "Pending" and (old_stage is None or old_stage.status != stage.status):
            changes.append(Change("stage", f"stage {stage.name}: {stage.status}", at,
                                  {"stage": stage.name, "status": stage.status}))
        old_actions = {a.name: a for a in old_stage.actions} if old_stage else {}
        for action in stage.actions:
            changes.extend(_action_changes(old_actions.get(action.name), action, at))
    return changes


def _action_changes(before: ActionView | None, after: ActionView, at: float) -> list[Change]:
    where = f"{after.stage}/{after.name}"
    base = {"stage": after.stage, "action": after.name}
    changes: list[Change] = []
    if after.status != "Pending" and (before is None or before.status != after.status):
        detail = ""
        if after.status in ("Failed", "Abandoned") and (after.error_message or after.summary):
            detail = f": {after.error_message or after.summary}"
        changes.append(Change("action", f"{where}: {after.status}{detail}", at,
                              {**base, "status": after.status, "summary": after.summary,
                               "error": after.error_message,
                               "external_id": after.external_id}))
    changes.extend(_build_changes(before.build if before else None, after.build, where, base, at))
    changes.extend(deploy_changes(before.deploy if before else None, after.deploy, where,
                                   base, at))
    return changes


def _build_changes(
    before: BuildProgress | None, after: BuildProgress | None, where: str,
    base: dict[str, Any], at: float,
) -> list[Change]:
    if after is None:
        return []
    changes: list[Change] = []
    done_before = {p.name for p in before.done_phases} if before else set()
    for phase in after.done_phases:
        if phase.name not in done_before:
            took = f" in {format_duration(phase.duration)}" if phase.duration is not None else ""
            note = f": {phase.message}" if phase.message and phase.status != "SUCCEEDED" else ""
            changes.append(Change("phase", f"{where}: {phase.name} {phase.status}{took}{note}",
                                  at, {**base, "phase": phase.name, "status": phase.status,
                                       "duration_seconds": phase.duration,
                                       "message": phase.message}))
    if after.current_phase and after.status == "IN_PROGRESS" and (
        before is None or before.current_phase != after.current_phase
    ):
        changes.append(Change("phase", f"{where}: {after.current_phase} started", at,
                              {**base, "phase": after.current_phase, "status": "IN_PROGRESS"}))
    fresh = after.log_total - (before.log_total if before else 0)
    for line in after.log_tail[-fresh:] if fresh > 0 else ():
        changes.append(Change("log", f"{where} | {line}", at, {**base, "line": line}))
    return changes
