"""pipeline.triggers: plan, create and update converge the pipeline's git triggers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipectl.aws.session import AwsSession
from pipectl.plan.model import Action
from pipectl.plan.planner import make_plan
from pipectl.resources.desired import DesiredState
from tests.conftest import run_cli
from tests.plan.conftest import apply, converge, state_with
from tests.resources.specs import spec_data, write_project

TRIGGERS = {"push": [{"branches": {"includes": ["main"]},
                      "file_paths": {"includes": ["app/**", "Dockerfile"],
                                     "excludes": ["docs/**"]}},
                     {"tags": {"includes": ["v*"]}}],
            "pull_request": [{"branches": {"includes": ["main"]}, "events": ["OPEN"]}]}
DECLARED = [{"providerType": "CodeStarSourceConnection", "gitConfiguration": {
    "sourceActionName": "Source",
    "push": [{"branches": {"includes": ["main"]},
              "filePaths": {"includes": ["app/**", "Dockerfile"], "excludes": ["docs/**"]}},
             {"tags": {"includes": ["v*"]}}],
    "pullRequest": [{"events": ["OPEN"], "branches": {"includes": ["main"]}}]}}]


def pipeline_step(aws: AwsSession, state: DesiredState) -> Any:
    plan = make_plan(aws, state)
    return next(s for s in plan.steps if s.kind == "codepipeline")


def stored(aws: AwsSession) -> Any:
    return aws.client("codepipeline").get_pipeline(name="hello-web")["pipeline"].get("triggers")


def test_triggers_are_created_with_the_pipeline_and_then_unchanged(
        aws: AwsSession, spec_sections: dict[str, Any]) -> None:
    state = state_with({**spec_sections, "pipeline": {"triggers": TRIGGERS}})
    assert state.pipeline.create_request()["pipeline"]["triggers"] == DECLARED
    converge(aws, state)
    assert stored(aws) == DECLARED
    assert pipeline_step(aws, state).action == Action.NO_CHANGE


def test_adding_changing_and_removing_triggers_converges(
        aws: AwsSession, state: DesiredState, spec_sections: dict[str, Any]) -> None:
    converge(aws, state)
    with_triggers = state_with({**spec_sections, "pipeline": {"triggers": TRIGGERS}})
    step = pipeline_step(aws, with_triggers)
    assert step.action == Action.UPDATE
    assert step.diffs and all(d.field.startswith("triggers") for d in step.diffs)
    apply(aws, make_plan(aws, with_triggers))
    assert stored(aws) == DECLARED
    assert pipeline_step(aws, with_triggers).action == Action.NO_CHANGE

    narrower = {**TRIGGERS, "push": [{"branches": {"includes": ["main"]},
                                      "file_paths": {"includes": ["app/**"]}}]}
    changed = state_with({**spec_sections, "pipeline": {"triggers": narrower}})
    step = pipeline_step(aws, changed)
    assert step.action == Action.UPDATE
    assert all(d.field.startswith("triggers") for d in step.diffs)
    apply(aws, make_plan(aws, changed))
    assert pipeline_step(aws, changed).action == Action.NO_CHANGE

    # Out of the spec: back to AWS's change detection on the branch (no triggers sent).
    step = pipeline_step(aws, state)
    assert step.action == Action.UPDATE
    apply(aws, make_plan(aws, state))
    assert not stored(aws)
    assert pipeline_step(aws, state).action == Action.NO_CHANGE


def test_aws_default_trigger_on_the_branch_is_no_change(
        aws: AwsSession, state: DesiredState) -> None:
    converge(aws, state)
    client = aws.client("codepipeline")
    declaration = client.get_pipeline(name="hello-web")["pipeline"]
    declaration["triggers"] = [{"providerType": "CodeStarSourceConnection", "gitConfiguration": {
        "sourceActionName": "Source", "push": [{"branches": {"includes": ["main"]}}]}}]
    client.update_pipeline(pipeline=declaration)
    assert pipeline_step(aws, state).action == Action.NO_CHANGE


def validate(tmp_path: Path, **pipeline: Any) -> Any:
    data = spec_data()
    data["pipeline"] = pipeline
    path = write_project(tmp_path, spec=data)
    text = path.read_text()
    return run_cli(["-c", str(path), "validate"]), text


def test_bad_triggers_are_refused_with_the_line_and_a_hint(tmp_path: Path) -> None:
    result, text = validate(tmp_path, triggers={"push": [{"file_paths": {"includes": ["a"]}}]})
    assert result.exit_code == 2
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "file_paths" in t)
    assert f"pipeline.yml:{line}:7: pipeline.triggers.push[0].file_paths: a file_paths " \
        "filter needs branches beside it" in result.output
    assert "hint: add branches: {includes: [main]}" in result.output

    result, _ = validate(tmp_path, type="V1", triggers=TRIGGERS)
    assert result.exit_code == 2 and "pipeline triggers need pipeline type V2" in result.output

    result, _ = validate(tmp_path, triggers={"push": [{"tags": {"includes": ["v*"]},
                                                      "branches": {"includes": ["main"]}}]})
    assert result.exit_code == 2 and "cannot also filter branches" in result.output

    result, _ = validate(tmp_path, triggers={"push": [{"branches": {"includes": ["x"] * 9}}]})
    assert result.exit_code == 2 and "at most 8 patterns" in result.output


def test_triggers_need_a_connection_source(tmp_path: Path) -> None:
    data = spec_data()
    data["source"] = {"provider": "codecommit", "repository": "hello-web"}
    data["pipeline"] = {"triggers": TRIGGERS}
    path = write_project(tmp_path, spec=data)
    result = run_cli(["-c", str(path), "validate"])
    assert result.exit_code == 2
    assert "work with a github (connection) source, not codecommit" in result.output
    assert yaml.safe_load(path.read_text())["pipeline"]["triggers"]
