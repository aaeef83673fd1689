"""``pipeline`` and ``artifacts``: the CodePipeline pipeline and its artifact store."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from pipectl.spec import names as rules
from pipectl.spec.model_base import (
    Model,
    StringValues,
    check_bucket,
    check_name,
    check_role_arn,
    invalid,
)
from pipectl.spec.triggers import Triggers


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
        return None if v is None else check_bucket(v)

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
    variables: StringValues = Field(
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
