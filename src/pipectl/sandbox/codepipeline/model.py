"""A pipeline execution as the sandbox keeps it: its stages' runs, its actions' runs, and
the executions of one pipeline with the stages they hold (the locks of the modes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipectl.sandbox.clock import Timer
from pipectl.sandbox.permissions import Caller

FINAL = ("Succeeded", "Failed", "Stopped", "Superseded", "Cancelled")


@dataclass
class ActionRun:
    id: str
    stage: str
    definition: dict[str, Any]
    start: datetime
    updated: datetime
    status: str = "InProgress"
    summary: str = ""
    external_id: str = ""
    external_url: str = ""
    external_summary: str = ""
    error: tuple[str, str] | None = None
    input_artifacts: list[dict[str, Any]] = field(default_factory=list)
    output_artifacts: list[dict[str, Any]] = field(default_factory=list)
    output_variables: dict[str, str] = field(default_factory=dict)
    resolved_configuration: dict[str, str] = field(default_factory=dict)
    progress: Callable[[], int | None] | None = None
    timeout: Timer | None = None
    caller: Caller | None = None  # the role CodePipeline assumed for this action

    @property
    def name(self) -> str:
        return str(self.definition["name"])

    def latest_execution(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "actionExecutionId": self.id,
            "status": self.status,
            "lastStatusChange": self.updated,
        }
        if self.summary:
            data["summary"] = self.summary
        if self.external_id:
            data["externalExecutionId"] = self.external_id
        if self.external_url:
            data["externalExecutionUrl"] = self.external_url
        if self.status == "InProgress" and self.progress is not None:
            percent = self.progress()
            if percent is not None:
                data["percentComplete"] = percent
        if self.error is not None:
            data["errorDetails"] = {"code": self.error[0], "message": self.error[1]}
        return data


@dataclass
class StageRun:
    name: str
    actions: list[ActionRun] = field(default_factory=list)
    status: str = "InProgress"
    manual_retries: int = 0
    history: list[ActionRun] = field(default_factory=list)  # earlier attempts


@dataclass
class Execution:
    id: str
    pipeline: str
    version: int
    account: str
    region: str
    mode: str
    stages: list[dict[str, Any]]
    bucket: str
    role_arn: str
    start: datetime
    updated: datetime
    variables: dict[str, str]
    trigger_detail: str
    status: str = "InProgress"
    status_summary: str = ""
    stage_runs: dict[str, StageRun] = field(default_factory=dict)
    stage_index: int = -1  # the stage it is in, or last left
    waiting_for: int | None = None  # the stage it waits to enter
    artifacts: dict[str, dict[str, str]] = field(default_factory=dict)
    revisions: list[dict[str, Any]] = field(default_factory=list)
    namespaces: dict[str, dict[str, str]] = field(default_factory=dict)
    source_overrides: dict[str, str] = field(default_factory=dict)
    stop_reason: str | None = None
    stopping: bool = False
    queued: bool = False
    owner: PipelineRuns | None = field(default=None, repr=False)

    def summary(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "pipelineExecutionId": self.id,
            "status": self.status,
            "startTime": self.start,
            "lastUpdateTime": self.updated,
            "sourceRevisions": [
                {k: r[k] for k in ("actionName", "revisionId", "revisionSummary", "revisionUrl")}
                for r in self.revisions
            ],
            "trigger": self.trigger(),
            "executionMode": self.mode,
            "executionType": "STANDARD",
        }
        if self.status_summary:
            data["statusSummary"] = self.status_summary
        if self.stop_reason is not None:
            data["stopTrigger"] = {"reason": self.stop_reason}
        return data

    def trigger(self) -> dict[str, str]:
        return {"triggerType": "StartPipelineExecution", "triggerDetail": self.trigger_detail}

    def detail(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "pipelineName": self.pipeline,
            "pipelineVersion": self.version,
            "pipelineExecutionId": self.id,
            "status": self.status,
            "artifactRevisions": [
                {
                    k: r[k]
                    for k in ("name", "revisionId", "revisionSummary", "created", "revisionUrl")
                }
                for r in self.revisions
            ],
            "variables": [{"name": k, "resolvedValue": v} for k, v in self.variables.items()],
            "trigger": self.trigger(),
            "executionMode": self.mode,
            "executionType": "STANDARD",
        }
        if self.status_summary:
            data["statusSummary"] = self.status_summary
        return data


@dataclass(frozen=True)
class StageAttempt:
    """One attempt at a stage: what every step of it needs to find its way on.

    ``only`` names the actions a FAILED_ACTIONS retry runs again (None: all of them).
    """

    execution: Execution
    index: int
    run: StageRun
    only: frozenset[str] | None = None


@dataclass
class PipelineRuns:
    """The executions of one pipeline and who holds which stage."""

    executions: dict[str, Execution] = field(default_factory=dict)
    stage_owner: dict[str, str] = field(default_factory=dict)  # stage -> latest execution in it
    locks: dict[int, str] = field(default_factory=dict)  # stage index -> execution in it
    waiting: dict[int, str] = field(default_factory=dict)  # stage index -> execution waiting
    queue: list[str] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    revision_count: int = 0
    model_id: int = 0  # moto's pipeline object: a re-created pipeline has no history



def runs_of(execution: Execution) -> PipelineRuns:
    assert execution.owner is not None
    return execution.owner
