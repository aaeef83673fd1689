"""What the runs area makes of CodePipeline's answers, without calling AWS: the pipeline's
layout, its stages and actions as one run (``watch``) or as the latest of each
(``status``) sees them, a past run's state, and an execution's source revision."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipectl.runs.values import epoch
from pipectl.runs.views import ActionView, StageView


@dataclass(frozen=True)
class ActionLayout:
    stage: str
    name: str
    category: str
    provider: str
    configuration: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PipelineLayout:
    """The pipeline's declared stages and actions (from GetPipeline)."""

    name: str
    stages: tuple[tuple[str, tuple[ActionLayout, ...]], ...]
    #: SUPERSEDED (the default), QUEUED or PARALLEL: how runs share the stages. In
    #: PARALLEL mode GetPipelineState does not show a given run's stages.
    execution_mode: str = "SUPERSEDED"

    def actions(self) -> list[ActionLayout]:
        return [a for _, actions in self.stages for a in actions]

    def find(self, provider: str) -> list[ActionLayout]:
        return [a for a in self.actions() if a.provider == provider]

    def source_action(self) -> ActionLayout | None:
        for a in self.actions():
            if a.category == "Source":
                return a
        return None


def summary_revision(summary: dict[str, Any]) -> tuple[str | None, str | None]:
    """(revision id, revision summary) of an execution summary's first source."""
    for source in summary.get("sourceRevisions") or []:
        return source.get("revisionId"), source.get("revisionSummary")
    return None, None


def execution_revision(execution_doc: dict[str, Any]) -> tuple[str | None, str | None]:
    for artifact in execution_doc.get("artifactRevisions") or []:
        return artifact.get("revisionId"), artifact.get("revisionSummary")
    return None, None


def _stage_states(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """GetPipelineState's stages by name (an unnamed one, which the model forbids, names
    nothing and is left out)."""
    return {s["stageName"]: s for s in state.get("stageStates") or [] if s.get("stageName")}


def _latest_executions(stage_state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each action's ``latestExecution`` in one stage state, by action name."""
    return {a["actionName"]: a.get("latestExecution") or {}
            for a in stage_state.get("actionStates") or [] if a.get("actionName")}


def stage_views(
    layout: PipelineLayout,
    state: dict[str, Any],
    execution_id: str,
    started_at: float | None,
) -> tuple[StageView, ...]:
    """The stages and actions of ``execution_id``; what it has not reached is Pending.

    GetPipelineState shows each stage's latest execution. A stage showing another
    execution id has not been reached by ours (or was taken by a newer run); an action
    whose last change predates our start belongs to an older run.
    """
    by_stage = _stage_states(state)
    views = []
    for stage_name, actions in layout.stages:
        stage_state = by_stage.get(stage_name, {})
        latest = stage_state.get("latestExecution") or {}
        ours = latest.get("pipelineExecutionId") == execution_id
        executions = _latest_executions(stage_state)
        action_views = []
        for action in actions:
            execution_state = executions.get(action.name) or {}
            changed = epoch(execution_state.get("lastStatusChange"))
            belongs = ours and not (
                started_at is not None and changed is not None and changed < started_at - 1
            )
            if not belongs or not execution_state:
                action_views.append(
                    ActionView(stage_name, action.name, action.category, action.provider, "Pending")
                )
                continue
            action_views.append(action_view(stage_name, action, execution_state,
                                            unknown_status="InProgress"))
        status = latest.get("status", "Pending") if ours else "Pending"
        views.append(StageView(stage_name, status, tuple(action_views)))
    return tuple(views)


def latest_stages(
    layout: PipelineLayout, state: dict[str, Any]
) -> tuple[tuple[StageView, ...], dict[str, str]]:
    """Each stage and action with its latest status, whichever run that was; and the
    execution id each stage shows."""
    by_stage = _stage_states(state)
    stages = []
    stage_executions: dict[str, str] = {}
    for name, actions in layout.stages:
        stage_state = by_stage.get(name, {})
        latest = stage_state.get("latestExecution") or {}
        if latest.get("pipelineExecutionId"):
            stage_executions[name] = str(latest["pipelineExecutionId"])
        executions = _latest_executions(stage_state)
        views = [action_view(name, action, executions.get(action.name) or {},
                             unknown_status="Never run") for action in actions]
        stages.append(StageView(name, str(latest.get("status", "Never run")), tuple(views)))
    return tuple(stages), stage_executions


def action_view(stage: str, action: ActionLayout, execution_state: dict[str, Any], *,
                unknown_status: str) -> ActionView:
    """One action as GetPipelineState's ``latestExecution`` shows it (the watch's view of
    its run and ``status``' view of the latest one both project through here)."""
    error = execution_state.get("errorDetails") or {}
    return ActionView(
        stage=stage,
        name=action.name,
        category=action.category,
        provider=action.provider,
        status=execution_state.get("status", unknown_status),
        summary=execution_state.get("summary"),
        error_code=error.get("code"),
        error_message=error.get("message"),
        changed_at=epoch(execution_state.get("lastStatusChange")),
        external_id=execution_state.get("externalExecutionId"),
        external_url=execution_state.get("externalExecutionUrl"),
    )


def state_of_actions(
    pipeline: str, execution_id: str, details: list[dict[str, Any]],
    layout: PipelineLayout | None = None,
) -> dict[str, Any]:
    """A GetPipelineState-shaped view of one execution from its ListActionExecutions
    details, so that :func:`stage_views` reads any run (a past one, one of a PARALLEL
    pipeline) as it reads the current one. With the ``layout``, a stage whose declared
    actions have not all started yet is still in progress."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for detail in sorted(details, key=lambda d: epoch(d.get("startTime")) or 0.0):
        if detail.get("stageName") and detail.get("actionName"):
            latest[(detail["stageName"], detail["actionName"])] = detail  # retries: the last
    stages: dict[str, list[dict[str, Any]]] = {}
    for (stage, action), detail in latest.items():
        result = (detail.get("output") or {}).get("executionResult") or {}
        execution_state: dict[str, Any] = {
            "status": detail.get("status"),
            "lastStatusChange": detail.get("lastUpdateTime") or detail.get("startTime"),
            "externalExecutionId": result.get("externalExecutionId"),
            "externalExecutionUrl": result.get("externalExecutionUrl"),
            "summary": result.get("externalExecutionSummary"),
            "errorDetails": result.get("errorDetails"),
        }
        stages.setdefault(stage, []).append(
            {"actionName": action,
             "latestExecution": {k: v for k, v in execution_state.items() if v is not None}})
    declared = {name: {a.name for a in acts} for name, acts in layout.stages} if layout else {}
    states = []
    for stage, actions in stages.items():
        statuses = {(a["latestExecution"].get("status")) for a in actions}
        started = {a["actionName"] for a in actions}
        status = ("Failed" if statuses & {"Failed", "Abandoned"} else
                  "InProgress" if "InProgress" in statuses
                  or not declared.get(stage, started) <= started else "Succeeded")
        states.append({"stageName": stage, "actionStates": actions,
                       "latestExecution": {"pipelineExecutionId": execution_id,
                                           "status": status}})
    return {"pipelineName": pipeline, "stageStates": states}


def other_execution_in(state: dict[str, Any], execution_id: str) -> str | None:
    """The id of a different execution that holds a stage now (the one that superseded ours)."""
    for stage in state.get("stageStates", []):
        other = (stage.get("latestExecution") or {}).get("pipelineExecutionId")
        if other and other != execution_id:
            status = (stage.get("latestExecution") or {}).get("status")
            if status in ("InProgress", "Succeeded", "Failed"):
                return str(other)
    return None
