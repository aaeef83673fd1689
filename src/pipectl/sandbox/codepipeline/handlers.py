"""The CodePipeline operations the sandbox serves: starting, reading, stopping and retrying
executions. moto answers the rest (CreatePipeline, GetPipeline, UpdatePipeline...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipectl.sandbox.codepipeline import views
from pipectl.sandbox.codepipeline.engine import PipelineEngine
from pipectl.sandbox.codepipeline.model import Execution
from pipectl.sandbox.protocol import ApiError


def _page(items: list[Any], params: dict[str, Any], default: int) -> tuple[list[Any], str | None]:
    try:
        offset = int(params.get("nextToken") or 0)
    except ValueError as exc:
        raise ApiError("InvalidNextTokenException", "The next token is not valid") from exc
    size = int(params.get("maxResults") or default)
    page = items[offset : offset + size]
    following = offset + size
    return page, (str(following) if following < len(items) else None)


def pipeline_handlers(
    pipelines: PipelineEngine,
) -> dict[str, Callable[[str, str, dict[str, Any]], dict[str, Any]]]:
    def named_execution(account: str, region: str, params: dict[str, Any]) -> Execution:
        """The execution a request names (pipelineName, pipelineExecutionId)."""
        return pipelines.execution(
            account,
            region,
            str(params.get("pipelineName") or ""),
            str(params.get("pipelineExecutionId") or ""),
        )

    def start(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        return {"pipelineExecutionId": pipelines.start(account, region, params).id}

    def get_state(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        return pipelines.state(account, region, str(params.get("name") or ""))

    def get_execution(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        execution = named_execution(account, region, params)
        return {"pipelineExecution": execution.detail()}

    def list_executions(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        runs = pipelines.pipeline_runs(account, region, str(params.get("pipelineName") or ""))
        executions = sorted(runs.executions.values(), key=lambda e: e.start, reverse=True)
        stage = ((params.get("filter") or {}).get("succeededInStage") or {}).get("stageName")
        if stage:
            executions = [
                e
                for e in executions
                if (e.stage_runs.get(stage) and e.stage_runs[stage].status == "Succeeded")
            ]
        page, token = _page([e.summary() for e in executions], params, 100)
        answer: dict[str, Any] = {"pipelineExecutionSummaries": page}
        if token:
            answer["nextToken"] = token
        return answer

    def list_action_executions(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        name = str(params.get("pipelineName") or "")
        runs = pipelines.pipeline_runs(account, region, name)
        wanted = (params.get("filter") or {}).get("pipelineExecutionId")
        if wanted and wanted not in runs.executions:
            raise ApiError(
                "PipelineExecutionNotFoundException",
                f"Pipeline execution {wanted} does not exist in pipeline {name}",
            )
        details: list[dict[str, Any]] = []
        for execution in runs.executions.values():
            if wanted and execution.id != wanted:
                continue
            details.extend(
                views.action_detail(execution, a) for a in views.all_actions(execution)
            )
        details.sort(key=lambda d: d["startTime"], reverse=True)
        page, token = _page(details, params, 100)
        answer: dict[str, Any] = {"actionExecutionDetails": page}
        if token:
            answer["nextToken"] = token
        return answer

    def stop(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        execution = named_execution(account, region, params)
        pipelines.stop(
            execution,
            bool(params.get("abandon")),
            str(params.get("reason") or ""),
            pipelines.scheduler.now(),
        )
        return {"pipelineExecutionId": execution.id}

    def retry(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        mode = str(params.get("retryMode") or "")
        if mode not in ("FAILED_ACTIONS", "ALL_ACTIONS"):
            raise ApiError("ValidationException", "retryMode must be FAILED_ACTIONS or ALL_ACTIONS")
        execution = named_execution(account, region, params)
        pipelines.retry(
            execution, str(params.get("stageName") or ""), mode, pipelines.scheduler.now()
        )
        return {"pipelineExecutionId": execution.id}

    return {
        "codepipeline:StartPipelineExecution": start,
        "codepipeline:GetPipelineState": get_state,
        "codepipeline:GetPipelineExecution": get_execution,
        "codepipeline:ListPipelineExecutions": list_executions,
        "codepipeline:ListActionExecutions": list_action_executions,
        "codepipeline:StopPipelineExecution": stop,
        "codepipeline:RetryStageExecution": retry,
    }
