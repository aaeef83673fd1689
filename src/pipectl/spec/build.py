"""``build`` and ``image``: the CodeBuild project and the ECR repository it pushes to."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from pipectl.spec import names as rules
from pipectl.spec.model_base import (
    Model,
    StringValues,
    check_name,
    check_role_arn,
    inside_repository,
    invalid,
)

ComputeType = Literal[
    "BUILD_GENERAL1_SMALL",
    "BUILD_GENERAL1_MEDIUM",
    "BUILD_GENERAL1_LARGE",
    "BUILD_GENERAL1_XLARGE",
    "BUILD_GENERAL1_2XLARGE",
]
SECRET_PREFIXES = ("ssm:", "secretsmanager:")


class BuildSettings(Model):
    project: str | None = Field(None, description="CodeBuild project. Default: <name>-build.")
    buildspec: str = Field("buildspec.yml", min_length=1,
                           description="Path of the buildspec in the source.")
    image: str = Field("aws/codebuild/standard:7.0", description="CodeBuild build image.")
    compute_type: ComputeType = Field("BUILD_GENERAL1_SMALL",
                                      description="CodeBuild compute type (size of the build).")
    privileged: bool = Field(True, description="Privileged mode: docker builds need it.")
    # CodeBuild allows 2160 minutes, but CodePipeline ends any action after 8 hours.
    timeout_minutes: int = Field(30, ge=5, le=480, description="Build timeout, 5-480 "
                                 "(CodePipeline's 8-hour limit on an action).")
    cache: Literal["local", "none"] = Field(
        "local", description="local: CodeBuild's local Docker layer and source cache.")
    env: StringValues = Field(default_factory=dict, description="Plain environment values.")
    secrets: dict[str, str] = Field(
        default_factory=dict,
        description="NAME: ssm:PARAMETER or secretsmanager:ARN-or-name[:json-key...]",
    )
    image_variables: bool = Field(
        True, description="Set REPOSITORY_URI and CONTAINER_NAME on the project (the reference "
        "buildspec reads them). false: the buildspec names its repository and container itself.")
    inline_buildspec: bool = Field(
        False, description="Put the content of the local file build.buildspec into the "
        "project (an inline buildspec) instead of reading it from the source.")
    role_arn: str | None = Field(
        None, description="An existing CodeBuild service role to use as it is. Default: "
        "pipectl creates <name>-codebuild with a least-privilege policy.")

    @field_validator("role_arn")
    @classmethod
    def _role(cls, v: str | None) -> str | None:
        return check_role_arn(v, "CodeBuild service")

    @field_validator("project")
    @classmethod
    def _project(cls, v: str | None) -> str | None:
        if v is not None:
            check_name(v, rules.CODEBUILD_PROJECT, "CodeBuild project",
                       "2-150 letters, digits, '-' and '_', starting with a letter or digit")
        return v

    @field_validator("env", "secrets")
    @classmethod
    def _env_names(cls, v: dict[str, str]) -> dict[str, str]:
        for name in v:
            if not rules.ENV_VAR.match(name):
                raise invalid(f"'{name}' is not a valid environment variable name",
                              "letters, digits and _, not starting with a digit", at=(name,))
            if name.upper().startswith("CODEBUILD_"):
                raise invalid(f"'{name}': names starting with CODEBUILD_ are reserved by "
                              "CodeBuild", "pick another name", at=(name,))
        return v

    @field_validator("env")
    @classmethod
    def _no_plain_secrets(cls, v: dict[str, str]) -> dict[str, str]:
        for name, value in v.items():
            if rules.SECRET_LIKE.search(name) and value:
                raise invalid(
                    f"'{name}' looks like a secret given in plain text",
                    f"store it in SSM Parameter Store or Secrets Manager and reference it: "
                    f"build.secrets: {name}: ssm:/path/to/{name.lower()}",
                    at=(name,),
                )
        return v

    @field_validator("buildspec")
    @classmethod
    def _buildspec_inside(cls, v: str) -> str:
        return inside_repository(v)

    @field_validator("secrets")
    @classmethod
    def _secret_refs(cls, v: dict[str, str]) -> dict[str, str]:
        for name, ref in v.items():
            if not ref.startswith(SECRET_PREFIXES) or ref.split(":", 1)[1] == "":
                raise invalid(
                    f"'{name}' is not a reference; secrets are never plain values",
                    "use ssm:/parameter/name or secretsmanager:ARN (the value stays in AWS)",
                    at=(name,),
                )
            problem = rules.secret_reference_problem(ref)
            if problem:
                raise invalid(f"{name}: the reference {problem}",
                              "name one parameter or secret exactly: ssm:/hello/token, "
                              "secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:"
                              "secret:db", at=(name,))
        return v


class ImageSettings(Model):
    repository: str | None = Field(None, description="ECR repository. Default: the name.")
    scan_on_push: bool = Field(True, description="ECR scans each pushed image.")
    immutable_tags: bool = Field(True, description="A pushed tag can never be overwritten.")
    keep_images: int | None = Field(
        30, ge=1, le=1000, description="Lifecycle policy: images kept. null: pipectl sets no "
        "lifecycle policy and leaves the repository's own alone.")

    @field_validator("repository")
    @classmethod
    def _repo(cls, v: str | None) -> str | None:
        if v is not None:
            check_name(v, rules.ECR_REPOSITORY, "ECR repository",
                       "2-256 lowercase letters, digits and . _ - / separators")
        return v
