"""Pipeline executions that move through their stages, as CodePipeline runs them.

The pipeline definitions are moto's (CreatePipeline, GetPipeline, UpdatePipeline...);
the executions are the sandbox's: StartPipelineExecution starts one that runs Source,
Build and Deploy actions over (scaled) time, and GetPipelineState, GetPipelineExecution,
ListPipelineExecutions, ListActionExecutions, StopPipelineExecution and
RetryStageExecution all read and act on the same executions.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from pipectl.sandbox.codebuild.runner import BuildRunner
from pipectl.sandbox.codepipeline import views
from pipectl.sandbox.codepipeline.actions.build import CodeBuildAction
from pipectl.sandbox.codepipeline.actions.commands import CommandsAction
from pipectl.sandbox.codepipeline.actions.deploy import EcsDeployAction
from pipectl.sandbox.codepipeline.actions.source import SourceAction
from pipectl.sandbox.codepipeline.control import StopAndRetry
from pipectl.sandbox.codepipeline.model import Execution, PipelineRuns
from pipectl.sandbox.ecs.deployments import Deployments
from pipectl.sandbox.protocol import ApiError
from pipectl.sandbox.runtime import Runtime


def _pipeline_backend(account: str, region: str) -> Any:
    from moto.codepipeline.models import codepipeline_backends

    return codepipeline_backends[account][region]


def _not_found(account: str, name: str) -> ApiError:
    return ApiError(
        "PipelineNotFoundException",
        f"Account '{account}' does not have a pipeline with name '{name}'",
    )


class PipelineEngine(StopAndRetry):
    """Runs executions; every transition happens on the engine's clock."""

    def __init__(self, runtime: Runtime, builds: BuildRunner, deployments: Deployments) -> None:
        self.runtime = runtime
        self.runs: dict[tuple[str, str, str], PipelineRuns] = {}
        self.runners = {
            ("Source", None): SourceAction(runtime),
            ("Build", "CodeBuild"): CodeBuildAction(runtime, builds),
            ("Deploy", "ECS"): EcsDeployAction(runtime, deployments),
            ("Compute", "Commands"): CommandsAction(runtime, deployments),
        }

    def reset(self) -> None:
        self.runs.clear()

    def definition(self, account: str, region: str, name: str) -> tuple[dict[str, Any], Any]:
        model = _pipeline_backend(account, region).pipelines.get(name)
        if model is None:
            raise _not_found(account, name)
        return model.pipeline, model

    def pipeline_runs(self, account: str, region: str, name: str) -> PipelineRuns:
        _, model = self.definition(account, region, name)
        runs = self.runs.get((account, region, name))
        if runs is None or runs.model_id != id(model):
            runs = PipelineRuns(model_id=id(model))
            self.runs[(account, region, name)] = runs
        return runs

    def execution(self, account: str, region: str, name: str, execution_id: str) -> Execution:
        runs = self.pipeline_runs(account, region, name)
        execution = runs.executions.get(execution_id)
        if execution is None:
            raise ApiError(
                "PipelineExecutionNotFoundException",
                f"Pipeline execution {execution_id} does not exist in pipeline {name}",
            )
        return execution

    # --- starting -------------------------------------------------------------------

    def start(self, account: str, region: str, params: dict[str, Any]) -> Execution:
        name = str(params.get("name") or "")
        pipeline, _ = self.definition(account, region, name)
        runs = self.pipeline_runs(account, region, name)
        token = params.get("clientRequestToken")
        if token and token in runs.tokens:
            return runs.executions[runs.tokens[token]]
        variables = self._resolve_variables(pipeline, params.get("variables") or [])
        now = self.scheduler.now()
        mode = str(pipeline.get("executionMode") or "SUPERSEDED")
        bucket = str((pipeline.get("artifactStore") or {}).get("location") or "")
        if not bucket:
            stores = pipeline.get("artifactStores") or {}
            bucket = str((stores.get(region) or {}).get("location") or "")
        execution = Execution(
            id=str(uuid.uuid4()),
            pipeline=name,
            version=int(pipeline.get("version", 1)),
            account=account,
            region=region,
            mode=mode,
            stages=json.loads(json.dumps(pipeline["stages"])),
            bucket=bucket,
            role_arn=str(pipeline.get("roleArn") or ""),
            start=now,
            updated=now,
            variables=variables,
            trigger_detail=f"arn:aws:sts::{account}:assumed-role/pipectl-sandbox/user",
        )
        for revision in params.get("sourceRevisions") or []:
            execution.source_overrides[str(revision["actionName"])] = str(revision["revisionValue"])
        execution.owner = runs
        runs.executions[execution.id] = execution
        if token:
            runs.tokens[str(token)] = execution.id
        busy = [
            e
            for e in runs.executions.values()
            if e.status in ("InProgress", "Stopping") and e.id != execution.id and not e.queued
        ]
        if mode == "QUEUED" and busy:
            execution.queued = True
            runs.queue.append(execution.id)
        else:
            self._try_enter(execution, 0, now)
        return execution

    def _resolve_variables(
        self, pipeline: dict[str, Any], given: list[dict[str, Any]]
    ) -> dict[str, str]:
        declared = {str(v["name"]): v for v in pipeline.get("variables") or []}
        values: dict[str, str] = {}
        for variable in given:
            name = str(variable.get("name"))
            if name not in declared:
                raise ApiError(
                    "ValidationException",
                    f"Variable {name} is not declared in the pipeline definition",
                )
            values[name] = str(variable.get("value", ""))
        for name, variable in declared.items():
            if name not in values:
                if "defaultValue" not in variable:
                    raise ApiError(
                        "ValidationException",
                        f"Variable {name} has no default value and was not given a value",
                    )
                values[name] = str(variable["defaultValue"])
        return values

    def state(self, account: str, region: str, name: str) -> dict[str, Any]:
        pipeline, model = self.definition(account, region, name)
        return views.pipeline_state(name, pipeline, model,
                                    self.pipeline_runs(account, region, name))
