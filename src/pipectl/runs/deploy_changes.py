"""What changed in an ECS rollout between two looks: one plain line, one JSON object each.

The watch loop and ``pipectl rollback`` share it.
"""

from __future__ import annotations

from typing import Any

from pipectl.runs.deployment import deployment_facts, deployment_line
from pipectl.runs.model import Change
from pipectl.runs.progress import DeployProgress
from pipectl.runs.values import image_tag, task_definition_label


def deploy_changes(
    before: DeployProgress | None, after: DeployProgress | None, where: str,
    base: dict[str, Any], at: float,
) -> list[Change]:
    """What changed in an ECS rollout between two looks (watch and rollback share it)."""
    if after is None:
        return []
    changes: list[Change] = []
    shape = (after.rollout_state, after.running, after.desired, after.pending,
             after.failed_tasks, after.task_definition)
    if before is None or shape != (before.rollout_state, before.running, before.desired,
                                   before.pending, before.failed_tasks, before.task_definition):
        tag = image_tag(after.image)
        changes.append(Change(
            "deploy",
            f"{where}: rollout {after.rollout_state or '-'}, running {after.running}/"
            f"{after.desired}, pending {after.pending}, failed {after.failed_tasks}, "
            f"{task_definition_label(after.task_definition) or '-'}"
            + (f" (image {tag})" if tag else ""),
            at,
            {**base, "service": after.service, "rollout_state": after.rollout_state,
             "running": after.running, "desired": after.desired, "pending": after.pending,
             "failed_tasks": after.failed_tasks,
             "task_definition": task_definition_label(after.task_definition),
             "image": after.image},
        ))
    changes.extend(_service_deployment_changes(before, after, where, base, at))
    seen = set(before.events) if before else set()
    for message in reversed(after.events):
        if message not in seen:
            changes.append(Change("service_event", f"{where}: {message}", at,
                                  {**base, "message": message}))
    if after.rolled_back and not (before and before.rolled_back):
        message = after.failure or (f"the deployment circuit breaker rolled back service "
                                    f"{after.service}")
        changes.append(Change("rollback", f"{where}: {message}", at,
                              {**base, "service": after.service,
                               "reason": after.status_reason or after.rollout_reason,
                               "deployment_status": after.deployment_status,
                               "triggered_alarms": list(after.triggered_alarms),
                               "failure_count": after.failure_count,
                               "failure_threshold": after.failure_threshold}))
    old_reasons = set(before.stopped_reasons) if before else set()
    for reason in after.stopped_reasons:
        if reason not in old_reasons:
            changes.append(Change("stopped_task", f"{where}: task stopped: {reason}", at,
                                  {**base, "reason": reason}))
    return changes


def _service_deployment_changes(
    before: DeployProgress | None, after: DeployProgress, where: str,
    base: dict[str, Any], at: float,
) -> list[Change]:
    """The service deployment as ECS sees it: status, stage, tasks per revision, the
    breaker's count against its threshold, the alarms watched and their state."""
    if after.deployment_status is None:
        return []
    shape = deployment_facts(after)
    if before is not None and deployment_facts(before) == shape:
        return []
    return [Change("deployment", f"{where}: {deployment_line(after)}", at,
                   {**base, "service": after.service, **shape})]
