"""The typed spec: what ``config/pipeline.yml`` may say, with defaults and AWS naming rules.

Models are frozen and reject unknown keys; cross-field rules that need the buildspec
or task definition live in :mod:`pipectl.spec.checks`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from pipectl.spec import names as rules
from pipectl.spec.deploy import DeploySettings
from pipectl.spec.model_base import Model, check_name, inside_repository, invalid
from pipectl.spec.triggers import Triggers

ComputeType = Literal[
    "BUILD_GENERAL1_SMALL",
    "BUILD_GENERAL1_MEDIUM",
    "BUILD_GENERAL1_LARGE",
    "BUILD_GENERAL1_XLARGE",
    "BUILD_GENERAL1_2XLARGE",
]
SECRET_PREFIXES = ("ssm:", "secretsmanager:")


def check_role_arn(value: str | None, what: str) -> str | None:
    if value is not None and not rules.IAM_ROLE_ARN.match(value):
        raise invalid(f"'{value}' is not an IAM role ARN",
                      f"the ARN of the existing {what} role: arn:aws:iam::ACCOUNT:role/NAME")
    return value


def _stringify(value: Any) -> Any:
    """YAML reads `LOG_LEVEL: 3` as an int; environment values are strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


class GitHubSource(Model):
    """GitHub (or GitHub Enterprise, GitLab, Bitbucket) through a CodeConnections connection."""

    provider: Literal["github"]
    connection_arn: str = Field(
        description="ARN of the CodeConnections (or CodeStar) connection, in AVAILABLE state."
    )
    repository: str = Field(description="The repository as owner/repo.")
    branch: str = Field("main", description="The branch whose commits run the pipeline.")
    detect_changes: bool = Field(True, description="Start a run on every push to the branch.")

    @field_validator("connection_arn")
    @classmethod
    def _arn(cls, v: str) -> str:
        if not rules.CONNECTION_ARN.match(v):
            raise invalid(
                f"'{v}' is not a connection ARN",
                "expected arn:aws:codeconnections:REGION:ACCOUNT:connection/ID "
                "(or codestar-connections); copy it from the console's Connections page",
            )
        return v

    @field_validator("repository")
    @classmethod
    def _repo(cls, v: str) -> str:
        if not rules.GITHUB_REPOSITORY.match(v):
            raise invalid(f"'{v}' is not owner/repo", "for example: acme/hello-web")
        return v


class CodeCommitSource(Model):
    provider: Literal["codecommit"]
    repository: str = Field(description="CodeCommit repository name.")
    branch: str = Field("main", description="The branch whose commits run the pipeline.")

    @field_validator("repository")
    @classmethod
    def _repo(cls, v: str) -> str:
        return check_name(v, rules.CODECOMMIT_REPOSITORY, "CodeCommit repository",
                          "1-100 letters, digits, '.', '_' and '-'")


class S3Source(Model):
    provider: Literal["s3"]
    bucket: str = Field(description="Versioned S3 bucket holding the source zip.")
    key: str = Field(description="Object key of the source zip.")

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        # The roles may read exactly this object: in their policies '*' and '?' are wildcards.
        if not v or any(w in v for w in rules.POLICY_WILDCARDS):
            raise invalid("the source key must name one object, without '*' or '?'",
                          "for example: source/app.zip (IAM reads '*' as any key)")
        return v

    @field_validator("bucket")
    @classmethod
    def _bucket(cls, v: str) -> str:
        problem = rules.s3_bucket_problem(v)
        if problem:
            raise invalid(f"'{v}' is not a valid S3 bucket name", f"bucket names: {problem}")
        return v


Source = Annotated[GitHubSource | CodeCommitSource | S3Source, Field(discriminator="provider")]


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
    env: dict[str, str] = Field(default_factory=dict, description="Plain environment values.")
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

    @field_validator("env", mode="before")
    @classmethod
    def _env_strings(cls, v: Any) -> Any:
        return {k: _stringify(x) for k, x in v.items()} if isinstance(v, dict) else v

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


