"""CodeBuild reads: builds and their phases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipectl.aws.errors import aws_call
from pipectl.runs.progress import BuildPhase, BuildProgress
from pipectl.runs.reads import Clients


def builds(clients: Clients, build_ids: Sequence[str]) -> dict[str, BuildProgress]:
    """One BatchGetBuilds call for up to 100 builds."""
    if not build_ids:
        return {}
    with aws_call("codebuild:BatchGetBuilds", resource=", ".join(build_ids)):
        response = clients.client("codebuild").batch_get_builds(ids=list(build_ids)[:100])
    return {b["id"]: build_progress(b) for b in response.get("builds") or [] if b.get("id")}


def build_progress(build: dict[str, Any]) -> BuildProgress:
    phases = []
    for phase in build.get("phases") or []:
        if not phase.get("phaseType"):
            continue
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
