"""Pipeline executions that move through their stages, as CodePipeline runs them.

The pipeline definitions are moto's (CreatePipeline, GetPipeline, UpdatePipeline...);
the executions are the sandbox's: StartPipelineExecution starts one that runs Source,
Build and Deploy actions over (scaled) time, and GetPipelineState, GetPipelineExecution,
ListPipelineExecutions, ListActionExecutions, StopPipelineExecution and
RetryStageExecution all read and act on the same executions.

Execution modes: SUPERSEDED (one execution per stage; a newer execution waiting to
enter a stage replaces an older one waiting there, which becomes Superseded), QUEUED
(executions run one after another, in order) and PARALLEL (each runs on its own).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pipectl.sandbox import action_access, backends, commands_action
from pipectl.sandbox.action_access import ActionRefused
from pipectl.sandbox.clock import Timer, engine_error
from pipectl.sandbox.codebuild.access import CannotAssume
from pipectl.sandbox.codebuild.build import ArtifactTarget, Build
from pipectl.sandbox.codebuild.phases import PHASE_ORDER
from pipectl.sandbox.ecs.rollout import LAUNCH_AFTER, Rollout
from pipectl.sandbox.permissions import Caller
from pipectl.sandbox.protocol import ApiError

if TYPE_CHECKING:
    from pipectl.sandbox.engine import Engine

SOURCE_SECONDS = 3.0
# When the deploy action first looks at the tasks of its rollout (ListTasks, DescribeTasks).
WATCH_TASKS_AFTER = LAUNCH_AFTER + 1.0
TRANSITION_SECONDS = 1.0
DEFAULT_DEPLOY_TIMEOUT_MINUTES = 60
VARIABLE_REFERENCE = re.compile(r"#\{([A-Za-z0-9@\-_]+)\.([A-Za-z0-9@\-_]+)\}")
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


def _pipeline_backend(account: str, region: str) -> Any:
    from moto.codepipeline.models import codepipeline_backends

    return codepipeline_backends[account][region]


def _not_found(account: str, name: str) -> ApiError:
    return ApiError(
        "PipelineNotFoundException",
        f"Account '{account}' does not have a pipeline with name '{name}'",
    )


class PipelineEngine:
    """Runs executions; every transition happens on the engine's clock."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.runs: dict[tuple[str, str, str], PipelineRuns] = {}

    def reset(self) -> None:
        self.runs.clear()

    @property
    def scheduler(self) -> Any:
        return self.engine.scheduler

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

    # --- moving between stages -------------------------------------------------------

    @staticmethod
    def _runs_of(execution: Execution) -> PipelineRuns:
        assert execution.owner is not None
        return execution.owner

    def _try_enter(self, execution: Execution, index: int, at: datetime) -> None:
        if execution.status not in ("InProgress", "Stopping"):
            return
        runs = self._runs_of(execution)
        if execution.stopping:
            self._finish(execution, "Stopped", at)
            return
        if index >= len(execution.stages):
            self._finish(execution, "Succeeded", at)
            return
        if execution.mode == "SUPERSEDED":
            newer_ahead = [
                e
                for e in runs.executions.values()
                if e.start > execution.start and e.stage_index >= index and e.id != execution.id
            ]
            if newer_ahead:
                self._finish(execution, "Superseded", at)
                return
            holder = runs.locks.get(index)
            if holder is not None and holder != execution.id:
                self._wait(execution, runs, index, at)
                return
            runs.locks[index] = execution.id
        self._enter(execution, index, at)

    def _wait(self, execution: Execution, runs: PipelineRuns, index: int, at: datetime) -> None:
        other_id = runs.waiting.get(index)
        if other_id is not None and other_id != execution.id:
            other = runs.executions[other_id]
            older, newer = (
                (other, execution) if other.start <= execution.start else (execution, other)
            )
            runs.waiting[index] = newer.id
            newer.waiting_for = index
            older.waiting_for = None
            self._finish(older, "Superseded", at)
            if newer is not execution:
                return
        runs.waiting[index] = execution.id
        execution.waiting_for = index

    def _enter(self, execution: Execution, index: int, at: datetime) -> None:
        runs = self._runs_of(execution)
        stage = execution.stages[index]
        execution.stage_index = index
        execution.waiting_for = None
        execution.updated = at
        run = StageRun(str(stage["name"]))
        execution.stage_runs[run.name] = run
        runs.stage_owner[run.name] = execution.id
        self._run_group(StageAttempt(execution, index, run), self._run_orders(stage)[0], at)

    @staticmethod
    def _run_orders(stage: dict[str, Any]) -> list[int]:
        return sorted({int(a.get("runOrder", 1)) for a in stage["actions"]}) or [1]

    def _run_group(self, attempt: StageAttempt, order: int, at: datetime) -> None:
        run = attempt.run
        stage = attempt.execution.stages[attempt.index]
        group = [a for a in stage["actions"] if int(a.get("runOrder", 1)) == order]
        if attempt.only is not None:
            group = [a for a in group if a["name"] in attempt.only]
        if not group:
            self._group_done(attempt, order, at)
            return
        for definition in group:
            action = ActionRun(
                id=str(uuid.uuid4()),
                stage=run.name,
                definition=definition,
                start=at,
                updated=at,
            )
            run.actions = [a for a in run.actions if a.name != action.name] + [action]
            self._start_action(attempt, action, order, at)

    def _action_done(
        self, attempt: StageAttempt, action: ActionRun, order: int, at: datetime
    ) -> None:
        action.updated = at
        attempt.execution.updated = at
        if action.timeout is not None:
            self.scheduler.cancel(action.timeout)
        if any(a.status == "InProgress" for a in attempt.run.actions):
            return
        self._group_done(attempt, order, at)

    def _group_done(self, attempt: StageAttempt, order: int, at: datetime) -> None:
        execution, index, run = attempt.execution, attempt.index, attempt.run
        if run.status != "InProgress" and run.status != "Stopping":
            return
        stage = execution.stages[index]
        failed = any(a.status == "Failed" for a in run.actions)
        if execution.stopping or failed:
            self._stage_over(
                execution, index, run, "Stopped" if execution.stopping else "Failed", at
            )
            return
        later = [o for o in self._run_orders(stage) if o > order]
        if later:
            self._run_group(attempt, later[0], at)
            return
        self._stage_over(execution, index, run, "Succeeded", at)

    def _stage_over(
        self, execution: Execution, index: int, run: StageRun, status: str, at: datetime
    ) -> None:
        run.status = status
        execution.updated = at
        self._release(execution, index, at)
        if status == "Succeeded":
            self.scheduler.after(
                at, TRANSITION_SECONDS, lambda due: self._try_enter(execution, index + 1, due)
            )
        elif status == "Failed":
            self._finish(execution, "Failed", at)
        else:
            self._finish(execution, "Stopped", at)

    def _release(self, execution: Execution, index: int, at: datetime) -> None:
        runs = self._runs_of(execution)
        if runs.locks.get(index) == execution.id:
            del runs.locks[index]
            waiting = runs.waiting.pop(index, None)
            if waiting is not None:
                waiter = runs.executions[waiting]
                self.scheduler.at(at, lambda due: self._try_enter(waiter, index, due))

    def _finish(self, execution: Execution, status: str, at: datetime) -> None:
        if execution.status in FINAL:
            return
        runs = self._runs_of(execution)
        execution.status = status
        execution.updated = at
        execution.stopping = False
        if (
            execution.waiting_for is not None
            and runs.waiting.get(execution.waiting_for) == execution.id
        ):
            del runs.waiting[execution.waiting_for]
        execution.waiting_for = None
        for index, holder in list(runs.locks.items()):
            if holder == execution.id:
                self._release(execution, index, at)
        if execution.id in runs.queue:
            runs.queue.remove(execution.id)
        if (
            execution.mode == "QUEUED"
            and runs.queue
            and not any(
                e.status in ("InProgress", "Stopping") and not e.queued
                for e in runs.executions.values()
            )
        ):
            following = runs.executions[runs.queue.pop(0)]
            following.queued = False
            self.scheduler.at(at, lambda due: self._try_enter(following, 0, due))

    # --- actions ----------------------------------------------------------------------

    def _start_action(
        self, attempt: StageAttempt, action: ActionRun, order: int, at: datetime
    ) -> None:
        execution = attempt.execution
        type_id = action.definition.get("actionTypeId") or {}
        category, provider = type_id.get("category"), type_id.get("provider")
        action.resolved_configuration = {
            k: self._resolve(execution, str(v))
            for k, v in (action.definition.get("configuration") or {}).items()
        }
        action.input_artifacts = [
            {"name": a["name"], "s3location": execution.artifacts[a["name"]]}
            for a in action.definition.get("inputArtifacts") or []
            if a["name"] in execution.artifacts
        ]

        def broken_execution(due: datetime, exc: Exception) -> None:
            execution.status_summary = engine_error(exc)
            self._finish(execution, "Failed", due)

        def done(due: datetime) -> None:
            with self.scheduler.guard(broken_execution):
                try:
                    self._action_done(attempt, action, order, due)
                except Exception as exc:
                    self.scheduler.report(exc)
                    broken_execution(due, exc)

        def broken(due: datetime, exc: Exception) -> None:
            if action.status == "InProgress":
                self._fail(action, due, "JobFailed", engine_error(exc))
                done(due)

        with self.scheduler.guard(broken):
            try:
                self._run_action(execution, action, category, provider, at, done)
            except Exception as exc:
                self.scheduler.report(exc)
                broken(at, exc)

    def _run_action(
        self, execution: Execution, action: ActionRun, category: Any, provider: Any,
        at: datetime, done: Callable[[datetime], None],
    ) -> None:
        try:
            action.caller = action_access.pipeline_caller(
                account=execution.account, region=execution.region,
                pipeline=execution.pipeline,
                role_arn=str(action.definition.get("roleArn") or execution.role_arn),
            )
        except ActionRefused as refused:
            self._fail(action, at, "JobFailed", str(refused))
            self.scheduler.at(at, done)
            return
        if category == "Source":
            self.scheduler.after(
                at, SOURCE_SECONDS, lambda due: self._source(execution, action, due, done)
            )
        elif category == "Build" and provider == "CodeBuild":
            self._build(execution, action, at, done)
        elif category == "Deploy" and provider == "ECS":
            self._deploy(execution, action, at, done)
        elif category == "Compute" and provider == "Commands":
            commands_action.start(self.scheduler, self.engine.app.handlers,
                                  execution.pipeline, action, at, done)
        else:
            self._fail(
                action,
                at,
                "JobFailed",
                f"The pipectl sandbox does not run {category}/{provider} actions",
            )
            self.scheduler.at(at, done)

    def _fail(self, action: ActionRun, at: datetime, code: str, message: str) -> None:
        action.status = "Failed"
        action.error = (code, message)
        action.updated = at

    def _resolve(self, execution: Execution, value: str) -> str:
        def replace(match: re.Match[str]) -> str:
            namespace, name = match.group(1), match.group(2)
            if namespace == "variables":
                return execution.variables.get(name, match.group(0))
            return execution.namespaces.get(namespace, {}).get(name, match.group(0))

        return VARIABLE_REFERENCE.sub(replace, value)

    def _artifact_key(self, execution: Execution, artifact: str) -> dict[str, str]:
        suffix = "".join(random.choices(string.ascii_letters + string.digits, k=7))
        return {
            "bucket": execution.bucket,
            "key": f"{execution.pipeline[:20]}/{artifact[:10]}/{suffix}",
        }

    def _outputs(self, execution: Execution, action: ActionRun) -> list[dict[str, Any]]:
        outputs = []
        for artifact in action.definition.get("outputArtifacts") or []:
            location = self._artifact_key(execution, str(artifact["name"]))
            execution.artifacts[str(artifact["name"])] = location
            outputs.append({"name": artifact["name"], "s3location": location})
        return outputs

    def _publish_variables(self, execution: Execution, action: ActionRun) -> None:
        namespace = action.definition.get("namespace")
        if namespace and action.output_variables:
            execution.namespaces[str(namespace)] = dict(action.output_variables)

    def _source(
        self,
        execution: Execution,
        action: ActionRun,
        at: datetime,
        done: Callable[[datetime], None],
    ) -> None:
        if action.status != "InProgress":
            return
        config = action.resolved_configuration
        runs = self._runs_of(execution)
        runs.revision_count += 1
        override = execution.source_overrides.get(action.name)
        revision = (
            override or hashlib.sha1(f"{execution.pipeline}:{execution.id}".encode()).hexdigest()
        )
        repository = (
            config.get("FullRepositoryId")
            or config.get("RepositoryName")
            or config.get("S3Bucket", "source")
        )
        branch = config.get("BranchName", "main")
        message = f"Update {execution.pipeline} (sandbox commit {runs.revision_count})"
        if not execution.bucket or not backends.bucket_exists(execution.account, execution.bucket):
            self._fail(
                action,
                at,
                "JobFailed",
                f"The artifact bucket {execution.bucket or '(none)'} does not exist",
            )
            done(at)
            return
        outputs = self._outputs(execution, action)
        try:
            assert action.caller is not None
            provider = str((action.definition.get("actionTypeId") or {}).get("provider"))
            action_access.source(action.caller, provider, config)
            action_access.write_artifacts(action.caller, [o["s3location"] for o in outputs])
        except ActionRefused as refused:
            self._fail(action, at, "JobFailed", str(refused))
            done(at)
            return
        try:
            for output in outputs:
                backends.put_zip(
                    execution.account,
                    output["s3location"]["bucket"],
                    output["s3location"]["key"],
                    {"README.md": f"{repository}@{revision}\n"},
                )
        except backends.BackendError as exc:
            self._fail(action, at, "JobFailed", str(exc))
            done(at)
            return
        url = f"https://github.com/{repository}/commit/{revision}"
        action.status = "Succeeded"
        action.summary = message
        action.external_id = revision
        action.external_url = url
        action.external_summary = message
        action.output_artifacts = outputs
        action.output_variables = {
            "CommitId": revision,
            "CommitMessage": message,
            "BranchName": branch,
            "FullRepositoryName": repository,
            "AuthorDate": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ProviderType": "GitHub",
        }
        if "ConnectionArn" in config:
            action.output_variables["ConnectionArn"] = config["ConnectionArn"]
        self._publish_variables(execution, action)
        for output in outputs:
            execution.revisions.append(
                {
                    "name": output["name"],
                    "actionName": action.name,
                    "revisionId": revision,
                    "revisionSummary": message,
                    "created": at,
                    "revisionUrl": url,
                }
            )
        done(at)

    def _build(
        self,
        execution: Execution,
        action: ActionRun,
        at: datetime,
        done: Callable[[datetime], None],
    ) -> None:
        from pipectl.sandbox.codebuild.projects import get_project

        config = action.resolved_configuration
        project = get_project(execution.account, execution.region, config.get("ProjectName", ""))
        if project is None:
            self._fail(
                action,
                at,
                "JobFailed",
                f"Error calling startBuild: Project cannot be found: arn:aws:codebuild:"
                f"{execution.region}:{execution.account}:project/{config.get('ProjectName')}",
            )
            self.scheduler.at(at, done)
            return
        try:
            assert action.caller is not None
            action_access.start_build(action.caller, str(project["name"]))
        except ActionRefused as refused:
            self._fail(action, at, "JobFailed", str(refused))
            self.scheduler.at(at, done)
            return
        outputs = self._outputs(execution, action)
        target = None
        if outputs:
            location = outputs[0]["s3location"]
            target = ArtifactTarget(location["bucket"], location["key"], outputs[0]["name"])
        try:
            overrides = json.loads(config.get("EnvironmentVariables", "[]") or "[]")
        except ValueError:
            overrides = []
        revision = execution.revisions[0]["revisionId"] if execution.revisions else ""
        try:
            build = self.engine.builds.start(
                account=execution.account,
                region=execution.region,
                project=project,
                at=at,
                source_version=revision,
                initiator=f"codepipeline/{execution.pipeline}",
                artifact=target,
                overrides=overrides if isinstance(overrides, list) else [],
                source_location=(action.input_artifacts[0]["s3location"]
                                 if action.input_artifacts else None),
            )
        except CannotAssume as refused:
            self._fail(action, at, "JobFailed", f"Error calling startBuild: {refused}")
            self.scheduler.at(at, done)
            return
        action.external_id = build.id
        action.external_url = (
            f"https://console.aws.amazon.com/codebuild/home?region={execution.region}"
            f"#/builds/{build.id}/view/new"
        )
        action.progress = lambda: int(
            100 * PHASE_ORDER.index(build.current_phase) / (len(PHASE_ORDER) - 1)
        )

        def finished(build: Build, due: datetime) -> None:
            if action.status != "InProgress":
                return  # abandoned
            if build.status == "SUCCEEDED":
                action.status = "Succeeded"
                action.output_artifacts = outputs
                action.output_variables = dict(build.exported)
                self._publish_variables(execution, action)
            elif build.status == "STOPPED":
                self._fail(action, due, "JobFailed", "Build terminated with state: STOPPED")
            else:
                self._fail(
                    action,
                    due,
                    "JobFailed",
                    f"Build terminated with state: {build.status}. Phase: {build.failed_phase}, "
                    f"Code: {build.failure_code}, Message: {build.failure_message}",
                )
            done(due)

        build.on_done.append(finished)

    def _deploy(
        self,
        execution: Execution,
        action: ActionRun,
        at: datetime,
        done: Callable[[datetime], None],
    ) -> None:
        config = action.resolved_configuration
        cluster, service_name = config.get("ClusterName", ""), config.get("ServiceName", "")
        file_name = config.get("FileName") or "imagedefinitions.json"

        def fail(message: str) -> None:
            self._fail(action, at, "JobFailed", message)
            self.scheduler.at(at, done)

        caller = action.caller
        assert caller is not None
        try:
            action_access.read_artifacts(caller, [a["s3location"] for a in action.input_artifacts])
            action_access.describe_service(caller, cluster, service_name)
        except ActionRefused as refused:
            fail(str(refused))
            return
        service = backends.find_service(execution.account, execution.region, cluster, service_name)
        if service is None:
            fail(f"The Amazon ECS service '{service_name}' does not exist in cluster '{cluster}'.")
            return
        text = None
        for artifact in action.input_artifacts:
            location = artifact["s3location"]
            text = backends.read_zip_member(
                execution.account, location["bucket"], location["key"], file_name
            )
            if text is not None:
                break
        if text is None:
            fail(
                f"Invalid action configuration: Exception while trying to read the image "
                f"artifact file {file_name} from the artifact bucket"
            )
            return
        try:
            images = {str(i["name"]): str(i["imageUri"]) for i in json.loads(text)}
        except (ValueError, KeyError, TypeError):
            fail(f"Invalid action configuration: {file_name} is not a valid image definitions file")
            return
        current = backends.describe_task_definition(
            execution.account, execution.region, service.task_definition
        )
        names = {c.get("name") for c in current.container_definitions}
        unknown = [n for n in images if n not in names]
        if unknown:
            fail(f"Invalid action configuration: The AWS ECS container {unknown[0]} does not exist")
            return
        try:
            action_access.register_revision(
                caller, current.family,
                backends.next_revision(execution.account, execution.region, current.family),
                current.tags, backends.task_roles(current),
            )
            action_access.update_service(caller, cluster, service_name)
        except ActionRefused as refused:
            fail(str(refused))
            return
        revision = backends.register_revision_with_images(
            execution.account, execution.region, current.arn, images
        )
        service.task_definition = revision.arn
        fault = self.engine.faults.take_deploy_fault(service.name)
        rollout = self.engine.deployments.start(
            execution.account, execution.region, service, at, fault=fault
        )
        action.external_id = rollout.id
        action.external_url = (
            f"https://console.aws.amazon.com/ecs/v2/clusters/{cluster}/services/"
            f"{service_name}/deployments?region={execution.region}"
        )
        action.summary = f"Deploying {revision.arn.rsplit('/', 1)[-1]} to {service_name}"
        minutes = int(config.get("DeploymentTimeout") or DEFAULT_DEPLOY_TIMEOUT_MINUTES)

        def rolled(rollout: Rollout, due: datetime) -> None:
            if action.status == "InProgress" and rollout.engine_error:
                self._fail(action, due, "JobFailed", rollout.engine_error)
                done(due)
                return
            if action.status != "InProgress" or rollout.state != "COMPLETED":
                return  # FAILED: CodePipeline waits for the timeout, as on AWS
            action.status = "Succeeded"
            action.summary = f"Deployed {revision.arn.rsplit('/', 1)[-1]} to {service_name}"
            done(due)

        def timed_out(due: datetime) -> None:
            if action.status != "InProgress":
                return
            self._fail(
                action,
                due,
                "JobFailed",
                f"The Amazon ECS deployment {rollout.id} of service {service_name} did not "
                f"complete within {minutes} minutes: "
                f"{rollout.deployment.get('rolloutStateReason')}",
            )
            done(due)

        def watch_tasks(due: datetime) -> None:
            if action.status != "InProgress":
                return
            tasks = [arn for arn, task in self.engine.deployments.tasks.items()
                     if task["startedBy"] == rollout.id]
            try:
                action_access.watch_tasks(caller, cluster, tasks)
            except ActionRefused as refused:
                self._fail(action, due, "JobFailed", str(refused))
                done(due)

        rollout.on_done.append(rolled)
        action.timeout = self.scheduler.after(at, minutes * 60, timed_out)
        self.scheduler.after(at, WATCH_TASKS_AFTER, watch_tasks)

    # --- stop and retry ----------------------------------------------------------------

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
        runs = self._runs_of(execution)
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

    # --- reading ------------------------------------------------------------------------

    def all_actions(self, execution: Execution) -> list[ActionRun]:
        actions: list[ActionRun] = []
        for run in execution.stage_runs.values():
            actions.extend(run.history)
            actions.extend(run.actions)
        return actions

    def state(self, account: str, region: str, name: str) -> dict[str, Any]:
        pipeline, model = self.definition(account, region, name)
        runs = self.pipeline_runs(account, region, name)
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

    def action_detail(self, execution: Execution, action: ActionRun) -> dict[str, Any]:
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


