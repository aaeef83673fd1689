"""The pipeline's shape: Source -> Build (CodeBuild) -> Deploy (ECS), one action each.

A pipeline with more (an approval, a test stage, a second deploy) is refused, naming
what the spec cannot describe: adopting it would make the next ``create`` delete them.
What differs only in names or in settings the spec does not hold is noted instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipectl.adopt.model import CHANGED_BY_CREATE, Notes
from pipectl.errors import InvalidInput
from pipectl.resources.first_deploy import SCALE_UP_ACTION
from pipectl.resources.pipeline import BUILD_ARTIFACT, SOURCE_ARTIFACT

SOURCE_PROVIDERS = ("CodeStarSourceConnection", "CodeCommit", "S3")
#: Per stage: its name in a pipectl pipeline, the action's category, the providers a spec
#: can describe.
SHAPE = (
    ("Source", "Source", SOURCE_PROVIDERS),
    ("Build", "Build", ("CodeBuild",)),
    ("Deploy", "Deploy", ("ECS",)),
)
#: Action members pipectl's pipeline never sets: a value there is the user's own.
UNSET_ACTION_MEMBERS = ("namespace", "roleArn", "timeoutInMinutes")
#: Stage members pipectl's pipeline never sets (V2 conditions, blockers).
UNSET_STAGE_MEMBERS = ("blockers", "onFailure", "onSuccess", "beforeEntry")


@dataclass(frozen=True)
class ThreeActions:
    source: Mapping[str, Any]
    build: Mapping[str, Any]
    deploy: Mapping[str, Any]

    @property
    def source_provider(self) -> str:
        return str(self.source["actionTypeId"]["provider"])


def _type(action: Mapping[str, Any]) -> tuple[str, str, str, str]:
    t = action.get("actionTypeId") or {}
    return (str(t.get("category")), str(t.get("owner")), str(t.get("provider")),
            str(t.get("version")))


def _is_scale_up(action: Mapping[str, Any]) -> bool:
    """pipectl's own Commands action after the deploy (pipectl.resources.first_deploy):
    ``create`` makes it again from deploy.create_service."""
    return action.get("name") == SCALE_UP_ACTION and _type(action)[:3] == (
        "Compute", "AWS", "Commands")


def structure_problems(stages: list[Mapping[str, Any]]) -> list[str]:
    """What keeps the pipeline from being a spec's Source -> Build -> Deploy, for people."""
    problems: list[str] = []
    for index, stage in enumerate(stages):
        actions = list(stage.get("actions") or [])
        names = ", ".join(str(a.get("name")) for a in actions) or "none"
        if index >= len(SHAPE):
            problems.append(f"stage {stage.get('name')} (actions: {names})")
            continue
        _, category, providers = SHAPE[index]
        fitting = [a for a in actions if _type(a)[0] == category and _type(a)[1] == "AWS"
                   and _type(a)[2] in providers]
        if not fitting:
            kinds = ", ".join(f"{a.get('name')} ({_type(a)[0]} {_type(a)[1]}/{_type(a)[2]})"
                              for a in actions) or "no action"
            problems.append(f"stage {stage.get('name')}: {kinds}, where a spec has one "
                            f"{category} action ({' | '.join(providers)})")
        extras = [a for a in actions if fitting and a is not fitting[0]
                  and not (category == "Deploy" and _is_scale_up(a))]
        problems += [f"action {stage.get('name')}/{a.get('name')} ({_type(a)[0]} "
                     f"{_type(a)[2]})" for a in extras]
    for _, category, _ in SHAPE[len(stages):]:
        problems.append(f"no {category} stage")
    return problems


def three_actions(name: str, declaration: Mapping[str, Any], region: str,
                  notes: Notes) -> ThreeActions:
    """The Source, Build and Deploy actions; refuses (exit 2) any other shape."""
    stages = list(declaration.get("stages") or [])
    problems = structure_problems(stages)
    if problems:
        raise InvalidInput(
            f"pipeline {name} has what a pipectl spec cannot describe: {'; '.join(problems)}",
            hint="pipectl manages Source -> Build (CodeBuild) -> Deploy (ECS), one action "
                 "each; remove the rest from the pipeline first, or keep managing it by hand")
    resource = f"CodePipeline pipeline {name}"
    chosen = []
    for index, (stage, (expected, category, providers)) in enumerate(
            zip(stages, SHAPE, strict=True)):
        action = next(a for a in stage["actions"] if _type(a)[0] == category
                      and _type(a)[2] in providers)
        where = f"stages[{index}]"
        if stage.get("name") != expected:
            notes.add(resource, f"{where}.name", stage.get("name"),
                      f"{CHANGED_BY_CREATE}: pipectl names this stage {expected}")
        if action.get("name") != expected:
            notes.add(resource, f"{where}.actions.{action.get('name')}.name", action.get("name"),
                      f"{CHANGED_BY_CREATE}: pipectl names this action {expected}")
        for key in UNSET_STAGE_MEMBERS:
            if stage.get(key):
                notes.add(resource, f"{where}.{key}", stage[key], CHANGED_BY_CREATE)
        for key in UNSET_ACTION_MEMBERS:
            if action.get(key):
                notes.add(resource, f"{where}.actions.{action.get('name')}.{key}", action[key],
                          CHANGED_BY_CREATE)
        if action.get("region") and region and action["region"] != region:
            notes.add(resource, f"{where}.actions.{action.get('name')}.region",
                      action["region"], CHANGED_BY_CREATE)
        if (action.get("runOrder") or 1) != 1:
            notes.add(resource, f"{where}.actions.{action.get('name')}.runOrder",
                      action["runOrder"], CHANGED_BY_CREATE)
        chosen.append(action)
    _artifact_names(resource, chosen, notes)
    return ThreeActions(*chosen)


def _artifact_names(resource: str, actions: list[Mapping[str, Any]], notes: Notes) -> None:
    expected = {
        (0, "outputArtifacts"): [SOURCE_ARTIFACT],
        (1, "inputArtifacts"): [SOURCE_ARTIFACT],
        (1, "outputArtifacts"): [BUILD_ARTIFACT],
        (2, "inputArtifacts"): [BUILD_ARTIFACT],
        (2, "outputArtifacts"): [],
    }
    for (index, member), want in expected.items():
        have = [str(a.get("name")) for a in actions[index].get(member) or []]
        if have != want:
            notes.add(resource, f"stages[{index}].actions.{actions[index].get('name')}.{member}",
                      have, f"{CHANGED_BY_CREATE}: pipectl's are {want or 'none'}")
