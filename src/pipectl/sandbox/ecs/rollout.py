"""A rollout: one ECS deployment of a service as the sandbox walks it, and the pace of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipectl.sandbox.faults import DeployFault

# Nominal seconds of a rollout's steps.
LAUNCH_AFTER = 2.0  # tasks are placed (PROVISIONING/PENDING)
RUNNING_AFTER = 4.0  # ... and RUNNING (or stopped: failed to start)
DRAIN_AFTER = 2.0  # old tasks are stopped once the new ones run
STEADY_AFTER = 2.0  # the deployment is COMPLETED, the service steady
MAX_FAILED_LAUNCHES = 10  # ECS backs off a service that keeps failing; so does the sandbox


@dataclass
class Rollout:
    account: str
    region: str
    cluster: str
    service: str
    deployment: dict[str, Any]
    previous_task_definition: str | None
    fault: DeployFault | None
    is_rollback: bool = False
    failed_launches: int = 0
    # The service deployment this rollout is (or, for a rollback, undoes).
    record: dict[str, Any] | None = None
    engine_error: str | None = None  # the sandbox failed it, not ECS
    on_done: list[Callable[[Rollout, datetime], None]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.deployment["id"])

    @property
    def state(self) -> str:
        return str(self.deployment["rolloutState"])
