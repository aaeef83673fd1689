"""The CodeBuild project."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pipectl.aws.session import AwsSession
from pipectl.plan.base import Planner, changed
from pipectl.plan.calls import call
from pipectl.plan.model import FieldDiff, Observed
from pipectl.plan.requests import Request, Requests
from pipectl.resources.common import tag_dict, tag_list
from pipectl.resources.project import BuildProject

if TYPE_CHECKING:
    from pipectl.resources.desired import DesiredState


def canonical_project(project: Mapping[str, Any]) -> dict[str, Any]:
    """The fields pipectl owns, from a CreateProject request or a BatchGetProjects item.

    ``location`` is left out: AWS ignores it for CODEPIPELINE sources and artifacts.
    """
    source = project.get("source") or {}
    env = project.get("environment") or {}
    cache = project.get("cache") or {"type": "NO_CACHE"}
    logs = (project.get("logsConfig") or {}).get("cloudWatchLogs") or {"status": "ENABLED"}
    return {
        "source": {"type": source.get("type"), "buildspec": source.get("buildspec")},
        "artifacts": {"type": (project.get("artifacts") or {}).get("type")},
        "environment": {
            "type": env.get("type"),
            "image": env.get("image"),
            "computeType": env.get("computeType"),
            "privilegedMode": bool(env.get("privilegedMode")),
            "environmentVariables": {
                v["name"]: {"type": v.get("type", "PLAINTEXT"), "value": v.get("value")}
                for v in env.get("environmentVariables") or []
            },
        },
        "serviceRole": project.get("serviceRole"),
        "timeoutInMinutes": project.get("timeoutInMinutes"),
        "cache": {"type": cache.get("type"), "modes": sorted(cache.get("modes") or [])},
        "logs": logs.get("status"),
    }


class ProjectPlanner(Planner[BuildProject]):
    kind = "codebuild-project"
    title = "CodeBuild project"
    exists_codes = frozenset({"ResourceAlreadyExistsException"})

    def targets(self, state: DesiredState) -> list[BuildProject]:
        return [state.project]

    def read(self, aws: AwsSession, desired: BuildProject) -> Observed | None:
        got = call(aws, "codebuild", "BatchGetProjects", desired.name, names=[desired.name])
        projects = got.get("projects") or []
        if not projects:
            return None
        project = projects[0]
        return Observed(canonical_project(project), tag_dict(project.get("tags"), "key", "value"),
                        {"arn": project.get("arn")})

    def fields(self, desired: BuildProject) -> dict[str, Any]:
        return {**canonical_project(desired.request()), "tags": dict(desired.tags)}

    def create(self, desired: BuildProject) -> Requests:
        return [Request("codebuild", "CreateProject", desired.name, desired.request(),
                        creates=True, role=desired.service_role_arn)]

    def update(self, desired: BuildProject, observed: Observed,
               diffs: list[FieldDiff]) -> Requests:
        # UpdateProject replaces the tag set: keep tags others added.
        tags = {**observed.tags, **desired.tags}
        if all(changed([d], "tags") for d in diffs):
            # Tagging (adopting) a project changes nothing else about it.
            return [Request("codebuild", "UpdateProject", desired.name,
                            desired.tags_request(tags))]
        request = desired.request()
        request["tags"] = tag_list(tags, "key", "value")
        return [Request("codebuild", "UpdateProject", desired.name, request,
                        role=desired.service_role_arn)]

    def delete(self, desired: BuildProject, observed: Observed) -> Requests:
        return [Request("codebuild", "DeleteProject", desired.name, {"name": desired.name})]
