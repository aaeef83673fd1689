"""What GetPipelineState and ListActionExecutions show of the executions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipectl.sandbox.codepipeline.model import ActionRun, Execution, PipelineRuns


def all_actions(execution: Execution) -> list[ActionRun]:
    actions: list[ActionRun] = []
    for run in execution.stage_runs.values():
        actions.extend(run.history)
        actions.extend(run.actions)
    return actions


def pipeline_state(
    name: str, pipeline: dict[str, Any], model: Any, runs: PipelineRuns
) -> dict[str, Any]:
    """GetPipelineState: each stage's latest execution and its actions' latest runs."""
    stages = []
    for index, stage in enumerate(pipeline["stages"]):
        owner = runs.executions.get(runs.stage_owner.get(stage["name"], ""))
        run = owner.stage_runs.get(stage["name"]) if owner else None
        actions = []
        for definition in stage["actions"]:
            entry: dict[str, Any] = {"actionName": definition["name"]}
            action = (
                next((a for a in run.actions if a.name == definition["name"]), None)
                if run
                else None
            )
            if action is not None and owner is not None:
                entry["latestExecution"] = action.latest_execution()
                if (definition.get("actionTypeId") or {}).get(
                    "category"
                ) == "Source" and action.status == "Succeeded":
                    entry["currentRevision"] = {
                        "revisionId": action.external_id,
                        "revisionChangeId": action.external_id,
                        "created": action.updated,
                    }
                    entry["revisionUrl"] = action.external_url
            actions.append(entry)
        data: dict[str, Any] = {
            "stageName": stage["name"],
            "inboundTransitionState": {"enabled": True},
            "actionStates": actions,
        }
        waiting = runs.waiting.get(index)
        if waiting is not None:
            inbound = {
                "pipelineExecutionId": waiting,
                "status": "InProgress",
                "type": "STANDARD",
            }
            data["inboundExecution"] = inbound
            data["inboundExecutions"] = [inbound]
        if owner is not None and run is not None:
            data["latestExecution"] = {
                "pipelineExecutionId": owner.id,
                "status": run.status,
                "type": "STANDARD",
            }
            if run.manual_retries:
                data["retryStageMetadata"] = {
                    "manualStageRetryAttempt": run.manual_retries,
                    "latestRetryTrigger": "ManualStageRetry",
                }
        stages.append(data)
    metadata = model.metadata
    return {
        "pipelineName": name,
        "pipelineVersion": int(pipeline.get("version", 1)),
        "stageStates": stages,
        "created": _parse_time(metadata["created"]),
        "updated": _parse_time(metadata["updated"]),
    }


def action_detail(execution: Execution, action: ActionRun) -> dict[str, Any]:
    definition = action.definition
    result: dict[str, Any] = {}
    if action.external_id:
        result["externalExecutionId"] = action.external_id
    if action.external_summary:
        result["externalExecutionSummary"] = action.external_summary
    if action.external_url:
        result["externalExecutionUrl"] = action.external_url
    if action.error is not None:
        result["errorDetails"] = {"code": action.error[0], "message": action.error[1]}
    action_input: dict[str, Any] = {
        "actionTypeId": definition.get("actionTypeId"),
        "configuration": definition.get("configuration") or {},
        "resolvedConfiguration": action.resolved_configuration,
        "region": definition.get("region") or execution.region,
        "inputArtifacts": action.input_artifacts,
    }
    if definition.get("roleArn") or execution.role_arn:
        action_input["roleArn"] = definition.get("roleArn") or execution.role_arn
    if definition.get("namespace"):
        action_input["namespace"] = definition["namespace"]
    return {
        "pipelineExecutionId": execution.id,
        "actionExecutionId": action.id,
        "pipelineVersion": execution.version,
        "stageName": action.stage,
        "actionName": action.name,
        "startTime": action.start,
        "lastUpdateTime": action.updated,
        "status": action.status,
        "input": action_input,
        "output": {
            "outputArtifacts": action.output_artifacts,
            "executionResult": result,
            "outputVariables": action.output_variables,
        },
    }


def _parse_time(value: Any) -> Any:
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value

