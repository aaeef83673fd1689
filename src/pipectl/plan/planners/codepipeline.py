"""The pipeline itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pipectl.aws.session import AwsSession
from pipectl.plan.base import Planner, changed
from pipectl.plan.calls import call, read
from pipectl.plan.model import FieldDiff, Observed
from pipectl.plan.requests import Request, Requests
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
    if action.get("commands"):  # a Commands action's (pipectl.resources.first_deploy)
        out["commands"] = list(action["commands"])
    if action.get("region") and action["region"] != region:
        out["region"] = action["region"]
    return out


def canonical_pipeline(declaration: Mapping[str, Any], region: str) -> dict[str, Any]:
    """What pipectl owns of a pipeline declaration, in a form equal declarations share.

    ``version`` is AWS's counter: not pipectl's to compare. ``triggers`` are compared
    by the planner (``canonical_triggers``), which knows whether the spec states any.
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


def canonical_triggers(declaration: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The declaration's git triggers, empty members dropped, events in a fixed order."""
    found = []
    for trigger in declaration.get("triggers") or []:
        git = trigger.get("gitConfiguration") or {}
        item: dict[str, Any] = {"providerType": trigger.get("providerType"),
                                "sourceActionName": git.get("sourceActionName")}
        for key in ("push", "pullRequest"):
            filters = [_canonical_filter(f) for f in git.get(key) or []]
            if filters:
                item[key] = filters
        found.append(item)
    return found


def _canonical_filter(git_filter: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("branches", "tags", "filePaths"):
        patterns = {k: list(v) for k, v in (git_filter.get(key) or {}).items() if v}
        if patterns:
            out[key] = patterns
    if git_filter.get("events"):
        out["events"] = sorted(git_filter["events"])
    return out


def is_default_trigger(triggers: list[dict[str, Any]], branch: str | None) -> bool:
    """What AWS's change detection on the source branch looks like: pipectl's, unasked."""
    if not triggers:
        return True
    return len(triggers) == 1 and "pullRequest" not in triggers[0] and triggers[0].get(
        "push") == [{"branches": {"includes": [branch]}}]


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
        triggers = canonical_triggers(declaration)
        if desired.triggers is None and is_default_trigger(
                triggers, getattr(desired.source, "branch", None)):
            triggers = []  # the spec leaves change detection to AWS: its default is ours
        return Observed({**canonical_pipeline(declaration, desired.placement.region),
                         "triggers": triggers},
                        tag_dict(tags.get("tags"), "key", "value"),
                        {"arn": arn, "version": declaration.get("version")})

    def fields(self, desired: Pipeline) -> dict[str, Any]:
        declaration = desired.declaration()
        return {**canonical_pipeline(declaration, desired.placement.region),
                "triggers": canonical_triggers(declaration), "tags": dict(desired.tags)}

    def create(self, desired: Pipeline) -> Requests:
        return [Request("codepipeline", "CreatePipeline", desired.name,
                        desired.create_request(), creates=True, role=desired.role_arn)]

    def update(self, desired: Pipeline, observed: Observed,
               diffs: list[FieldDiff]) -> Requests:
        requests: Requests = []
        if any(not changed([d], "tags") for d in diffs):
            declaration = desired.declaration()
            if observed.facts.get("version"):
                declaration["version"] = observed.facts["version"]
            requests.append(Request("codepipeline", "UpdatePipeline", desired.name,
                                    {"pipeline": declaration}, role=desired.role_arn))
        if changed(diffs, "tags"):
            requests.append(Request("codepipeline", "TagResource", desired.name, {
                "resourceArn": observed.facts.get("arn") or desired.arn,
                "tags": tag_list(desired.tags, "key", "value")}))
        return requests

    def delete(self, desired: Pipeline, observed: Observed) -> Requests:
        return [Request("codepipeline", "DeletePipeline", desired.name, {"name": desired.name})]
