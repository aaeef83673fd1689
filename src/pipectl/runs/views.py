"""What a pipeline's stages and actions are doing, as ``status`` and ``watch`` show them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # status shows no build or deployment progress: it skips their module
    from pipectl.runs.progress import BuildProgress, DeployProgress


@dataclass(frozen=True)
class ActionView:
    stage: str
    name: str
    category: str  # Source, Build, Deploy, ...
    provider: str  # CodeBuild, ECS, ...
    status: str  # InProgress, Succeeded, Failed, Abandoned, or Pending (not reached yet)
    summary: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    changed_at: float | None = None
    external_id: str | None = None
    external_url: str | None = None
    build: BuildProgress | None = None
    deploy: DeployProgress | None = None


@dataclass(frozen=True)
class StageView:
    name: str
    status: str  # InProgress, Succeeded, Failed, Stopped, ..., or Pending
    actions: tuple[ActionView, ...] = ()
