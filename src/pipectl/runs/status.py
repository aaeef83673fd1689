"""Where things stand: stages, the latest run, the ECS service and where it answers.

Every read that needs only the names in the spec starts at once, in parallel: the
pipeline, its state and latest run, the service, its latest service deployment and its
running tasks. What needs the service's answer comes after: the image (from a running
task of the primary deployment, else its task definition) and the URL (a task's network
interface, or the load balancer). So a service with a public IP costs 8 calls in 3
rounds: the tasks are found beside the service, not after it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pipectl.errors import NotFound, PipectlError
from pipectl.runs import projections
from pipectl.runs.endpoint import running_tasks, service_url
from pipectl.runs.history import RunSummary, run_summary
from pipectl.runs.reads import Clients
from pipectl.runs.reads import codepipeline as pipeline_reads
from pipectl.runs.reads import ecs as ecs_reads
from pipectl.runs.service_deployments import ROLLBACK_WORDS
from pipectl.runs.values import iso_time, task_definition_label
from pipectl.runs.views import StageView


@dataclass(frozen=True)
class ServiceStatus:
    cluster: str
    service: str
    exists: bool
    status: str | None = None
    task_definition: str | None = None
    image: str | None = None
    running: int = 0
    desired: int = 0
    pending: int = 0
    rollout_state: str | None = None
    rollout_reason: str | None = None
    events: tuple[str, ...] = ()
    # The latest service deployment as ECS records it (None where the endpoint has none).
    deployment_status: str | None = None
    deployment_note: str | None = None  # how it failed, or when it finished

    def to_dict(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster, "service": self.service, "exists": self.exists,
            "status": self.status,
            "task_definition": task_definition_label(self.task_definition),
            "image": self.image, "running": self.running, "desired": self.desired,
            "pending": self.pending, "rollout_state": self.rollout_state,
            "rollout_reason": self.rollout_reason, "events": list(self.events),
            "deployment_status": self.deployment_status,
            "deployment_note": self.deployment_note,
        }


@dataclass(frozen=True)
class StatusReport:
    pipeline: str
    stages: tuple[StageView, ...]
    stage_executions: dict[str, str]  # stage -> execution id it last ran
    latest: RunSummary | None
    service: ServiceStatus
    url: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "pipeline": self.pipeline,
            "stages": [
                {"name": s.name, "status": s.status,
                 "execution_id": self.stage_executions.get(s.name),
                 "actions": [{"name": a.name, "provider": a.provider, "status": a.status,
                              "summary": a.summary, "error": a.error_message,
                              "external_id": a.external_id} for a in s.actions]}
                for s in self.stages
            ],
            "latest_run": self.latest.to_dict() if self.latest else None,
            "service": self.service.to_dict(),
            "url": self.url,
        }


def gather_status(
    clients: Clients, pipeline: str, cluster: str, service: str, *, container: str | None,
    port: int, now: float,
) -> StatusReport:
    with ThreadPoolExecutor(max_workers=6) as pool:
        layout_f = pool.submit(pipeline_reads.pipeline_layout, clients, pipeline)
        state_f = pool.submit(pipeline_reads.pipeline_state, clients, pipeline)
        runs_f = pool.submit(pipeline_reads.recent_executions, clients, pipeline, 1)
        service_f = pool.submit(_service_doc, clients, cluster, service)
        deployment_f = pool.submit(_latest_deployment, clients, cluster, service)
        tasks_f = pool.submit(_running_tasks, clients, cluster, service)
        layout, state, runs = layout_f.result(), state_f.result(), runs_f.result()
        doc = service_f.result()
        stages, executions = projections.latest_stages(layout, state)
        latest = run_summary(runs[0], now) if runs else None
        if doc is None:
            return StatusReport(pipeline, stages, executions, latest,
                                ServiceStatus(cluster, service, exists=False), None)
        primary: dict[str, Any] = next(
            (d for d in doc.get("deployments") or [] if d.get("status") == "PRIMARY"), {})
        task_definition = primary.get("taskDefinition") or doc.get("taskDefinition")
        url_f = pool.submit(_url, clients, cluster, doc, port, tasks_f.result)
        image = _image(clients, task_definition, container, tasks_f.result())
        deployment_status, deployment_note = deployment_f.result()
        rollout_reason = primary.get("rolloutStateReason")
        return StatusReport(
            pipeline=pipeline, stages=stages, stage_executions=executions, latest=latest,
            service=ServiceStatus(
                cluster=cluster, service=service, exists=True, status=doc.get("status"),
                task_definition=task_definition, image=image,
                running=int(doc.get("runningCount", 0)), desired=int(doc.get("desiredCount", 0)),
                pending=int(doc.get("pendingCount", 0)),
                rollout_state=primary.get("rolloutState"),
                rollout_reason=rollout_reason if rollout_reason and (
                    primary.get("rolloutState") != "COMPLETED"
                    or ROLLBACK_WORDS.search(rollout_reason)) else None,
                events=tuple(str(e.get("message")) for e in (doc.get("events") or [])[:3]),
                deployment_status=deployment_status, deployment_note=deployment_note,
            ),
            url=url_f.result(),
        )


def _service_doc(clients: Clients, cluster: str, service: str) -> dict[str, Any] | None:
    try:
        found = ecs_reads.services(clients, cluster, [service])
    except NotFound:
        return None  # the cluster itself is missing
    doc = found.get(service)
    if doc is None or doc.get("status") == "INACTIVE":
        return None
    return doc


def _running_tasks(clients: Clients, cluster: str, service: str) -> list[dict[str, Any]]:
    """The service's running tasks; none where they cannot be read (status answers anyway)."""
    try:
        return running_tasks(clients, cluster, service)
    except PipectlError:
        return []


def _latest_deployment(clients: Clients, cluster: str,
                       service: str) -> tuple[str | None, str | None]:
    """(status, note) of the service's latest service deployment; (None, None) where the
    endpoint has none or the reads are refused (status answers anyway)."""
    from pipectl.runs import service_deployments

    try:
        found = service_deployments.latest(clients, cluster, service)
    except PipectlError:
        return None, None
    if found is None:
        return None, None
    if found.succeeded is False:
        return found.status, found.failure_reason(service)
    when = found.finished_at if found.done else found.created_at
    verb = "finished" if found.done else "started"
    return found.status, (f"{verb} {iso_time(when)}" if when else None)


def _image(clients: Clients, arn: str | None, container: str | None,
           tasks: list[dict[str, Any]]) -> str | None:
    """The image ``container`` runs in task definition ``arn``: as a running task of that
    revision reports it, else (no such task yet, or no container named) as registered."""
    if not arn:
        return None
    if container is not None:
        for task in tasks:
            if task.get("taskDefinitionArn") != arn:
                continue
            for found in task.get("containers") or []:
                if found.get("name") == container and found.get("image"):
                    return str(found["image"])
    try:
        return ecs_reads.task_definition_image(clients, arn, container)
    except PipectlError:
        return None


def _url(clients: Clients, cluster: str, doc: dict[str, Any], port: int,
         tasks: Callable[[], list[dict[str, Any]]]) -> str | None:
    try:
        return service_url(clients, cluster, doc, port, tasks)
    except PipectlError:
        return None  # status still answers when EC2/ELB reads are not allowed