class ArtifactSettings(Model):
    bucket: str | None = Field(
        None, description="Artifact bucket. Default: <name>-artifacts-<account>-<region>."
    )
    existing: bool = Field(
        False, description="The bucket exists and is used as it is: pipectl neither creates "
        "it nor changes its settings (only tags it).")

    @field_validator("bucket")
    @classmethod
    def _bucket(cls, v: str | None) -> str | None:
        if v is not None:
            problem = rules.s3_bucket_problem(v)
            if problem:
                raise invalid(f"'{v}' is not a valid S3 bucket name", f"bucket names: {problem}")
        return v

    @model_validator(mode="after")
    def _existing_is_named(self) -> ArtifactSettings:
        if self.existing and self.bucket is None:
            raise invalid("artifacts.existing needs artifacts.bucket: the bucket to use",
                          "set artifacts.bucket to the existing bucket's name",
                          at=("existing",))
        return self


class PipelineSettings(Model):
    type: Literal["V1", "V2"] = Field("V2", description="Pipeline type.")
    execution_mode: Literal["QUEUED", "SUPERSEDED", "PARALLEL"] = Field(
        "SUPERSEDED", description="What a new run does to one in progress (QUEUED and "
        "PARALLEL need V2).")
    variables: dict[str, str] = Field(
        default_factory=dict,
        description="V2 pipeline variables and their defaults; set per run with --var.",
    )
    triggers: Triggers | None = Field(
        None, description="V2 git triggers on the GitHub source: push and pull request "
        "filters on branches, tags and file paths (default: every push to source.branch).")
    role_arn: str | None = Field(
        None, description="An existing CodePipeline service role to use as it is. Default: "
        "pipectl creates <name>-codepipeline with a least-privilege policy.")

    @field_validator("role_arn")
    @classmethod
    def _role(cls, v: str | None) -> str | None:
        return check_role_arn(v, "CodePipeline service")

    @field_validator("variables", mode="before")
    @classmethod
    def _var_strings(cls, v: Any) -> Any:
        return {k: _stringify(x) for k, x in v.items()} if isinstance(v, dict) else v

    @field_validator("variables")
    @classmethod
    def _var_names(cls, v: dict[str, str]) -> dict[str, str]:
        if len(v) > 50:
            raise invalid("at most 50 pipeline variables are allowed")
        for name, value in v.items():
            check_name(name, rules.PIPELINE_VARIABLE, "pipeline variable",
                       "letters, digits, '@', '-' and '_'", at=(name,))
            # A variable's default is shown by GetPipeline and in every execution's details.
            if rules.SECRET_LIKE.search(name) and value:
                raise invalid(
                    f"'{name}' looks like a secret given in plain text",
                    "pipeline variables are stored and shown in plain text; keep the secret "
                    f"in build.secrets: {name}: ssm:/path/to/{name.lower()}",
                    at=(name,),
                )
            if value == "":
                # CodePipeline takes 1-1000 characters (PipelineVariableValue).
                raise invalid(f"pipeline variable {name}: the default is empty; CodePipeline "
                              "takes a value of 1 to 1000 characters",
                              "give it a default value (each run may set another with "
                              "--var NAME=VALUE)", at=(name,))
            if len(value) > 1000:
                raise invalid(f"pipeline variable {name}: the default is longer than 1000 "
                              "characters", at=(name,))
        return v

    @model_validator(mode="after")
    def _v2_only(self) -> PipelineSettings:
        if self.type == "V1" and self.execution_mode != "SUPERSEDED":
            raise invalid(f"execution_mode {self.execution_mode} needs pipeline type V2",
                          "set pipeline.type: V2", at=("execution_mode",))
        if self.type == "V1" and self.variables:
            raise invalid("pipeline variables need pipeline type V2", "set pipeline.type: V2",
                          at=("variables",))
        if self.type == "V1" and self.triggers is not None:
            raise invalid("pipeline triggers need pipeline type V2", "set pipeline.type: V2",
                          at=("triggers",))
        return self


