"""Every pipeline pipectl manages in the region, one row each (``pipectl list``).

A pipeline is pipectl's when it carries the ``pipectl:pipeline`` tag that ``create``
puts on it. The calls: ListPipelines (paged), GetCallerIdentity (the account, for the
pipelines' ARNs), then per pipeline ListTagsForResource; per managed pipeline
GetPipeline (its ECS service) and ListPipelineExecutions (its latest run); and one
DescribeServices per cluster for up to 10 services. The per-pipeline reads go through a
bounded, throttle-aware pool: a pipeline whose reads fail is a row with its error, and
the other rows are complete.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from pipectl.aws.paging import pages
from pipectl.aws.pool import Outcome, ThrottleAwarePool
from pipectl.errors import PipectlError
from pipectl.resources.common import MANAGED_TAG, Placement
from pipectl.runs.history import RunSummary, run_summary
from pipectl.runs.reads import Clients
from pipectl.runs.reads import codepipeline as pipeline_reads
from pipectl.runs.reads import ecs as ecs_reads
from pipectl.runs.values import task_definition_label

#: DescribeServices takes at most this many services a call.
SERVICES_PER_CALL = 10


@dataclass(frozen=True)
class FleetRow:
    pipeline: str
    latest: RunSummary | None = None
    started_age: float | None = None  # seconds since the latest run started
    cluster: str | None = None
    service: str | None = None
    task_definition: str | None = None  # the ARN the service's primary deployment runs
    rollout_state: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "pipeline": self.pipeline,
            "latest_run": self.latest.to_dict() if self.latest else None,
            "age_seconds": None if self.started_age is None else round(self.started_age),
            "service": None if self.service is None else {
                "cluster": self.cluster, "service": self.service,
                "task_definition": task_definition_label(self.task_definition),
                "rollout_state": self.rollout_state,
            },
            "error": self.error,
        }


@dataclass(frozen=True)
class FleetReport:
    region: str
    rows: tuple[FleetRow, ...]
    unmanaged: int  # pipelines in the region without pipectl's tag
    throttled: int  # reads AWS throttled (each was tried again)

    @property
    def failed(self) -> tuple[FleetRow, ...]:
        return tuple(r for r in self.rows if r.error)

    def to_dict(self) -> dict[str, Any]:
        return {"region": self.region, "pipelines": [r.to_dict() for r in self.rows],
                "unmanaged_pipelines": self.unmanaged, "failed": len(self.failed)}


def list_managed(clients: Clients, region: str, account: str, now: float,
                 pool: ThrottleAwarePool) -> FleetReport:
    names = pipeline_names(clients)
    placement = Placement(account, region)
    tagged = pool.map(lambda name: _is_managed(
        clients, name, placement.arn("codepipeline", name)), names)
    managed = [o.item for o in tagged if o.error is not None or o.value]
    rows = pool.map(lambda name: _row(clients, name, now), managed)
    by_name = {o.item: _row_of(o) for o in rows}
    for outcome in tagged:
        if outcome.error is not None:  # its tags could not be read: say so in its row
            by_name[outcome.item] = FleetRow(outcome.item, error=_message(outcome.error))
    with_services = _with_services(clients, list(by_name.values()), pool)
    return FleetReport(
        region=region,
        rows=tuple(sorted(with_services, key=lambda r: r.pipeline)),
        unmanaged=len(names) - len(managed),
        throttled=pool.throttled,
    )


def pipeline_names(clients: Clients) -> list[str]:
    names: list[str] = []
    for response in pages(clients.client("codepipeline").list_pipelines, {"maxResults": 1000},
                          operation="codepipeline:ListPipelines"):
        names.extend(str(p["name"]) for p in response.get("pipelines", []) if p.get("name"))
    return names


def _is_managed(clients: Clients, name: str, arn: str) -> bool:
    return any(t.get("key") == MANAGED_TAG
               for response in pages(clients.client("codepipeline").list_tags_for_resource,
                                     {"resourceArn": arn},
                                     operation="codepipeline:ListTagsForResource", resource=name)
               for t in response.get("tags", []))


def _row(clients: Clients, name: str, now: float) -> FleetRow:
    layout = pipeline_reads.pipeline_layout(clients, name)
    runs = pipeline_reads.recent_executions(clients, name, 1)
    latest = run_summary(runs[0], now) if runs else None
    deploy = next(iter(layout.find("ECS")), None)
    config = deploy.configuration if deploy else {}
    return FleetRow(
        pipeline=name, latest=latest,
        started_age=now - latest.started_at if latest and latest.started_at else None,
        cluster=config.get("ClusterName"), service=config.get("ServiceName"),
    )


def _row_of(outcome: Outcome[str, FleetRow]) -> FleetRow:
    if outcome.value is not None:
        return outcome.value
    return FleetRow(outcome.item, error=_message(outcome.error))


def _with_services(clients: Clients, rows: list[FleetRow],
                   pool: ThrottleAwarePool) -> list[FleetRow]:
    """Each row with its service's primary deployment: one call per 10 services."""
    batches: list[tuple[str, tuple[str, ...]]] = []
    by_cluster: dict[str, list[str]] = {}
    for row in rows:
        if row.cluster and row.service and row.service not in by_cluster.get(row.cluster, []):
            by_cluster.setdefault(row.cluster, []).append(row.service)
    for cluster, services in by_cluster.items():
        for start in range(0, len(services), SERVICES_PER_CALL):
            batches.append((cluster, tuple(services[start:start + SERVICES_PER_CALL])))
    found: dict[tuple[str, str], dict[str, Any]] = {}
    failed: dict[tuple[str, str], str] = {}
    for outcome in pool.map(lambda batch: ecs_reads.services(clients, *batch), batches):
        cluster, batch = outcome.item
        for service in batch:
            if outcome.error is not None:
                failed[(cluster, service)] = _message(outcome.error)
            elif service in (outcome.value or {}):
                found[(cluster, service)] = (outcome.value or {})[service]
    return [_attach(row, found, failed) for row in rows]


def _attach(row: FleetRow, found: dict[tuple[str, str], dict[str, Any]],
            failed: dict[tuple[str, str], str]) -> FleetRow:
    if not row.cluster or not row.service:
        return row
    key = (row.cluster, row.service)
    if key in failed:
        return replace(row, error=row.error or failed[key])
    doc = found.get(key)
    if doc is None or doc.get("status") == "INACTIVE":
        return replace(row, rollout_state="MISSING")
    primary: dict[str, Any] = next(
        (d for d in doc.get("deployments") or [] if d.get("status") == "PRIMARY"), {})
    return replace(row, task_definition=primary.get("taskDefinition") or doc.get(
        "taskDefinition"), rollout_state=primary.get("rolloutState"))


def _message(error: BaseException | None) -> str:
    if isinstance(error, PipectlError):
        return error.message
    from pipectl.aws.errors import is_botocore_error, translate

    if error is not None and is_botocore_error(error):
        return translate(error).message
    return f"{type(error).__name__}: {error}"
