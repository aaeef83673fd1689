"""Read-only AWS calls of the runs area, each turned into plain data.

Every function takes a ``clients`` object with ``.client(service)`` (an
:class:`~pipectl.aws.session.AwsSession`, or a test double holding stubbed clients)
and wraps its calls in ``aws_call`` so failures name the operation and resource.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pipectl.aws.errors import aws_call
from pipectl.runs.model import (
    ActionView,
    BuildPhase,
    BuildProgress,
    StageView,
    epoch,
)


class Clients(Protocol):
    def client(self, service: str) -> Any: ...


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

    def actions(self) -> list[ActionLayout]:
        return [a for _, actions in self.stages for a in actions]

    def find(self, provider: str) -> list[ActionLayout]:
        return [a for a in self.actions() if a.provider == provider]

    def source_action(self) -> ActionLayout | None:
        for a in self.actions():
            if a.category == "Source":
                return a
        return None


def pipeline_layout(clients: Clients, pipeline: str) -> PipelineLayout:
    with aws_call("codepipeline:GetPipeline", resource=pipeline):
        response = clients.client("codepipeline").get_pipeline(name=pipeline)
    stages = []
    for stage in response["pipeline"]["stages"]:
        actions = tuple(
            ActionLayout(
                stage=stage["name"],
                name=action["name"],
                category=action["actionTypeId"]["category"],
                provider=action["actionTypeId"]["provider"],
                configuration=dict(action.get("configuration") or {}),
            )
            for action in stage.get("actions", [])
        )
        stages.append((stage["name"], actions))
    return PipelineLayout(name=pipeline, stages=tuple(stages))


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
    result: dict[str, Any] = response["pipelineExecution"]
    return result


def recent_executions(clients: Clients, pipeline: str, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` execution summaries, newest first (paged as needed)."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    client = clients.client("codepipeline")
    while len(found) < limit:
        params: dict[str, Any] = {"pipelineName": pipeline, "maxResults": min(100, limit)}
        if token:
            params["nextToken"] = token
        with aws_call("codepipeline:ListPipelineExecutions", resource=pipeline):
            response = client.list_pipeline_executions(**params)
        found.extend(response.get("pipelineExecutionSummaries", []))
        token = response.get("nextToken")
        if not token:
            break
    return found[:limit]


def find_execution(
    clients: Clients, pipeline: str, execution_id: str | None, *, pages: int = 5
) -> dict[str, Any]:
    """The summary of one execution (default: the latest); NotFound if there is none."""
    from pipectl.errors import NotFound

    client = clients.client("codepipeline")
    token: str | None = None
    for _ in range(pages):
        params: dict[str, Any] = {"pipelineName": pipeline,
                                  "maxResults": 50 if execution_id else 1}
        if token:
            params["nextToken"] = token
        with aws_call("codepipeline:ListPipelineExecutions", resource=pipeline):
            response = client.list_pipeline_executions(**params)
        for summary in response.get("pipelineExecutionSummaries", []):
            if execution_id is None or summary["pipelineExecutionId"] == execution_id:
                found: dict[str, Any] = summary
                return found
        token = response.get("nextToken")
        if not token or execution_id is None:
            break
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


def summary_revision(summary: dict[str, Any]) -> tuple[str | None, str | None]:
    """(revision id, revision summary) of an execution summary's first source."""
    for source in summary.get("sourceRevisions") or []:
        return source.get("revisionId"), source.get("revisionSummary")
    return None, None


def execution_revision(execution_doc: dict[str, Any]) -> tuple[str | None, str | None]:
    for artifact in execution_doc.get("artifactRevisions") or []:
        return artifact.get("revisionId"), artifact.get("revisionSummary")
    return None, None


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
    by_stage = {s["stageName"]: s for s in state.get("stageStates", [])}
    views = []
    for stage_name, actions in layout.stages:
        stage_state = by_stage.get(stage_name, {})
        latest = stage_state.get("latestExecution") or {}
        ours = latest.get("pipelineExecutionId") == execution_id
        action_states = {a["actionName"]: a for a in stage_state.get("actionStates", [])}
        action_views = []
        for action in actions:
            execution_state = (action_states.get(action.name) or {}).get("latestExecution") or {}
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


def past_state(clients: Clients, pipeline: str, execution_id: str) -> dict[str, Any]:
    """A GetPipelineState-shaped view of one execution, from ListActionExecutions.

    GetPipelineState only shows each stage's latest execution; a finished run whose
    stages newer runs have taken is read from its action executions instead.
    """
    client = clients.client("codepipeline")
    details: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(10):
        params: dict[str, Any] = {"pipelineName": pipeline,
                                  "filter": {"pipelineExecutionId": execution_id},
                                  "maxResults": 100}
        if token:
            params["nextToken"] = token
        with aws_call("codepipeline:ListActionExecutions", resource=f"{pipeline}/{execution_id}"):
            response = client.list_action_executions(**params)
        details.extend(response.get("actionExecutionDetails", []))
        token = response.get("nextToken")
        if not token:
            break
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for detail in sorted(details, key=lambda d: epoch(d.get("startTime")) or 0.0):
        latest[(detail["stageName"], detail["actionName"])] = detail  # retries: the last one
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
    states = []
    for stage, actions in stages.items():
        statuses = {(a["latestExecution"].get("status")) for a in actions}
        status = ("Failed" if statuses & {"Failed", "Abandoned"} else
                  "InProgress" if "InProgress" in statuses else "Succeeded")
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


