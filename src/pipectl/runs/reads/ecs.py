"""ECS reads: services, task definitions, and why tasks stopped."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipectl.aws.errors import aws_call
from pipectl.runs.reads import Clients
from pipectl.runs.values import epoch


def services(
    clients: Clients, cluster: str, names: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """DescribeServices for up to 10 services of one cluster, by service name."""
    wanted = list(dict.fromkeys(names))[:10]
    if not wanted:
        return {}
    with aws_call("ecs:DescribeServices", resource=f"{cluster}/{','.join(wanted)}"):
        response = clients.client("ecs").describe_services(cluster=cluster, services=wanted)
    return {s["serviceName"]: s for s in response.get("services") or [] if s.get("serviceName")}


def task_definition_image(clients: Clients, arn: str, container: str | None) -> str | None:
    """The image of ``container`` (else the first container) in a task definition."""
    with aws_call("ecs:DescribeTaskDefinition", resource=arn):
        response = clients.client("ecs").describe_task_definition(taskDefinition=arn)
    containers = (response.get("taskDefinition") or {}).get("containerDefinitions") or []
    for c in containers:
        if container is None or c.get("name") == container:
            return str(c.get("image")) if c.get("image") else None
    return None


def stopped_task_reasons(
    clients: Clients, cluster: str, service: str, limit: int = 5,
    task_definition: str | None = None,
) -> tuple[str, ...]:
    """Why the service's tasks failed (ListTasks STOPPED + DescribeTasks), newest first.

    Tasks stopped on purpose (old ones a deployment drained or scaled in, or a user's
    StopTask) say nothing about a failure. The scheduler also stops, with the same
    ``ServiceSchedulerInitiated`` code, a task that failed its container or load balancer
    health checks: that reason is kept, it is the likely cause for an app with a health
    check. With ``task_definition``, only that revision's tasks count.
    """
    ecs = clients.client("ecs")
    with aws_call("ecs:ListTasks", resource=f"{cluster}/{service}"):
        arns = ecs.list_tasks(
            cluster=cluster, serviceName=service, desiredStatus="STOPPED", maxResults=limit
        ).get("taskArns", [])
    if not arns:
        return ()
    with aws_call("ecs:DescribeTasks", resource=f"{cluster}/{service}"):
        tasks = ecs.describe_tasks(cluster=cluster, tasks=arns[:limit]).get("tasks", [])
    tasks.sort(key=lambda t: epoch(t.get("stoppedAt")) or 0.0, reverse=True)
    reasons: list[str] = []
    for task in tasks:
        if _stopped_on_purpose(task):
            continue
        if task_definition and task.get("taskDefinitionArn") not in (None, task_definition):
            continue
        stopped = str(task.get("stoppedReason") or task.get("stopCode") or "stopped")
        parts = [stopped]
        for container in task.get("containers") or []:
            reason = container.get("reason")
            if reason and reason not in stopped:
                parts.append(f"{container.get('name')}: {reason}")
        line = " — ".join(parts)
        if line not in reasons:
            reasons.append(line)
    return tuple(reasons)


#: How ECS words a ServiceSchedulerInitiated stop that is no failure: a deployment
#: draining old tasks, or scaling in.
ON_PURPOSE_REASONS = ("Scaling activity initiated by", "Service scaling activity")


def _stopped_on_purpose(task: dict[str, Any]) -> bool:
    code = task.get("stopCode")
    if code == "UserInitiated":
        return True
    reason = str(task.get("stoppedReason") or "")
    return code == "ServiceSchedulerInitiated" and (
        not reason or reason.startswith(ON_PURPOSE_REASONS))
