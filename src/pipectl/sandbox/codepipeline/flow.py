"""How an execution moves through its stages: the execution modes and their stage locks,
action groups by run order, and starting each action with the runner of its kind.

SUPERSEDED (one execution per stage; a newer execution waiting to enter a stage replaces
an older one waiting there, which becomes Superseded), QUEUED (executions run one after
another, in order) and PARALLEL (each runs on its own).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from pipectl.sandbox.clock import Scheduler, engine_error
from pipectl.sandbox.codepipeline import access as action_access
from pipectl.sandbox.codepipeline.access import ActionRefused
from pipectl.sandbox.codepipeline.actions.base import ActionRunner, Done, fail
from pipectl.sandbox.codepipeline.model import (
    FINAL,
    ActionRun,
    Execution,
    PipelineRuns,
    StageAttempt,
    StageRun,
    runs_of,
)
from pipectl.sandbox.runtime import Runtime

TRANSITION_SECONDS = 1.0
VARIABLE_REFERENCE = re.compile(r"#\{([A-Za-z0-9@\-_]+)\.([A-Za-z0-9@\-_]+)\}")


class StageFlow:
    """Moves executions from stage to stage on the engine's clock."""

    runtime: Runtime
    #: (category, provider) -> the runner of that kind of action; provider None: any.
    runners: dict[tuple[str, str | None], ActionRunner]

    @property
    def scheduler(self) -> Scheduler:
        return self.runtime.scheduler

    # --- moving between stages -------------------------------------------------------

    def _try_enter(self, execution: Execution, index: int, at: datetime) -> None:
        if execution.status not in ("InProgress", "Stopping"):
            return
        runs = runs_of(execution)
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
        runs = runs_of(execution)
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
        runs = runs_of(execution)
        if runs.locks.get(index) == execution.id:
            del runs.locks[index]
            waiting = runs.waiting.pop(index, None)
            if waiting is not None:
                waiter = runs.executions[waiting]
                self.scheduler.at(at, lambda due: self._try_enter(waiter, index, due))

    def _finish(self, execution: Execution, status: str, at: datetime) -> None:
        if execution.status in FINAL:
            return
        runs = runs_of(execution)
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
                fail(action, due, "JobFailed", engine_error(exc))
                done(due)

        with self.scheduler.guard(broken):
            try:
                self._run_action(execution, action, category, provider, at, done)
            except Exception as exc:
                self.scheduler.report(exc)
                broken(at, exc)

    def _run_action(
        self, execution: Execution, action: ActionRun, category: Any, provider: Any,
        at: datetime, done: Done,
    ) -> None:
        try:
            action.caller = action_access.pipeline_caller(
                account=execution.account, region=execution.region,
                pipeline=execution.pipeline,
                role_arn=str(action.definition.get("roleArn") or execution.role_arn),
            )
        except ActionRefused as refused:
            fail(action, at, "JobFailed", str(refused))
            self.scheduler.at(at, done)
            return
        runner = self.runners.get((category, provider)) or self.runners.get((category, None))
        if runner is not None:
            runner.run(execution, action, at, done)
        else:
            fail(
                action,
                at,
                "JobFailed",
                f"The pipectl sandbox does not run {category}/{provider} actions",
            )
            self.scheduler.at(at, done)

    def _resolve(self, execution: Execution, value: str) -> str:
        def replace(match: re.Match[str]) -> str:
            namespace, name = match.group(1), match.group(2)
            if namespace == "variables":
                return execution.variables.get(name, match.group(0))
            return execution.namespaces.get(namespace, {}).get(name, match.group(0))

        return VARIABLE_REFERENCE.sub(replace, value)