def builds(clients: Clients, build_ids: Sequence[str]) -> dict[str, BuildProgress]:
    """One BatchGetBuilds call for up to 100 builds."""
    if not build_ids:
        return {}
    with aws_call("codebuild:BatchGetBuilds", resource=", ".join(build_ids)):
        response = clients.client("codebuild").batch_get_builds(ids=list(build_ids)[:100])
    return {b["id"]: build_progress(b) for b in response.get("builds", [])}


def build_progress(build: dict[str, Any]) -> BuildProgress:
    phases = []
    for phase in build.get("phases") or []:
        contexts = [c.get("message") for c in phase.get("contexts") or [] if c.get("message")]
        phases.append(
            BuildPhase(
                name=phase["phaseType"],
                status=phase.get("phaseStatus"),
                duration=phase.get("durationInSeconds"),
                message="; ".join(str(c) for c in contexts) or None,
            )
        )
    logs = build.get("logs") or {}
    return BuildProgress(
        build_id=build["id"],
        status=build.get("buildStatus", "IN_PROGRESS"),
        current_phase=build.get("currentPhase"),
        phases=tuple(phases),
        log_group=logs.get("groupName"),
        log_stream=logs.get("streamName"),
    )


def latest_build_id(clients: Clients, project: str) -> str | None:
    with aws_call("codebuild:ListBuildsForProject", resource=project):
        response = clients.client("codebuild").list_builds_for_project(
            projectName=project, sortOrder="DESCENDING"
        )
    ids = response.get("ids") or []
    return str(ids[0]) if ids else None


def log_tail(clients: Clients, group: str, stream: str, lines: int = 20) -> tuple[str, ...]:
    """The last ``lines`` lines of a log stream (one GetLogEvents call)."""
    from pipectl.aws.log_events import read_log_page

    # A build that failed before writing a line has no stream yet: no tail, no error.
    page = read_log_page(clients.client("logs"), group, stream, from_head=False, limit=lines)
    return page.lines if page else ()


def log_page(
    clients: Clients, group: str, stream: str, token: str | None
) -> tuple[tuple[str, ...], str | None]:
    """One forward page of a log stream: (lines, nextForwardToken). No stream yet: no lines."""
    from pipectl.aws.log_events import read_log_page

    page = read_log_page(clients.client("logs"), group, stream, from_head=True, token=token)
    return (page.lines, page.next_token) if page else ((), token)


def services(
    clients: Clients, cluster: str, names: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """DescribeServices for up to 10 services of one cluster, by service name."""
    wanted = list(dict.fromkeys(names))[:10]
    if not wanted:
        return {}
    with aws_call("ecs:DescribeServices", resource=f"{cluster}/{','.join(wanted)}"):
        response = clients.client("ecs").describe_services(cluster=cluster, services=wanted)
    return {s["serviceName"]: s for s in response.get("services", [])}


def task_definition_image(clients: Clients, arn: str, container: str | None) -> str | None:
    """The image of ``container`` (else the first container) in a task definition."""
    with aws_call("ecs:DescribeTaskDefinition", resource=arn):
        response = clients.client("ecs").describe_task_definition(taskDefinition=arn)
    containers = response["taskDefinition"].get("containerDefinitions") or []
    for c in containers:
        if container is None or c.get("name") == container:
            return str(c.get("image")) if c.get("image") else None
    return None


def stopped_task_reasons(
    clients: Clients, cluster: str, service: str, limit: int = 5,
    task_definition: str | None = None,
) -> tuple[str, ...]:
    """Why the service's tasks failed (ListTasks STOPPED + DescribeTasks), newest first.

    Tasks stopped on purpose (old ones a deployment drained or scaled in, or a user's
    StopTask) say nothing about a failure. The scheduler also stops, with the same
    ``ServiceSchedulerInitiated`` code, a task that failed its container or load balancer
    health checks: that reason is kept, it is the likely cause for an app with a health
    check. With ``task_definition``, only that revision's tasks count.
    """
    ecs = clients.client("ecs")
    with aws_call("ecs:ListTasks", resource=f"{cluster}/{service}"):
        arns = ecs.list_tasks(
            cluster=cluster, serviceName=service, desiredStatus="STOPPED", maxResults=limit
        ).get("taskArns", [])
    if not arns:
        return ()
    with aws_call("ecs:DescribeTasks", resource=f"{cluster}/{service}"):
        tasks = ecs.describe_tasks(cluster=cluster, tasks=arns[:limit]).get("tasks", [])
    tasks.sort(key=lambda t: epoch(t.get("stoppedAt")) or 0.0, reverse=True)
    reasons: list[str] = []
    for task in tasks:
        if _stopped_on_purpose(task):
            continue
        if task_definition and task.get("taskDefinitionArn") not in (None, task_definition):
            continue
        stopped = str(task.get("stoppedReason") or task.get("stopCode") or "stopped")
        parts = [stopped]
        for container in task.get("containers") or []:
            reason = container.get("reason")
            if reason and reason not in stopped:
                parts.append(f"{container.get('name')}: {reason}")
        line = " — ".join(parts)
        if line not in reasons:
            reasons.append(line)
    return tuple(reasons)


#: How ECS words a ServiceSchedulerInitiated stop that is no failure: a deployment
#: draining old tasks, or scaling in.
ON_PURPOSE_REASONS = ("Scaling activity initiated by", "Service scaling activity")


def _stopped_on_purpose(task: dict[str, Any]) -> bool:
    code = task.get("stopCode")
    if code == "UserInitiated":
        return True
    reason = str(task.get("stoppedReason") or "")
    return code == "ServiceSchedulerInitiated" and (
        not reason or reason.startswith(ON_PURPOSE_REASONS))
