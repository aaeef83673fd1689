"""The calls a CodeBuild build makes as the project's service role, authorized as AWS does.

CodeBuild assumes the role when the build starts (StartBuild refuses a role it cannot
assume), writes the build's log stream, reads the source artifact, and the buildspec's
commands call ECR (``aws ecr get-login-password``, ``docker push``, a registry cache)
with the role's credentials; the output artifact is written last. Each refusal shows up
where it does on AWS: the phase fails with CodeBuild's status code and message, or the
command fails with the output the AWS CLI or docker prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipectl.sandbox.permissions import (
    AccessDenied,
    AssumeRoleDenied,
    Caller,
    assume,
    authorize_log_writes,
)

BUILD_PRINCIPAL = "codebuild.amazonaws.com"
ECR_PUSH = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
)
ECR_PULL = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")

Failure = tuple[str, str]  # (phase context status code, message)


class CannotAssume(Exception):
    """StartBuild's refusal: ``str(exc)`` is CodeBuild's message."""


def build_caller(*, account: str, region: str, project: Mapping[str, Any]) -> Caller:
    role = str(project.get("serviceRole") or "")
    if role and not role.startswith("arn:"):
        role = f"arn:aws:iam::{account}:role/{role}"
    name = str(project.get("name") or "")
    try:
        return assume(
            account=account, region=region, role_arn=role, service=BUILD_PRINCIPAL,
            source_arn=f"arn:aws:codebuild:{region}:{account}:project/{name}",
            session=f"AWSCodeBuild-{abs(hash((name, role))) % 10**8:08d}",
        )
    except AssumeRoleDenied:
        raise CannotAssume(
            f"CodeBuild is not authorized to perform: sts:AssumeRole on {role or '(no role)'}"
        ) from None


def log_stream(caller: Caller, group: str, stream: str, group_exists: bool,
               build_arn: str) -> Failure | None:
    try:
        authorize_log_writes(caller, group, stream, group_exists)
    except AccessDenied as denied:
        return ("ACCESS_DENIED",
                f"Service role {caller.role_arn} does not allow AWS CodeBuild to create "
                f"Amazon CloudWatch Logs log streams for build {build_arn}. Error message: "
                f"{denied.message}")
    return None


def download_source(caller: Caller, location: Mapping[str, str] | None) -> Failure | None:
    if location is None:
        return None
    arn = f"arn:aws:s3:::{location['bucket']}/{location['key']}"
    try:
        caller.authorize("s3:GetObject", arn)
        caller.authorize("s3:GetObjectVersion", arn)
    except AccessDenied:
        return ("CLIENT_ERROR",
                f"AccessDenied: Access Denied for primary source and source version {arn}")
    return None


def upload_artifact(caller: Caller, bucket: str, key: str) -> Failure | None:
    try:
        caller.authorize("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}")
    except AccessDenied:
        return "CLIENT_ERROR", "AccessDenied: Access Denied status code: 403 for primary artifact"
    return None


def read_parameters(caller: Caller, names: list[str]) -> AccessDenied | None:
    for name in names:
        arn = f"arn:aws:ssm:{caller.region}:{caller.account}:parameter/{name.lstrip('/')}"
        try:
            caller.authorize("ssm:GetParameters", arn)
        except AccessDenied as denied:
            return denied
    return None


def read_secret(caller: Caller, arn: str) -> AccessDenied | None:
    try:
        caller.authorize("secretsmanager:GetSecretValue", arn)
    except AccessDenied as denied:
        return denied
    return None


def _repository_arn(caller: Caller, repository_uri: str) -> str:
    name = repository_uri.split("/", 1)[1] if "/" in repository_uri else repository_uri
    return f"arn:aws:ecr:{caller.region}:{caller.account}:repository/{name.split(':')[0]}"


def command_denied(caller: Caller, command: str, repository_uri: str) -> list[str] | None:
    """The output of a command whose ECR calls the role may not make, else None."""
    try:
        if "get-login-password" in command or "get-authorization-token" in command:
            caller.authorize("ecr:GetAuthorizationToken", "*")
        uses_repository = "REPOSITORY_URI" in command or (
            bool(repository_uri) and repository_uri in command)
        if not uses_repository:
            return None
        repository = _repository_arn(caller, repository_uri)
        # Only these fail the command: `docker manifest inspect` is asked inside an `if`,
        # and BuildKit only warns when it cannot read or write a registry cache.
        pulls = "docker pull" in command
        pushes = "docker push" in command
        for action in (ECR_PULL if pulls else ()) + (ECR_PUSH if pushes else ()):
            caller.authorize(action, repository)
    except AccessDenied as denied:
        if denied.action == "ecr:GetAuthorizationToken":
            return [
                "An error occurred (AccessDeniedException) when calling the "
                f"GetAuthorizationToken operation: {denied.message}",
                "Error: Cannot perform an interactive login from a non TTY device",
            ]
        return [f"denied: {denied.message}"]
    return None
