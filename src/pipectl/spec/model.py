"""The typed spec: what ``config/pipeline.yml`` may say, with defaults and AWS naming rules.

:class:`Spec` is the whole file; each part has a module of its own (``source``,
``build`` and ``image``, ``deploy``, ``pipeline`` and ``artifacts``), named here too.
Models are frozen and reject unknown keys; cross-field rules that need the buildspec
or task definition live in :mod:`pipectl.spec.checks`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from pipectl.spec import names as rules
from pipectl.spec.build import BuildSettings, ComputeType, ImageSettings
from pipectl.spec.deploy import DeploySettings
from pipectl.spec.model_base import Model, StringValues, check_name, invalid
from pipectl.spec.pipeline import ArtifactSettings, PipelineSettings
from pipectl.spec.source import Source

__all__ = ["ArtifactSettings", "BuildSettings", "ComputeType", "DeploySettings",
           "ImageSettings", "PipelineSettings", "Source", "Spec"]


class Spec(Model):
    """A pipectl pipeline spec (config/pipeline.yml)."""

    # The rest of the configuration (frozen, no unknown keys) comes from Model.
    model_config = ConfigDict(json_schema_extra={"title": "pipectl pipeline spec"})

    version: Literal[1] = Field(description="Spec format version: 1.")
    name: str = Field(description="Pipeline name and prefix of every derived resource name.")
    region: str | None = Field(None, description="Default: --region or the AWS config.")
    tags: StringValues = Field(default_factory=dict, description="On every resource.")
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
    def _first_deploy_needs_v2(self) -> Spec:
        create = self.deploy.create_service
        if create is not None and create.desired_count and self.pipeline.type == "V1":
            # The service starts with no task and a Commands action (V2 only) raises it
            # after the first deploy: pipectl.resources.first_deploy says why.
            raise invalid(
                "deploy.create_service needs pipeline type V2: the service starts with no "
                "task, and a Commands action (V2 pipelines only) raises it to "
                f"desired_count ({create.desired_count}) once the first run has deployed a "
                "built image", "set pipeline.type: V2 (the default), or create the service "
                "yourself and leave deploy.create_service out", at=("pipeline", "type"))
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
