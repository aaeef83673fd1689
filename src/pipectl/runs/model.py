"""Plain data describing a run as pipectl sees it: stages, actions, build, deployment.

The watch loop builds these from AWS responses; ``ui/`` draws them. Times are epoch
seconds (floats), so the injected clock and AWS timestamps compare directly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from pipectl.runs.values import iso_time, task_definition_label
from pipectl.runs.views import ActionView, StageView

#: CodePipeline statuses after which an execution no longer changes.
FINAL_EXECUTION_STATUSES = frozenset({"Succeeded", "Failed", "Stopped", "Superseded", "Cancelled"})
#: Action and stage statuses meaning "being worked on".
RUNNING_STATUSES = frozenset({"InProgress", "Stopping"})
#: CodeBuild statuses after which a build no longer changes.
FINAL_BUILD_STATUSES = frozenset({"SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED"})


@dataclass(frozen=True)
class RunSnapshot:
    """Everything known about one execution at one moment."""

    pipeline: str
    execution_id: str
    status: str  # the execution's status (InProgress until we learn otherwise)
    now: float
    started_at: float | None = None
    trigger: str | None = None
    revision: str | None = None
    revision_summary: str | None = None
    stages: tuple[StageView, ...] = ()

    def actions(self) -> list[ActionView]:
        return [a for s in self.stages for a in s.actions]

    def action(self, stage: str, name: str) -> ActionView | None:
        for a in self.actions():
            if a.stage == stage and a.name == name:
                return a
        return None

    @property
    def elapsed(self) -> float | None:
        return None if self.started_at is None else max(0.0, self.now - self.started_at)


@dataclass(frozen=True)
class Change:
    """One thing that changed since the previous look: one plain line, one JSON object."""

    kind: str  # started, stage, action, phase, deploy, event, log, throttled, ...
    message: str
    at: float
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.kind, "at": iso_time(self.at), "message": self.message, **self.data}


@dataclass(frozen=True)
class Diagnosis:
    """Why a run failed, with AWS's own words and what to do about it."""

    stage: str | None
    action: str | None
    message: str
    phase: str | None = None
    phase_message: str | None = None
    log_tail: tuple[str, ...] = ()
    stopped_reasons: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["log_tail"] = list(self.log_tail)
        data["stopped_reasons"] = list(self.stopped_reasons)
        data["events"] = list(self.events)
        return data


class Outcome(str, Enum):
    """How a watched run ended; the values are what ``-o json`` shows as ``outcome``."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"
    SUPERSEDED = "superseded"
    ROLLED_BACK = "rolled_back"
    TIMED_OUT = "timed_out"

    def __str__(self) -> str:
        return self.value  # the same in messages on every Python version


@dataclass(frozen=True)
class ServiceTarget:
    """The ECS service the deploy action updates, as the spec knows it."""

    cluster: str
    service: str
    container: str | None = None
    port: int | None = None


@dataclass(frozen=True)
class RunResult:
    """How a watched run ended and what it left behind."""

    pipeline: str
    execution_id: str
    outcome: Outcome
    status: str  # CodePipeline's execution status when we stopped looking
    reason: str
    duration: float | None = None
    revision: str | None = None
    image: str | None = None
    task_definition: str | None = None
    url: str | None = None
    diagnosis: Diagnosis | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.SUCCEEDED

    def to_dict(self) -> dict[str, Any]:
        return {
            "event": "result",
            "ok": self.ok,
            "pipeline": self.pipeline,
            "execution_id": self.execution_id,
            "outcome": str(self.outcome),
            "status": self.status,
            "reason": self.reason,
            "duration_seconds": None if self.duration is None else round(self.duration, 1),
            "revision": self.revision,
            "image": self.image,
            "task_definition": task_definition_label(self.task_definition),
            "url": self.url,
            "diagnosis": self.diagnosis.to_dict() if self.diagnosis else None,
        }


@dataclass(frozen=True)
class Update:
    """One look at the run: the whole picture plus what changed since the last look."""

    snapshot: RunSnapshot
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Finished:
    """The watch is over; ``result`` says how it ended."""

    snapshot: RunSnapshot
    result: RunResult


WatchEvent = Update | Finished
