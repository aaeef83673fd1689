"""CodeBuild projects as AWS keeps them: CreateProject, UpdateProject, BatchGetProjects.

moto (5.2.5) has no UpdateProject, insists on a ``location`` for CODEPIPELINE sources
(AWS does not), lacks newer compute types, and drops ``lastModified``. The sandbox
serves these three operations itself but stores the projects in moto's CodeBuild backend,
so moto's ListProjects and DeleteProject keep working on the same data.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime, timezone
from functools import cache
from typing import Any

from pipectl.sandbox.protocol import ApiError

PROJECT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_]{1,149}$")
# Fields UpdateProject may set; each one given replaces the stored one whole, as AWS does.
UPDATABLE = (
    "description",
    "source",
    "secondarySources",
    "sourceVersion",
    "secondarySourceVersions",
    "artifacts",
    "secondaryArtifacts",
    "cache",
    "environment",
    "serviceRole",
    "timeoutInMinutes",
    "queuedTimeoutInMinutes",
    "encryptionKey",
    "tags",
    "vpcConfig",
    "logsConfig",
    "fileSystemLocations",
    "buildBatchConfig",
    "concurrentBuildLimit",
    "autoRetryLimit",
)
SOURCES_WITHOUT_LOCATION = {"CODEPIPELINE", "NO_SOURCE"}


@cache
def _enum(shape_name: str) -> tuple[str, ...]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("codebuild")
    return tuple(model.shape_for(shape_name).enum)


def _backend(account: str, region: str) -> Any:
    from moto.codebuild.models import codebuild_backends

    return codebuild_backends[account][region]


def _arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:codebuild:{region}:{account}:project/{name}"


def _invalid(message: str) -> ApiError:
    return ApiError("InvalidInputException", message)


def _check_enum(value: Any, shape: str, what: str) -> None:
    if value not in _enum(shape):
        raise _invalid(f"Invalid {what}: {value!r}; expected one of {', '.join(_enum(shape))}")


def _validate(project: dict[str, Any], account: str) -> None:
    source = project.get("source") or {}
    _check_enum(source.get("type"), "SourceType", "source type")
    if source.get("type") not in SOURCES_WITHOUT_LOCATION and not source.get("location"):
        raise _invalid("Project source location is required")
    artifacts = project.get("artifacts") or {}
    _check_enum(artifacts.get("type"), "ArtifactsType", "artifacts type")
    environment = project.get("environment") or {}
    _check_enum(environment.get("type"), "EnvironmentType", "environment type")
    _check_enum(environment.get("computeType"), "ComputeType", "compute type")
    if not environment.get("image"):
        raise _invalid("Invalid environment: image is required")
    for variable in environment.get("environmentVariables") or []:
        kind = variable.get("type", "PLAINTEXT")
        _check_enum(kind, "EnvironmentVariableType", "environment variable type")
    role = str(project.get("serviceRole") or "")
    if not role:
        raise _invalid("Invalid service role: service role is required")
    if role.startswith("arn:") and f":iam::{account}:role/" not in role:
        raise _invalid(
            "Invalid service role: Service role account ID does not match caller's account"
        )
    timeout = project.get("timeoutInMinutes")
    if timeout is not None and not 5 <= int(timeout) <= 2160:
        raise _invalid("Invalid timeoutInMinutes: must be between 5 and 2160")


def _normalise(project: dict[str, Any], account: str, region: str) -> dict[str, Any]:
    """Fill in what AWS fills in, and nothing AWS would not return."""
    role = str(project["serviceRole"])
    if not role.startswith("arn:"):
        role = f"arn:aws:iam::{account}:role/service-role/{role}"
    project["serviceRole"] = role
    environment = project["environment"]
    environment.setdefault("environmentVariables", [])
    environment.setdefault("privilegedMode", False)
    environment.setdefault("imagePullCredentialsType", "CODEBUILD")
    for variable in environment["environmentVariables"]:
        variable.setdefault("type", "PLAINTEXT")
    project.setdefault("timeoutInMinutes", 60)
    project.setdefault("queuedTimeoutInMinutes", 480)
    project.setdefault("cache", {"type": "NO_CACHE"})
    project.setdefault("tags", [])
    project.setdefault("encryptionKey", f"arn:aws:kms:{region}:{account}:alias/aws/s3")
    project.setdefault(
        "logsConfig",
        {
            "cloudWatchLogs": {"status": "ENABLED"},
            "s3Logs": {"status": "DISABLED", "encryptionDisabled": False},
        },
    )
    project.setdefault("badge", {"badgeEnabled": False})
    project.setdefault("projectVisibility", "PRIVATE")
    return project


def _store(account: str, region: str, project: dict[str, Any]) -> None:
    """Put the project into moto's backend (its model object, with our metadata)."""
    from moto.codebuild.models import CodeBuild

    backend = _backend(account, region)
    name = project["name"]
    model = backend.codebuild_projects.get(name)
    if model is None:
        model = CodeBuild(
            account,
            region,
            project_name=name,
            description=None,
            project_source=project["source"],
            artifacts=project["artifacts"],
            environment=project["environment"],
            serviceRole=project["serviceRole"],
        )
        backend.codebuild_projects[name] = model
        backend.build_history.setdefault(name, [])
    model.service_role = project["serviceRole"]
    model.tags = project.get("tags")
    model.project_metadata = project


