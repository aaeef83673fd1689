"""The pipeline: Source -> Build -> Deploy, with the action reference's exact keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipectl.resources.common import Placement, tag_list
from pipectl.resources.first_deploy import scale_up_action

if TYPE_CHECKING:
    from pipectl.spec.triggers import Triggers

SOURCE_ACTION = "Source"
SOURCE_ARTIFACT = "SourceArtifact"
BUILD_ARTIFACT = "BuildArtifact"
IMAGE_DEFINITIONS_FILE = "imagedefinitions.json"


def action_type(category: str, provider: str) -> dict[str, str]:
    return {"category": category, "owner": "AWS", "provider": provider, "version": "1"}


def source_action(source: Any) -> dict[str, Any]:
    if source.provider == "github":
        provider = "CodeStarSourceConnection"
        configuration = {
            "ConnectionArn": source.connection_arn,
            "FullRepositoryId": source.repository,
            "BranchName": source.branch,
            "OutputArtifactFormat": "CODE_ZIP",
            "DetectChanges": "true" if source.detect_changes else "false",
        }
    elif source.provider == "codecommit":
        provider = "CodeCommit"
        configuration = {
            "RepositoryName": source.repository,
            "BranchName": source.branch,
            "PollForSourceChanges": "false",
        }
    else:
        provider = "S3"
        configuration = {
            "S3Bucket": source.bucket,
            "S3ObjectKey": source.key,
            "PollForSourceChanges": "false",
        }
    return {
        "name": SOURCE_ACTION,
        "actionTypeId": action_type("Source", provider),
        "runOrder": 1,
        "configuration": configuration,
        "outputArtifacts": [{"name": SOURCE_ARTIFACT}],
    }


@dataclass(frozen=True)
class Pipeline:
    name: str
    placement: Placement
    role_arn: str
    bucket: str
    pipeline_type: str
    execution_mode: str
    variables: dict[str, str]
    source: Any  # the spec's source section (frozen pydantic model)
    project: str
    cluster: str
    service: str
    deploy_timeout_minutes: int
    tags: dict[str, str] = field(default_factory=dict)
    triggers: Triggers | None = None  # the spec's pipeline.triggers
    #: The desired count a service pipectl creates (with none) is raised to after its
    #: first deploy (pipectl.resources.first_deploy); None: no such action.
    scale_up_to: int | None = None

    @property
    def arn(self) -> str:
        return self.placement.arn("codepipeline", self.name)

    @property
    def stages(self) -> list[dict[str, Any]]:
        return [
            {"name": "Source", "actions": [source_action(self.source)]},
            {"name": "Build", "actions": [{
                "name": "Build",
                "actionTypeId": action_type("Build", "CodeBuild"),
                "runOrder": 1,
                "configuration": {"ProjectName": self.project},
                "inputArtifacts": [{"name": SOURCE_ARTIFACT}],
                "outputArtifacts": [{"name": BUILD_ARTIFACT}],
            }]},
            {"name": "Deploy", "actions": self.deploy_actions},
        ]

    @property
    def deploy_actions(self) -> list[dict[str, Any]]:
        actions: list[dict[str, Any]] = [{
            "name": "Deploy",
            "actionTypeId": action_type("Deploy", "ECS"),
            "runOrder": 1,
            "configuration": {
                "ClusterName": self.cluster,
                "ServiceName": self.service,
                "FileName": IMAGE_DEFINITIONS_FILE,
                "DeploymentTimeout": str(self.deploy_timeout_minutes),
            },
            "inputArtifacts": [{"name": BUILD_ARTIFACT}],
        }]
        if self.scale_up_to:
            actions.append(scale_up_action(self.cluster, self.service, self.scale_up_to,
                                           BUILD_ARTIFACT))
        return actions

    def declaration(self) -> dict[str, Any]:
        """The ``pipeline`` member of CreatePipeline / UpdatePipeline."""
        declaration: dict[str, Any] = {
            "name": self.name,
            "roleArn": self.role_arn,
            "artifactStore": {"type": "S3", "location": self.bucket},
            "stages": self.stages,
            "pipelineType": self.pipeline_type,
            "executionMode": self.execution_mode,
        }
        if self.variables:
            declaration["variables"] = [
                {"name": k, "defaultValue": v} for k, v in sorted(self.variables.items())
            ]
        if self.triggers is not None:
            declaration["triggers"] = self.triggers.declaration(SOURCE_ACTION)
        return declaration

    def create_request(self) -> dict[str, Any]:
        return {"pipeline": self.declaration(), "tags": tag_list(self.tags, "key", "value")}