def _page(items: list[Any], params: dict[str, Any], default: int) -> tuple[list[Any], str | None]:
    try:
        offset = int(params.get("nextToken") or 0)
    except ValueError as exc:
        raise ApiError("InvalidNextTokenException", "The next token is not valid") from exc
    size = int(params.get("maxResults") or default)
    page = items[offset : offset + size]
    following = offset + size
    return page, (str(following) if following < len(items) else None)


# --- the CodePipeline operations the sandbox serves ---------------------------------


def pipeline_handlers(
    engine: Engine,
) -> dict[str, Callable[[str, str, dict[str, Any]], dict[str, Any]]]:
    pipelines = engine.pipelines

    def start(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        return {"pipelineExecutionId": pipelines.start(account, region, params).id}

    def get_state(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        return pipelines.state(account, region, str(params.get("name") or ""))

    def get_execution(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        execution = pipelines.execution(
            account,
            region,
            str(params.get("pipelineName") or ""),
            str(params.get("pipelineExecutionId") or ""),
        )
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
                pipelines.action_detail(execution, a) for a in pipelines.all_actions(execution)
            )
        details.sort(key=lambda d: d["startTime"], reverse=True)
        page, token = _page(details, params, 100)
        answer: dict[str, Any] = {"actionExecutionDetails": page}
        if token:
            answer["nextToken"] = token
        return answer

    def stop(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        execution = pipelines.execution(
            account,
            region,
            str(params.get("pipelineName") or ""),
            str(params.get("pipelineExecutionId") or ""),
        )
        pipelines.stop(
            execution,
            bool(params.get("abandon")),
            str(params.get("reason") or ""),
            engine.scheduler.now(),
        )
        return {"pipelineExecutionId": execution.id}

    def retry(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        mode = str(params.get("retryMode") or "")
        if mode not in ("FAILED_ACTIONS", "ALL_ACTIONS"):
            raise ApiError("ValidationException", "retryMode must be FAILED_ACTIONS or ALL_ACTIONS")
        execution = pipelines.execution(
            account,
            region,
            str(params.get("pipelineName") or ""),
            str(params.get("pipelineExecutionId") or ""),
        )
        pipelines.retry(execution, str(params.get("stageName") or ""), mode, engine.scheduler.now())
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