def get_project(account: str, region: str, name_or_arn: str) -> dict[str, Any] | None:
    backend = _backend(account, region)
    name = name_or_arn.rsplit("/", 1)[-1] if name_or_arn.startswith("arn:") else name_or_arn
    model = backend.codebuild_projects.get(name)
    if model is None:
        return None
    project: dict[str, Any] = model.project_metadata
    return project


def create_project(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    name = str(params.get("name") or "")
    if not PROJECT_NAME.match(name):
        raise _invalid(
            f"Invalid project name {name!r}: only alphanumeric characters, dash, and "
            "underscore are supported (2-150 characters, starting with a letter or digit)"
        )
    if get_project(account, region, name) is not None:
        raise ApiError(
            "ResourceAlreadyExistsException",
            f"Project already exists: {_arn(account, region, name)}",
        )
    project: dict[str, Any] = {
        key: copy.deepcopy(value)
        for key, value in params.items()
        if key in UPDATABLE or key == "name"
    }
    _validate(project, account)
    now = datetime.now(timezone.utc)
    project["arn"] = _arn(account, region, name)
    project["created"] = now
    project["lastModified"] = now
    _store(account, region, _normalise(project, account, region))
    return {"project": project}


def update_project(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    name = str(params.get("name") or "")
    current = get_project(account, region, name)
    if current is None:
        raise ApiError(
            "ResourceNotFoundException",
            f"Failed to call UpdateProject, reason: Project cannot be found: "
            f"{_arn(account, region, name)}",
        )
    updated = copy.deepcopy(current)
    for key in UPDATABLE:
        if key in params:
            updated[key] = copy.deepcopy(params[key])
    if "badgeEnabled" in params:
        updated["badge"] = {"badgeEnabled": bool(params["badgeEnabled"])}
    _validate(updated, account)
    updated["lastModified"] = datetime.now(timezone.utc)
    _store(account, region, _normalise(updated, account, region))
    return {"project": updated}


def batch_get_projects(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    names = params.get("names")
    if not isinstance(names, list) or not names:
        raise _invalid("names is required: 1 to 100 project names or ARNs")
    found: list[dict[str, Any]] = []
    missing: list[str] = []
    for name in names:
        project = get_project(account, region, str(name))
        if project is None:
            missing.append(str(name))
        else:
            found.append(_for_output(project))
    answer: dict[str, Any] = {"projects": found}
    if missing:  # the shape wants at least one name when the list is present
        answer["projectsNotFound"] = missing
    return answer


def _for_output(project: dict[str, Any]) -> dict[str, Any]:
    # A project stored by moto itself (before the sandbox saw it) has moto's own
    # floats for dates and a key AWS does not know; present it the AWS way.
    out = dict(project)
    out.pop("lastModifiedDate", None)
    for key in ("created", "lastModified"):
        value = out.get(key)
        if isinstance(value, (int, float)):
            out[key] = datetime.fromtimestamp(float(value), timezone.utc)
    out.setdefault("lastModified", out.get("created"))
    return out
