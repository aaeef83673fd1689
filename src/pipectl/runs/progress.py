"""A build's and an ECS deployment's progress, as ``watch`` follows them.

Apart from the run model so that the stage views (``runs.views``) can name these types
without importing the model that re-exports the views: no import cycle.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from pipectl.runs.values import task_definition_label


@dataclass(frozen=True)
class BuildPhase:
    name: str  # PRE_BUILD, BUILD, ...
    status: str | None  # SUCCEEDED, FAILED, ... (None while in progress)
    duration: int | None  # seconds
    message: str | None = None  # the phase's context message, when AWS gives one


@dataclass(frozen=True)
class BuildProgress:
    build_id: str
    status: str  # IN_PROGRESS, SUCCEEDED, FAILED, ...
    current_phase: str | None
    phases: tuple[BuildPhase, ...] = ()
    log_group: str | None = None
    log_stream: str | None = None
    log_tail: tuple[str, ...] = ()  # the last lines read
    log_total: int = 0  # how many lines were read so far with --logs (what is new)

    @property
    def failed_phase(self) -> BuildPhase | None:
        for phase in self.phases:
            if phase.status not in (None, "SUCCEEDED"):
                return phase
        return None

    @property
    def done_phases(self) -> tuple[BuildPhase, ...]:
        return tuple(p for p in self.phases if p.status is not None and p.name != "COMPLETED")


@dataclass(frozen=True)
class RevisionCount:
    """Tasks of one task definition revision in a service deployment."""

    task_definition: str | None  # label, web:8
    running: int
    requested: int
    pending: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DeployProgress:
    cluster: str
    service: str
    rollout_state: str | None = None  # of the newest deployment
    rollout_reason: str | None = None
    running: int = 0
    desired: int = 0
    pending: int = 0
    failed_tasks: int = 0
    task_definition: str | None = None  # ARN of the newest deployment's task definition
    image: str | None = None
    events: tuple[str, ...] = ()  # latest service events, newest first
    rolled_back: bool = False  # ECS failed (and rolled back or stopped) the new deployment
    stopped_reasons: tuple[str, ...] = ()
    # The service deployment as ECS records it (all empty where the endpoint has none).
    deployment_status: str | None = None  # SUCCESSFUL, ROLLBACK_IN_PROGRESS, ...
    lifecycle_stage: str | None = None
    status_reason: str | None = None
    failure_count: int | None = None  # tasks the circuit breaker counted as failed
    failure_threshold: int | None = None  # ... and how many trip it
    breaker_on: bool = False
    breaker_tripped: bool = False  # ECS says it triggered, or the count reached the threshold
    alarms: tuple[tuple[str, str | None], ...] = ()  # (alarm watched, its state)
    triggered_alarms: tuple[str, ...] = ()
    revisions: tuple[RevisionCount, ...] = ()  # the target revision first
    failure: str | None = None  # how the deployment failed, in one sentence

    @property
    def revision(self) -> str | None:
        return task_definition_label(self.task_definition)
