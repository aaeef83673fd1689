"""CodePipeline reads: the pipeline's layout, its state, and its executions."""

from __future__ import annotations

from typing import Any

from pipectl.aws.errors import aws_call
from pipectl.aws.paging import pages
from pipectl.runs.projections import ActionLayout, PipelineLayout, state_of_actions
from pipectl.runs.reads import Clients


def pipeline_layout(clients: Clients, pipeline: str) -> PipelineLayout:
    with aws_call("codepipeline:GetPipeline", resource=pipeline):
        response = clients.client("codepipeline").get_pipeline(name=pipeline)
    stages = []
    declaration = response.get("pipeline") or {}
    # The model requires these names; the checks keep a malformed answer from crashing.
    for stage in declaration.get("stages") or []:
        if not stage.get("name"):
            continue
        actions = tuple(
            ActionLayout(
                stage=stage["name"],
                name=action["name"],
                category=str((action.get("actionTypeId") or {}).get("category", "")),
                provider=str((action.get("actionTypeId") or {}).get("provider", "")),
                configuration=dict(action.get("configuration") or {}),
            )
            for action in stage.get("actions") or [] if action.get("name")
        )
        stages.append((stage["name"], actions))
    return PipelineLayout(name=pipeline, stages=tuple(stages),
                          execution_mode=str(declaration.get("executionMode") or "SUPERSEDED"))


def pipeline_state(clients: Clients, pipeline: str) -> dict[str, Any]:
    with aws_call("codepipeline:GetPipelineState", resource=pipeline):
        response: dict[str, Any] = clients.client("codepipeline").get_pipeline_state(
            name=pipeline
        )
    return response


def execution(clients: Clients, pipeline: str, execution_id: str) -> dict[str, Any]:
    with aws_call("codepipeline:GetPipelineExecution", resource=f"{pipeline}/{execution_id}"):
        response = clients.client("codepipeline").get_pipeline_execution(
            pipelineName=pipeline, pipelineExecutionId=execution_id
        )
    result: dict[str, Any] = response.get("pipelineExecution") or {}
    return result


def _summaries(response: dict[str, Any]) -> list[dict[str, Any]]:
    # A summary without its id names no run: nothing can be said or done about it.
    return [s for s in response.get("pipelineExecutionSummaries") or []
            if s.get("pipelineExecutionId")]


def recent_executions(clients: Clients, pipeline: str, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` execution summaries, newest first (paged as needed)."""
    found: list[dict[str, Any]] = []
    page_size = min(100, limit)
    # The pages ``limit`` needs, and a few short ones more: a listing that keeps handing
    # out tokens without runs must not keep the command reading forever.
    enough_pages = -(-limit // page_size) + 3
    for response in pages(clients.client("codepipeline").list_pipeline_executions,
                          {"pipelineName": pipeline, "maxResults": page_size},
                          operation="codepipeline:ListPipelineExecutions", resource=pipeline,
                          max_pages=enough_pages):
        found.extend(_summaries(response))
        if len(found) >= limit:
            break
    return found[:limit]


def find_execution(
    clients: Clients, pipeline: str, execution_id: str | None, *, max_pages: int = 5
) -> dict[str, Any]:
    """The summary of one execution (default: the latest); NotFound if there is none."""
    from pipectl.errors import NotFound

    for response in pages(clients.client("codepipeline").list_pipeline_executions,
                          {"pipelineName": pipeline, "maxResults": 50 if execution_id else 1},
                          operation="codepipeline:ListPipelineExecutions", resource=pipeline,
                          max_pages=max_pages if execution_id else 1):
        for summary in _summaries(response):
            if execution_id is None or summary["pipelineExecutionId"] == execution_id:
                return summary
    if execution_id is None:
        raise NotFound(
            f"pipeline {pipeline} has no runs yet",
            operation="codepipeline:ListPipelineExecutions",
            resource=pipeline,
            hint="start one with `pipectl run --watch`",
        )
    raise NotFound(
        f"pipeline {pipeline} has no run {execution_id}",
        operation="codepipeline:ListPipelineExecutions",
        resource=pipeline,
        hint="list recent runs with `pipectl history`",
    )


def run_state(clients: Clients, layout: PipelineLayout, execution_id: str) -> dict[str, Any]:
    """A GetPipelineState-shaped view of one execution, from ListActionExecutions
    filtered by its id, which shows that run's actions whatever else runs.

    GetPipelineState only shows each stage's latest execution: a finished run whose
    stages newer runs have taken, and any run of a PARALLEL pipeline, are read this way.
    """
    pipeline = layout.name
    details: list[dict[str, Any]] = []
    for response in pages(clients.client("codepipeline").list_action_executions,
                          {"pipelineName": pipeline,
                           "filter": {"pipelineExecutionId": execution_id},
                           "maxResults": 100},
                          operation="codepipeline:ListActionExecutions",
                          resource=f"{pipeline}/{execution_id}", max_pages=10):
        details.extend(response.get("actionExecutionDetails") or [])
    return state_of_actions(pipeline, execution_id, details, layout)
