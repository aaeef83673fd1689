"""ECS service deployments: the outcome of a rollout as ECS itself records it.

Since late 2024 ECS keeps every service deployment as an object (``ListServiceDeployments``,
``DescribeServiceDeployments``): its status (SUCCESSFUL, STOPPED, ROLLBACK_IN_PROGRESS,
ROLLBACK_SUCCESSFUL, ...), lifecycle stage, the circuit breaker's failure count against
its threshold, the alarms it watches and those that fired, and the revision a rollback
went back to (``DescribeServiceRevisions`` says which task definition that is). pipectl
decides a deployment's outcome from these. An endpoint without the operations (an older
ECS-compatible endpoint, moto on its own) answers with an unknown-operation error: then
pipectl reads ``DescribeServices`` deployments instead, deciding once per process and
saying nothing about it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pipectl.aws.errors import aws_call
from pipectl.errors import AwsError
from pipectl.runs.reads import Clients
from pipectl.runs.values import epoch

#: Answers meaning "this endpoint has no such operation" (or may not use it): fall back.
UNSUPPORTED_CODES = frozenset({
    "UnknownOperationException", "UnknownOperation", "InvalidAction", "NotImplemented",
    "UnsupportedOperation", "UnsupportedFeatureException", "AccessDeniedException",
    "AccessDenied",
})
#: Words of ECS's rollout reasons and service events when a deployment is rolled back.
ROLLBACK_WORDS = re.compile(r"circuit breaker|rolling back|rolled back|rollback", re.I)
#: Statuses after which a service deployment no longer changes.
FINAL_STATUSES = frozenset({"SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"})
#: Statuses that mean the deployment did not (or will not) complete.
FAILED_STATUSES = frozenset({"STOPPED", "STOP_REQUESTED", "ROLLBACK_REQUESTED",
                             "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"})
#: Clocks differ a little: a deployment this close before an action's start may be its own.
CLOCK_SLACK = 5.0
#: Timestamps of one moment, rounded to milliseconds on the wire.
SAME_MOMENT = 0.01


class _Support:
    """Whether the endpoint serves service deployments; learnt once per process."""

    available = True


def supported() -> bool:
    return _Support.available


def forget_support() -> None:
    """For tests: learn again whether the endpoint serves service deployments."""
    _Support.available = True


@dataclass(frozen=True)
class RevisionTasks:
    """One service revision in a deployment, and its tasks."""

    arn: str
    requested: int = 0
    running: int = 0
    pending: int = 0


@dataclass(frozen=True)
class ServiceDeployment:
    arn: str
    status: str
    status_reason: str | None = None
    lifecycle_stage: str | None = None
    created_at: float | None = None
    finished_at: float | None = None
    target: RevisionTasks | None = None
    sources: tuple[RevisionTasks, ...] = ()
    breaker_status: str | None = None
    failure_count: int | None = None
    threshold: int | None = None
    alarm_status: str | None = None
    alarm_names: tuple[str, ...] = ()
    triggered_alarms: tuple[str, ...] = ()
    rollback_reason: str | None = None
    rollback_revision: str | None = None

    @property
    def done(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def succeeded(self) -> bool | None:
        """True: completed; False: stopped or rolled back (or on its way); None: running."""
        if self.status == "SUCCESSFUL":
            return True
        if self.status in FAILED_STATUSES:
            return False
        return None

    @property
    def rolled_back(self) -> bool:
        return self.status.startswith("ROLLBACK")

    @property
    def cause(self) -> str | None:
        """What failed it: ``alarm``, ``circuit breaker`` or ``stop``; None if unknown."""
        if self.triggered_alarms or self.alarm_status == "TRIGGERED":
            return "alarm"
        if self.breaker_status == "TRIGGERED":
            return "circuit breaker"
        if self.status in ("STOP_REQUESTED", "ROLLBACK_REQUESTED"):
            return "stop"
        return None

    def failure_reason(self, service: str) -> str:
        """One sentence: how it failed, with the alarm or the failure count."""
        if self.cause == "alarm":
            names = ", ".join(self.triggered_alarms) or ", ".join(self.alarm_names) or "?"
            why = f"alarm {names} went into ALARM during the deployment to ECS service {service}"
        elif self.cause == "circuit breaker":
            why = (f"{self.failure_count} of {self.threshold} tasks failed in the deployment to "
                   f"ECS service {service} and the deployment circuit breaker tripped")
        elif self.status in ("STOP_REQUESTED", "ROLLBACK_REQUESTED"):
            why = f"the deployment to ECS service {service} was stopped on request"
        else:
            why = f"the deployment to ECS service {service} ended {self.status}"
        outcome = {
            "ROLLBACK_REQUESTED": "; ECS is rolling it back",
            "ROLLBACK_IN_PROGRESS": "; ECS is rolling it back",
            "ROLLBACK_SUCCESSFUL": "; ECS rolled it back",
            "ROLLBACK_FAILED": "; ECS tried to roll it back and the rollback failed too",
            "STOPPED": "; ECS stopped it",
        }.get(self.status, "")
        detail = self.rollback_reason or self.status_reason
        # ECS's own words only where the cause is not already said.
        return why + outcome + (f" ({detail})" if detail and self.cause is None else "")


def parse(doc: dict[str, Any]) -> ServiceDeployment:
    """A DescribeServiceDeployments item as plain data."""
    def revision(item: dict[str, Any]) -> RevisionTasks:
        return RevisionTasks(str(item.get("arn")), int(item.get("requestedTaskCount") or 0),
                             int(item.get("runningTaskCount") or 0),
                             int(item.get("pendingTaskCount") or 0))

    breaker = doc.get("deploymentCircuitBreaker") or {}
    alarms = doc.get("alarms") or {}
    rollback = doc.get("rollback") or {}
    target = doc.get("targetServiceRevision")
    return ServiceDeployment(
        arn=str(doc["serviceDeploymentArn"]),
        status=str(doc.get("status") or "PENDING"),
        status_reason=doc.get("statusReason") or None,
        lifecycle_stage=doc.get("lifecycleStage"),
        created_at=epoch(doc.get("createdAt")),
        finished_at=epoch(doc.get("finishedAt")),
        target=revision(target) if target else None,
        sources=tuple(revision(s) for s in doc.get("sourceServiceRevisions") or []),
        breaker_status=breaker.get("status"),
        failure_count=breaker.get("failureCount"),
        threshold=breaker.get("threshold"),
        alarm_status=alarms.get("status"),
        alarm_names=tuple(str(a) for a in alarms.get("alarmNames") or []),
        triggered_alarms=tuple(str(a) for a in alarms.get("triggeredAlarmNames") or []),
        rollback_reason=rollback.get("reason"),
        rollback_revision=rollback.get("serviceRevisionArn"),
    )


def _unsupported(exc: AwsError) -> bool:
    if exc.code in UNSUPPORTED_CODES:
        _Support.available = False
        return True
    return False


def listed(
    clients: Clients, cluster: str, service: str, *, after: float | None = None,
    statuses: Iterable[str] = (), limit: int = 20,
) -> list[dict[str, Any]] | None:
    """ListServiceDeployments (newest first), those that name their deployment, or None if
    the endpoint has no such operation. ``after``: only those created since then (less
    the clock slack)."""
    if not supported():
        return None
    ecs = clients.client("ecs")
    if not hasattr(ecs, "list_service_deployments"):  # a botocore older than the API
        _Support.available = False
        return None
    params: dict[str, Any] = {"cluster": cluster, "service": service, "maxResults": limit}
    if after is not None:
        params["createdAt"] = {"after": dt.datetime.fromtimestamp(after - CLOCK_SLACK,
                                                                   tz=dt.timezone.utc)}
    wanted = list(statuses)
    if wanted:
        params["status"] = wanted
    try:
        with aws_call("ecs:ListServiceDeployments", resource=f"{cluster}/{service}"):
            found = list(ecs.list_service_deployments(**params).get("serviceDeployments", []))
    except AwsError as exc:
        if _unsupported(exc):
            return None
        raise
    # One without its ARN (the model does not require it) names no deployment: passed over.
    named = [d for d in found if d.get("serviceDeploymentArn")]
    named.sort(key=lambda d: epoch(d.get("createdAt")) or 0.0, reverse=True)
    return named


def describe(clients: Clients, arns: list[str]) -> list[ServiceDeployment] | None:
    """DescribeServiceDeployments (up to 20), or None without the operation."""
    if not arns:
        return []
    if not supported():
        return None
    try:
        with aws_call("ecs:DescribeServiceDeployments", resource=", ".join(arns[:20])):
            answer = clients.client("ecs").describe_service_deployments(
                serviceDeploymentArns=arns[:20])
    except AwsError as exc:
        if _unsupported(exc):
            return None
        raise
    # One without its ARN (the model does not require it) names no deployment: passed over.
    return [parse(d) for d in answer.get("serviceDeployments", [])
            if d.get("serviceDeploymentArn")]


def revision_task_definitions(clients: Clients, arns: Iterable[str]) -> dict[str, str]:
    """Service revision ARN -> the task definition it runs (DescribeServiceRevisions)."""
    wanted = list(dict.fromkeys(a for a in arns if a))[:20]
    if not wanted or not supported():
        return {}
    try:
        with aws_call("ecs:DescribeServiceRevisions", resource=", ".join(wanted)):
            answer = clients.client("ecs").describe_service_revisions(
                serviceRevisionArns=wanted)
    except AwsError as exc:
        if _unsupported(exc):
            return {}
        raise
    # Neither member is required by the model: a revision without both names nothing.
    return {str(r["serviceRevisionArn"]): str(r["taskDefinition"])
            for r in answer.get("serviceRevisions", [])
            if r.get("serviceRevisionArn") and r.get("taskDefinition")}


def pick(found: list[dict[str, Any]], since: float | None,
         until: float | None = None) -> dict[str, Any] | None:
    """Which of the listed deployments (newest first) an ECS action made.

    The action starts, then updates the service: its deployment is the first one created
    at or after the action's start (``since``). An action seen only once it had finished
    (``until``) made the newest one created before it finished. Within the clock slack
    before ``since``, the newest one, as a last resort.
    """
    if until is not None:
        before = [d for d in found if (epoch(d.get("createdAt")) or 0.0) <= until + CLOCK_SLACK]
        return before[0] if before else None
    if since is None:
        return found[0] if found else None
    after = [d for d in found if (epoch(d.get("createdAt")) or 0.0) >= since - SAME_MOMENT]
    if after:
        return after[-1]
    return found[0] if found else None


def ours(
    clients: Clients, cluster: str, service: str, *, since: float | None,
    until: float | None = None,
) -> ServiceDeployment | None:
    """The service deployment an ECS action that started at ``since`` made (see ``pick``).
    None when there is none yet, or no such API (see ``supported``)."""
    found = listed(clients, cluster, service, after=since)
    chosen = pick(found or [], since, until)
    if chosen is None:
        return None
    described = describe(clients, [str(chosen["serviceDeploymentArn"])])
    return described[0] if described else None


def latest(clients: Clients, cluster: str, service: str) -> ServiceDeployment | None:
    """The service's newest deployment; None when it has none, or no such API.

    ListServiceDeployments' brief carries its status, status reason and times, all that is
    said of a deployment that succeeded or goes on; only a failed one is described
    (DescribeServiceDeployments): its circuit breaker, alarms and rollback say why.
    """
    found = listed(clients, cluster, service, limit=1)
    if not found:
        return None
    brief = parse(found[0])  # the members a brief has are named as in the full item
    if brief.succeeded is not False:
        return brief
    described = describe(clients, [brief.arn])
    return described[0] if described else brief


def stop(clients: Clients, arn: str) -> None:
    """StopServiceDeployment with ROLLBACK: ECS rolls the service back to its source."""
    with aws_call("ecs:StopServiceDeployment", resource=arn):
        clients.client("ecs").stop_service_deployment(serviceDeploymentArn=arn,
                                                      stopType="ROLLBACK")