class Spec(Model):
    """A pipectl pipeline spec (config/pipeline.yml)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True,
        json_schema_extra={"title": "pipectl pipeline spec"},
    )

    version: Literal[1] = Field(description="Spec format version: 1.")
    name: str = Field(description="Pipeline name and prefix of every derived resource name.")
    region: str | None = Field(None, description="Default: --region or the AWS config.")
    tags: dict[str, str] = Field(default_factory=dict, description="On every resource.")
    source: Source = Field(description="Where the code comes from: github, codecommit or s3.")
    build: BuildSettings = Field(default_factory=lambda: BuildSettings(),
                                 description="The CodeBuild project.")
    image: ImageSettings = Field(default_factory=lambda: ImageSettings(),
                                 description="The ECR repository.")
    deploy: DeploySettings = Field(description="The ECS service that runs the image.")
    artifacts: ArtifactSettings = Field(default_factory=lambda: ArtifactSettings(),
                                        description="The artifact bucket.")
    pipeline: PipelineSettings = Field(default_factory=lambda: PipelineSettings(),
                                       description="The CodePipeline pipeline.")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_name(v, rules.PIPELINE_NAME, "pipeline",
                          "1-100 letters, digits, '.', '@', '-' and '_'")

    @field_validator("region")
    @classmethod
    def _region(cls, v: str | None) -> str | None:
        if v is not None and not rules.REGION.match(v):
            raise invalid(f"'{v}' is not an AWS region", "for example: us-east-1, eu-west-2")
        return v

    @field_validator("tags", mode="before")
    @classmethod
    def _tag_strings(cls, v: Any) -> Any:
        return {k: _stringify(x) for k, x in v.items()} if isinstance(v, dict) else v

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: dict[str, str]) -> dict[str, str]:
        if len(v) > 40:
            raise invalid("at most 40 tags (AWS allows 50 and pipectl adds its own)")
        for key, value in v.items():
            if not key or len(key) > 128 or key.lower().startswith("aws:"):
                raise invalid(f"tag key '{key}' is not allowed",
                              "1-128 characters, not starting with aws:", at=(key,))
            if len(value) > 256:
                raise invalid(f"tag {key}: value longer than 256 characters", at=(key,))
        return v

    @model_validator(mode="after")
    def _triggers_need_a_connection(self) -> Spec:
        if self.pipeline.triggers is not None and self.source.provider != "github":
            raise invalid(
                f"pipeline.triggers work with a github (connection) source, not "
                f"{self.source.provider}", "leave pipeline.triggers out for this source",
                at=("pipeline", "triggers"))
        return self

    @model_validator(mode="after")
    def _derived_names(self) -> Spec:
        n = self.names
        if self.build.project is None and not rules.CODEBUILD_PROJECT.match(n.project):
            raise invalid(
                f"the derived CodeBuild project name '{n.project}' is invalid",
                "set build.project explicitly (letters, digits, '-' and '_')",
                at=("build", "project"),
            )
        if self.image.repository is None and not rules.ECR_REPOSITORY.match(n.repository):
            raise invalid(
                f"the derived ECR repository name '{n.repository}' is invalid",
                "set image.repository explicitly (lowercase letters, digits, . _ - /)",
                at=("image", "repository"),
            )
        return self

    @property
    def names(self) -> rules.DerivedNames:
        return rules.DerivedNames(
            pipeline=self.name,
            project=self.build.project or f"{self.name}-build",
            repository=self.image.repository or self.name.lower(),
            codebuild_role=rules.fit(f"{self.name}-codebuild", 64),
            pipeline_role=rules.fit(f"{self.name}-codepipeline", 64),
            cluster=self.deploy.cluster,
            service=self.deploy.service,
            artifact_bucket=self.artifacts.bucket,
        )
