"""Reading an ECS service's deployments: which one is ours, did it finish, was it rolled back.

CodePipeline's ECS action stays InProgress after the deployment circuit breaker fails a
deployment (it waits for its own timeout), and the ``services_stable`` waiter can report
success after a rollback; so pipectl reads the deployment itself. The service deployment
ECS records (:mod:`pipectl.runs.service_deployments`) decides; where an endpoint has
none, the ``DescribeServices`` deployment the action started and its ``rolloutState``;
words in events only as the last fallback, and never words older than the deployment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pipectl.runs.progress import DeployProgress, RevisionCount
from pipectl.runs.service_deployments import (
    FAILED_STATUSES,
    FINAL_STATUSES,
    ROLLBACK_WORDS,
    ServiceDeployment,
)
from pipectl.runs.values import epoch, task_definition_label

#: AWS and local clocks differ a little: a deployment this close before the run is ours.
CLOCK_SLACK = 5.0


def _recent(items: list[dict[str, Any]], since: float | None) -> list[dict[str, Any]]:
    if since is None:
        return items
    return [i for i in items if (epoch(i.get("createdAt")) or since) >= since - CLOCK_SLACK]


def deploy_progress(
    service: dict[str, Any],
    cluster: str,
    since: float | None,
    image_of: Callable[[str], str | None],
    events: int = 5,
    deployment_id: str | None = None,
) -> DeployProgress:
    """The newest deployment made since ``since`` (the run's start), as DeployProgress.

    ``deployment_id``: the ECS action's external execution id, which names the
    deployment it started; when ECS still lists it, it is ours for certain.
    """
    deployments = list(service.get("deployments") or [])
    deployments.sort(key=lambda d: epoch(d.get("createdAt")) or 0.0, reverse=True)
    recent = _recent(deployments, since)
    failed = [d for d in recent if d.get("rolloutState") == "FAILED"]
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    ours = failed[0] if failed else (primary if primary in recent else None)
    named = next((d for d in deployments if deployment_id and d.get("id") == deployment_id), None)
    if named is not None:
        ours = named
        if named.get("rolloutState") == "FAILED" and named not in failed:
            failed = [named]
    recent_events = _recent(list(service.get("events") or []), since)
    if named is not None:
        # Structure: the rolloutState of the very deployment the ECS action started.
        rolled_back = named.get("rolloutState") == "FAILED"
    elif failed:
        rolled_back = True
    else:
        # The last fallback: words, and only those newer than the run's deployment.
        rolled_back = any(
            ROLLBACK_WORDS.search(str(d.get("rolloutStateReason") or "")) for d in recent
        ) or any(ROLLBACK_WORDS.search(str(e.get("message") or "")) for e in recent_events)
    shown = ours or primary or {}
    task_definition = shown.get("taskDefinition")
    return DeployProgress(
        cluster=cluster,
        service=str(service.get("serviceName")),
        rollout_state=shown.get("rolloutState"),
        rollout_reason=shown.get("rolloutStateReason"),
        running=int(shown.get("runningCount", service.get("runningCount", 0)) or 0),
        desired=int(shown.get("desiredCount", service.get("desiredCount", 0)) or 0),
        pending=int(shown.get("pendingCount", 0) or 0),
        failed_tasks=int(shown.get("failedTasks", 0) or 0),
        task_definition=task_definition,
        image=image_of(task_definition) if task_definition else None,
        # Events from before the run belong to earlier deployments: not news.
        events=tuple(str(e.get("message")) for e in recent_events[:events]),
        rolled_back=rolled_back,
    )


def new_deployment_completed(service: dict[str, Any], since: float | None) -> bool | None:
    """True: a deployment made since the run started is PRIMARY and COMPLETED.
    False: it failed or was rolled back. None: not decided yet."""
    deployments = list(service.get("deployments") or [])
    recent = _recent(deployments, since)
    if any(d.get("rolloutState") == "FAILED" for d in recent):
        return False
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    if primary is None:
        return None
    if ROLLBACK_WORDS.search(str(primary.get("rolloutStateReason") or "")) and primary in recent:
        return False
    if primary.get("rolloutState") == "COMPLETED":
        return True
    if primary.get("rolloutState") is None and primary.get("runningCount") == primary.get(
        "desiredCount"
    ) and len(deployments) == 1:
        # Services without rolloutState (older or non-ECS controllers): steady is done.
        return True
    return None


def tasks_up(service: dict[str, Any]) -> bool:
    """Whether the service runs as many tasks as it wants.

    A completed deployment is not yet a served one when the service had no task: a
    service pipectl creates starts at 0, and the pipeline raises its desired count only
    after the deploy action's deployment completed (pipectl.resources.first_deploy);
    the tasks it then starts all run the revision that deployment put there.
    """
    return int(service.get("runningCount") or 0) >= int(service.get("desiredCount") or 0)


def start_failures(service: dict[str, Any]) -> tuple[int, int] | None:
    """(failed, threshold) when the PRIMARY deployment's tasks keep failing to start
    while the service is short of its desired count, else None.

    After a first deploy the service is scaled up on a deployment that has completed
    (with no task), where no circuit breaker acts: ECS would retry for ever. pipectl
    gives up at the breaker's own default threshold (half the desired count, 3 to 200).
    """
    wanted = int(service.get("desiredCount") or 0)
    primary = next((d for d in service.get("deployments") or []
                    if d.get("status") == "PRIMARY"), None)
    if primary is None or primary.get("rolloutState") not in (None, "COMPLETED"):
        return None
    failed = int(primary.get("failedTasks") or 0)
    threshold = max(3, min(200, -(-max(wanted, 1) // 2)))
    return (failed, threshold) if failed >= threshold else None


def with_service_deployment(
    progress: DeployProgress,
    deployment: ServiceDeployment,
    task_definitions: dict[str, str],
    alarm_states: dict[str, str],
) -> DeployProgress:
    """``progress`` with what the service deployment says; its status decides."""
    revisions = []
    for revision in ([deployment.target] if deployment.target else []) + list(deployment.sources):
        revisions.append(RevisionCount(task_definition_label(task_definitions.get(revision.arn)),
                                       revision.running, revision.requested, revision.pending))
    failed = deployment.succeeded is False
    return replace(
        progress,
        deployment_status=deployment.status,
        lifecycle_stage=deployment.lifecycle_stage,
        status_reason=deployment.status_reason,
        failure_count=deployment.failure_count,
        failure_threshold=deployment.threshold,
        breaker_on=deployment.breaker_status not in (None, "DISABLED"),
        breaker_tripped=deployment.breaker_status == "TRIGGERED" or (
            deployment.threshold is not None and deployment.failure_count is not None
            and deployment.failure_count >= deployment.threshold > 0),
        alarms=tuple((name, alarm_states.get(name)) for name in deployment.alarm_names),
        triggered_alarms=deployment.triggered_alarms,
        revisions=tuple(revisions),
        rolled_back=failed,
        failure=deployment.failure_reason(progress.service) if failed else None,
    )


def ended(progress: DeployProgress) -> bool:
    """The service deployment will not change again (SUCCESSFUL, STOPPED, ROLLBACK_...)."""
    return progress.deployment_status in FINAL_STATUSES


def _breaker_counts(progress: DeployProgress) -> bool:
    """Whether the breaker's count against its threshold is worth showing: while it can
    still trip; once the outcome is settled (succeeded, stopped, rolling or rolled back),
    only if it tripped and so caused the failure."""
    if not progress.breaker_on or not progress.failure_threshold:
        return False
    settled = progress.deployment_status == "SUCCESSFUL" or \
        progress.deployment_status in FAILED_STATUSES
    return progress.breaker_tripped or not settled


def deployment_facts(progress: DeployProgress) -> dict[str, Any]:
    """The facts of the deployment's line. Once it has ended: its outcome and what caused
    a failure (the alarms that fired, a breaker that tripped), not its last lifecycle
    stage, nor a countdown to a breaker that can no longer trip, nor the states of the
    alarms, which pipectl then no longer reads."""
    done = ended(progress)
    return {
        "deployment_status": progress.deployment_status,
        "lifecycle_stage": None if done else progress.lifecycle_stage,
        "revisions": [r.to_dict() for r in progress.revisions],
        "circuit_breaker": {"failures": progress.failure_count or 0,
                            "threshold": progress.failure_threshold,
                            "tripped": progress.breaker_tripped}
        if _breaker_counts(progress) else None,
        "alarms": [] if done else [{"name": name, "state": state}
                                   for name, state in progress.alarms],
        "triggered_alarms": list(progress.triggered_alarms),
    }


def deployment_line(progress: DeployProgress) -> str:
    """One line: ``service deployment IN_PROGRESS (SCALE_UP) · web:8 1/2 running · ...``,
    saying what :func:`deployment_facts` says."""
    return " · ".join(part for row in deployment_rows(progress) for part in row)


def deployment_rows(progress: DeployProgress) -> list[list[str]]:
    """The line's parts in rows: the status and tasks per revision, then (if any) the
    breaker, the alarms and those that fired. The live view draws each row on a line of
    its own, which never wraps: one long line would lose the alarms to the ellipsis."""
    facts = deployment_facts(progress)
    stage = facts["lifecycle_stage"]
    head = [f"service deployment {progress.deployment_status}"
            + (f" ({stage})" if stage else "")]
    head.extend(f"{r.task_definition or '?'} {r.running}/{r.requested} running"
                for r in progress.revisions)
    notes = []
    breaker = facts["circuit_breaker"]
    if breaker is not None:
        counted = f"{breaker['failures']} of {breaker['threshold']} failures"
        notes.append(counted + (": the circuit breaker tripped" if breaker["tripped"] else
                                " before the circuit breaker trips"))
    if facts["alarms"]:
        notes.append("alarms " + ", ".join(f"{a['name']} {a['state'] or '?'}"
                                           for a in facts["alarms"]))
    fired = facts["triggered_alarms"]
    if fired:
        notes.append(f"alarm{'s' if len(fired) > 1 else ''} fired: " + ", ".join(fired))
    return [head, notes] if notes else [head]
