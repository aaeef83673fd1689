"""Stopping an execution (letting its actions finish, or abandoning them) and retrying a
failed stage (all its actions, or the failed ones)."""

from __future__ import annotations

from datetime import datetime

from pipectl.sandbox.codepipeline.flow import StageFlow
from pipectl.sandbox.codepipeline.model import Execution, StageAttempt, runs_of
from pipectl.sandbox.protocol import ApiError


class StopAndRetry(StageFlow):
    """StopPipelineExecution and RetryStageExecution over the executions' stages."""

    def stop(self, execution: Execution, abandon: bool, reason: str, at: datetime) -> None:
        if execution.status == "Stopping" and not abandon:
            raise ApiError(
                "DuplicatedStopRequestException",
                f"Execution {execution.id} is already being stopped",
            )
        if execution.status not in ("InProgress", "Stopping"):
            raise ApiError(
                "PipelineExecutionNotStoppableException",
                f"Unable to stop pipeline execution {execution.id} because its status is "
                f"{execution.status}",
            )
        execution.stop_reason = reason
        running = [
            a
            for run in execution.stage_runs.values()
            if run.status in ("InProgress", "Stopping")
            for a in run.actions
            if a.status == "InProgress"
        ]
        if abandon or not running:
            for action in running:
                action.status = "Abandoned"
                action.updated = at
                if action.timeout is not None:
                    self.scheduler.cancel(action.timeout)
            for run in execution.stage_runs.values():
                if run.status in ("InProgress", "Stopping"):
                    run.status = "Stopped"
            self._finish(execution, "Stopped", at)
            return
        execution.status = "Stopping"
        execution.stopping = True
        execution.updated = at
        for run in execution.stage_runs.values():
            if run.status == "InProgress":
                run.status = "Stopping"

    def retry(self, execution: Execution, stage_name: str, mode: str, at: datetime) -> None:
        runs = runs_of(execution)
        index = next((i for i, s in enumerate(execution.stages) if s["name"] == stage_name), None)
        run = execution.stage_runs.get(stage_name)
        if index is None:
            raise ApiError("StageNotFoundException", f"Stage {stage_name} does not exist")
        if runs.stage_owner.get(stage_name) != execution.id:
            raise ApiError(
                "NotLatestPipelineExecutionException",
                f"Execution {execution.id} is not the latest execution in stage {stage_name}",
            )
        if (
            run is None
            or run.status not in ("Failed", "Stopped")
            or execution.status not in ("Failed", "Stopped")
        ):
            raise ApiError(
                "StageNotRetryableException",
                f"Stage {stage_name} of execution {execution.id} is not in a failed state",
            )
        holder = runs.locks.get(index)
        if execution.mode == "SUPERSEDED" and holder not in (None, execution.id):
            raise ApiError("ConflictException", f"Stage {stage_name} is in use by {holder}")
        if execution.mode == "QUEUED" and any(
            e.status in ("InProgress", "Stopping") and not e.queued
            for e in runs.executions.values()
        ):
            raise ApiError("ConflictException", "Another execution of the pipeline is in progress")
        only: frozenset[str] | None = None
        if mode == "FAILED_ACTIONS":
            only = frozenset(a.name for a in run.actions if a.status in ("Failed", "Abandoned"))
        run.history.extend(a for a in run.actions if only is None or a.name in only)
        run.status = "InProgress"
        run.manual_retries += 1
        execution.status = "InProgress"
        execution.stop_reason = None
        execution.updated = at
        execution.stage_index = index
        if execution.mode == "SUPERSEDED":
            runs.locks[index] = execution.id
        stage = execution.stages[index]
        orders = self._run_orders(stage)
        first = min(
            (
                int(a.get("runOrder", 1))
                for a in stage["actions"]
                if only is None or a["name"] in only
            ),
            default=orders[0],
        )
        self._run_group(StageAttempt(execution, index, run, only), first, at)
