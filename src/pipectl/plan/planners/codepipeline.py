"""The pipeline itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pipectl.aws.session import AwsSession
from pipectl.plan.base import ApplyContext, Planner, changed
from pipectl.plan.calls import call, read
from pipectl.plan.model import FieldDiff, Observed
from pipectl.resources.common import tag_dict, tag_list
from pipectl.resources.pipeline import Pipeline

if TYPE_CHECKING:
    from pipectl.resources.desired import DesiredState

NO_PIPELINE = frozenset({"PipelineNotFoundException"})


def _artifact_names(artifacts: Any) -> list[str]:
    return [str(a["name"]) for a in artifacts or []]


#: What AWS does when an action's configuration leaves a key out (the action reference's
#: documented defaults): a pipeline made elsewhere that omits them equals one that states them.
CONFIGURATION_DEFAULTS: dict[str, dict[str, str]] = {
    "CodeStarSourceConnection": {"OutputArtifactFormat": "CODE_ZIP", "DetectChanges": "true"},
    "CodeCommit": {"OutputArtifactFormat": "CODE_ZIP", "PollForSourceChanges": "true"},
    "S3": {"PollForSourceChanges": "true"},
    "ECS": {"FileName": "imagedefinitions.json", "DeploymentTimeout": "60"},
}


def canonical_action(action: Mapping[str, Any], region: str) -> dict[str, Any]:
    """An action with AWS's defaults filled in and empty members dropped."""
    type_id = dict(action.get("actionTypeId") or {})
    defaults = CONFIGURATION_DEFAULTS.get(str(type_id.get("provider")), {})
    out: dict[str, Any] = {
        "actionTypeId": type_id,
        "runOrder": action.get("runOrder") or 1,
        "configuration": {**defaults, **(action.get("configuration") or {})},
        "inputArtifacts": _artifact_names(action.get("inputArtifacts")),
        "outputArtifacts": _artifact_names(action.get("outputArtifacts")),
    }
    for key in ("namespace", "roleArn", "timeoutInMinutes"):
        if action.get(key):
            out[key] = action[key]
    if action.get("region") and action["region"] != region:
        out["region"] = action["region"]
    return out


def canonical_pipeline(declaration: Mapping[str, Any], region: str) -> dict[str, Any]:
    """What pipectl owns of a pipeline declaration, in a form equal declarations share.

    ``version`` is AWS's counter and ``triggers`` are AWS's default change detection
    for connection sources: neither is pipectl's to compare.
    """
    stages = declaration.get("stages") or []
    store = declaration.get("artifactStore") or {}
    return {
        "roleArn": declaration.get("roleArn"),
        "artifactStore": {"type": store.get("type"), "location": store.get("location")},
        "pipelineType": declaration.get("pipelineType") or "V1",
        "executionMode": declaration.get("executionMode") or "SUPERSEDED",
        "variables": {v["name"]: v.get("defaultValue", "")
                      for v in declaration.get("variables") or []},
        "stageOrder": [s["name"] for s in stages],
        "stages": {
            s["name"]: {a["name"]: canonical_action(a, region) for a in s.get("actions") or []}
            for s in stages
        },
    }


class PipelinePlanner(Planner[Pipeline]):
    kind = "codepipeline"
    title = "CodePipeline pipeline"
    exists_codes = frozenset({"PipelineNameInUseException"})

    def targets(self, state: DesiredState) -> list[Pipeline]:
        return [state.pipeline]

    def read(self, aws: AwsSession, desired: Pipeline) -> Observed | None:
        got = read(aws, "codepipeline", "GetPipeline", desired.name, NO_PIPELINE,
                   name=desired.name)
        if got is None:
            return None
        declaration = got["pipeline"]
        arn = (got.get("metadata") or {}).get("pipelineArn") or desired.arn
        tags = call(aws, "codepipeline", "ListTagsForResource", desired.name, resourceArn=arn)
        return Observed(canonical_pipeline(declaration, desired.placement.region),
                        tag_dict(tags.get("tags"), "key", "value"),
                        {"arn": arn, "version": declaration.get("version")})

    def fields(self, desired: Pipeline) -> dict[str, Any]:
        return {**canonical_pipeline(desired.declaration(), desired.placement.region),
                "tags": dict(desired.tags)}

    def create(self, ctx: ApplyContext, desired: Pipeline) -> None:
        self.create_or_converge(ctx, desired, lambda: ctx.when_role_assumable(
            lambda: call(ctx.aws, "codepipeline", "CreatePipeline", desired.name,
                         **desired.create_request()),
            operation="codepipeline:CreatePipeline", resource=desired.name,
            role=desired.role_arn))

    def update(self, ctx: ApplyContext, desired: Pipeline, observed: Observed,
               diffs: list[FieldDiff]) -> None:
        if any(not changed([d], "tags") for d in diffs):
            declaration = desired.declaration()
            if observed.facts.get("version"):
                declaration["version"] = observed.facts["version"]
            ctx.when_role_assumable(
                lambda: call(ctx.aws, "codepipeline", "UpdatePipeline", desired.name,
                             pipeline=declaration),
                operation="codepipeline:UpdatePipeline", resource=desired.name,
                role=desired.role_arn)
        if changed(diffs, "tags"):
            call(ctx.aws, "codepipeline", "TagResource", desired.name,
                 resourceArn=observed.facts.get("arn") or desired.arn,
                 tags=tag_list(desired.tags, "key", "value"))

    def delete(self, ctx: ApplyContext, desired: Pipeline, observed: Observed) -> None:
        call(ctx.aws, "codepipeline", "DeletePipeline", desired.name, name=desired.name)
