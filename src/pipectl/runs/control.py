"""Stop a run, retry a failed stage."""

from __future__ import annotations

from dataclasses import dataclass

from pipectl.aws.errors import aws_call, error_code
from pipectl.errors import InvalidInput, NothingToActOn
from pipectl.runs.reads import Clients
from pipectl.runs.reads import codepipeline as pipeline_reads


@dataclass(frozen=True)
class Stopped:
    pipeline: str
    execution_id: str
    abandon: bool
    reason: str | None


@dataclass(frozen=True)
class Retried:
    pipeline: str
    execution_id: str
    stage: str
    actions: tuple[str, ...]  # the failed actions being run again


def running_execution(clients: Clients, pipeline: str) -> str:
    """The newest execution still in progress."""
    for summary in pipeline_reads.recent_executions(clients, pipeline, 20):
        if summary.get("status") in ("InProgress", "Stopping"):
            return str(summary["pipelineExecutionId"])
    raise NothingToActOn(f"pipeline {pipeline} has no run in progress: nothing to stop",
                         hint="see recent runs with `pipectl history`")


def stop_run(
    clients: Clients, pipeline: str, execution_id: str | None, *, abandon: bool,
    reason: str | None,
) -> Stopped:
    execution_id = execution_id or running_execution(clients, pipeline)
    params: dict[str, object] = {"pipelineName": pipeline, "pipelineExecutionId": execution_id,
                                 "abandon": abandon}
    if reason:
        params["reason"] = reason[:200]
    try:
        clients.client("codepipeline").stop_pipeline_execution(**params)
    except Exception as exc:
        code = error_code(exc)
        if code == "PipelineExecutionNotStoppableException":
            raise NothingToActOn(f"run {execution_id} is not in progress: nothing to stop",
                                 hint="see recent runs with `pipectl history`") from exc
        if code == "DuplicatedStopRequestException":
            raise NothingToActOn(f"run {execution_id} is already stopping (it waits for its "
                                 "running actions to finish)",
                                 hint=f"`pipectl stop {execution_id} --abandon` stops it "
                                 "without waiting for them") from exc
        with aws_call("codepipeline:StopPipelineExecution", resource=f"{pipeline}/{execution_id}"):
            raise
    return Stopped(pipeline, execution_id, abandon, reason)


def retry_failed_stage(clients: Clients, pipeline: str, execution_id: str | None) -> Retried:
    """RetryStageExecution(FAILED_ACTIONS) on the stage where the run failed."""
    execution_id = execution_id or str(
        pipeline_reads.find_execution(clients, pipeline, None)["pipelineExecutionId"]
    )
    state = pipeline_reads.pipeline_state(clients, pipeline)
    for stage in state.get("stageStates") or []:
        if not stage.get("stageName"):
            continue
        latest = stage.get("latestExecution") or {}
        if latest.get("pipelineExecutionId") != execution_id or latest.get("status") != "Failed":
            continue
        failed = tuple(
            a["actionName"] for a in stage.get("actionStates") or []
            if a.get("actionName")
            and (a.get("latestExecution") or {}).get("status") in ("Failed", "Abandoned")
        )
        try:
            clients.client("codepipeline").retry_stage_execution(
                pipelineName=pipeline, stageName=stage["stageName"],
                pipelineExecutionId=execution_id, retryMode="FAILED_ACTIONS",
            )
        except Exception as exc:
            if error_code(exc) == "StageNotRetryableException":
                raise InvalidInput(
                    f"stage {stage['stageName']} of run {execution_id} cannot be retried",
                    hint="only the latest run's failed stage can be retried; start a new run "
                    "with `pipectl run --watch`") from exc
            with aws_call("codepipeline:RetryStageExecution",
                          resource=f"{pipeline}/{stage['stageName']}"):
                raise
        return Retried(pipeline, execution_id, stage["stageName"], failed)
    raise NothingToActOn(f"run {execution_id} of {pipeline} has no failed stage to retry",
                       hint="see where it stands with `pipectl status`")
