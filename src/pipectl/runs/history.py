"""The last N runs of a pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipectl.runs import projections
from pipectl.runs.reads import Clients
from pipectl.runs.reads import codepipeline as pipeline_reads
from pipectl.runs.values import epoch, iso_time


@dataclass(frozen=True)
class RunSummary:
    execution_id: str
    status: str
    trigger: str | None
    revision: str | None
    revision_summary: str | None
    started_at: float | None
    duration: float | None  # until the last update once over; until now while running

    def to_dict(self) -> dict[str, Any]:
        return {
            "execution_id": self.execution_id,
            "status": self.status,
            "trigger": self.trigger,
            "revision": self.revision,
            "revision_summary": self.revision_summary,
            "started": iso_time(self.started_at) if self.started_at else None,
            "duration_seconds": None if self.duration is None else round(self.duration),
        }


def run_summary(summary: dict[str, Any], now: float) -> RunSummary:
    started = epoch(summary.get("startTime"))
    updated = epoch(summary.get("lastUpdateTime"))
    status = str(summary.get("status", "Unknown"))
    end = now if status in ("InProgress", "Stopping") else updated
    revision, revision_summary = projections.summary_revision(summary)
    return RunSummary(
        execution_id=str(summary["pipelineExecutionId"]),
        status=status,
        trigger=(summary.get("trigger") or {}).get("triggerType"),
        revision=revision,
        revision_summary=revision_summary,
        started_at=started,
        duration=(end - started) if started is not None and end is not None else None,
    )


def history(clients: Clients, pipeline: str, limit: int, now: float) -> list[RunSummary]:
    return [run_summary(s, now) for s in pipeline_reads.recent_executions(clients, pipeline, limit)]
