"""The CodeBuild build operations the sandbox serves: StartBuild, BatchGetBuilds, StopBuild,
ListBuildsForProject and ListBuilds (the projects' are in :mod:`.projects`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipectl.sandbox.codebuild import access as build_access
from pipectl.sandbox.codebuild.build import Build
from pipectl.sandbox.codebuild.projects import get_project
from pipectl.sandbox.codebuild.runner import BuildRunner
from pipectl.sandbox.protocol import ApiError


def build_handlers(
    runner: BuildRunner,
) -> dict[str, Callable[[str, str, dict[str, Any]], dict[str, Any]]]:
    def find(account: str, region: str, build_id: str) -> Build | None:
        build = runner.builds.get(build_id.split("build/", 1)[-1])
        if build is None or build.account != account or build.region != region:
            return None
        return build

    def start_build(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        name = str(params.get("projectName") or "")
        project = get_project(account, region, name)
        if project is None:
            raise ApiError(
                "ResourceNotFoundException",
                f"Project cannot be found: arn:aws:codebuild:{region}:{account}:project/{name}",
            )
        try:
            build = runner.start(
                account=account,
                region=region,
                project=project,
                at=runner.runtime.scheduler.now(),
                source_version=str(params.get("sourceVersion") or ""),
                initiator="pipectl-sandbox",
                overrides=params.get("environmentVariablesOverride"),
            )
        except build_access.CannotAssume as refused:
            raise ApiError("InvalidInputException", str(refused)) from None
        return {"build": build.to_dict()}

    def batch_get_builds(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        ids = params.get("ids")
        if not isinstance(ids, list) or not ids:
            raise ApiError("InvalidInputException", "ids is required: 1 to 100 build ids")
        found, missing = [], []
        for build_id in ids:
            build = find(account, region, str(build_id))
            if build is None:
                missing.append(str(build_id))
            else:
                found.append(build.to_dict())
        answer: dict[str, Any] = {"builds": found}
        if missing:
            answer["buildsNotFound"] = missing
        return answer

    def stop_build(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        build_id = str(params.get("id") or "")
        build = find(account, region, build_id)
        if build is None:
            raise ApiError("ResourceNotFoundException", f"Build {build_id} does not exist")
        runner.stop(build, runner.runtime.scheduler.now())
        return {"build": build.to_dict()}

    def list_builds_for_project(
        account: str, region: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = str(params.get("projectName") or "")
        if get_project(account, region, name) is None:
            raise ApiError(
                "ResourceNotFoundException",
                f"The provided project arn:aws:codebuild:{region}:{account}:project/{name} "
                "does not exist",
            )
        ids = list(runner.by_project.get((account, region, name), []))
        if params.get("sortOrder") != "ASCENDING":
            ids.reverse()
        return {"ids": ids}

    def list_builds(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        builds = [b for b in runner.builds.values() if (b.account, b.region) == (account, region)]
        builds.sort(key=lambda b: b.start, reverse=params.get("sortOrder") != "ASCENDING")
        return {"ids": [b.id for b in builds]}

    return {
        "codebuild:StartBuild": start_build,
        "codebuild:BatchGetBuilds": batch_get_builds,
        "codebuild:StopBuild": stop_build,
        "codebuild:ListBuildsForProject": list_builds_for_project,
        "codebuild:ListBuilds": list_builds,
    }
