"""Plans as data: `plan -v` lists the calls `create` sends, and every one fits botocore's model.

The calls `create` makes are observed at botocore's own client (``_make_api_call``), not
through pipectl's executor, so the listing is checked against what actually leaves.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.client import BaseClient
from botocore.validate import validate_parameters

from pipectl.aws.session import AwsSession, is_read_operation
from pipectl.plan.model import FieldDiff, Observed
from pipectl.plan.registry import PLANNERS
from pipectl.plan.requests import Each, FromAnswer, Request
from pipectl.resources.desired import DesiredState
from tests.conftest import run_cli
from tests.resources.specs import (
    make_spec,
    make_state,
    spec_data,
    task_definition,
    write_project,
)

SECRET = "hunter2-do-not-print"


@pytest.fixture
def project(aws: AwsSession, in_tmp: Path, spec_sections: dict[str, Any]) -> Path:
    # A plain value under a secret-looking name in the task definition: validate warns,
    # create registers it, and `plan -v` must not show it.
    task = task_definition()
    task["containerDefinitions"][0]["environment"] = [
        {"name": "DB_PASSWORD", "value": SECRET}, {"name": "LOG_LEVEL", "value": "info"}]
    return write_project(in_tmp, spec=spec_data(**spec_sections), task=task)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every call botocore's clients send: ``("service:Operation", params)``."""
    calls: list[tuple[str, dict[str, Any]]] = []
    real = BaseClient._make_api_call

    def record(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls.append((f"{client.meta.service_model.service_name}:{operation}", params))
        return real(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    yield calls


def listed(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [call for resource in plan["resources"] for call in resource.get("calls", [])]


def test_plan_v_lists_exactly_the_calls_create_sends(
        project: Path, sent: list[tuple[str, dict[str, Any]]]) -> None:
    planned = run_cli(["-v", "plan", "-o", "json"])
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.stdout)
    calls = listed(plan)
    assert [r["action"] for r in plan["resources"]] == ["create"] * 19
    assert all(r["calls"] for r in plan["resources"])  # every resource says how

    sent.clear()
    created = run_cli(["create"])
    assert created.exit_code == 0, created.output
    mutating = [(name, params) for name, params in sent
                if not is_read_operation(name.split(":", 1)[1])]
    assert [name for name, _ in mutating] == [c["call"] for c in calls]
    for (name, params), call in zip(mutating, calls, strict=True):
        if name == "ecs:RegisterTaskDefinition":
            # Shown with the secret-looking value hidden; sent as the file has it.
            env = params["containerDefinitions"][0]["environment"]
            assert {"name": "DB_PASSWORD", "value": SECRET} in env
            shown = call["params"]["containerDefinitions"][0]["environment"]
            assert {"name": "DB_PASSWORD", "value": "(hidden)"} in shown
            continue
        assert json.loads(json.dumps(params)) == call["params"], name


def test_plan_v_text_shows_the_calls_under_each_change_and_no_secret(project: Path) -> None:
    result = run_cli(["-v", "plan"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    at = lines.index(next(line for line in lines if "+ CodeBuild project" in line))
    assert lines[at + 1].startswith("      > codebuild:CreateProject {")
    assert "      > iam:PutRolePolicy {" in result.stdout
    assert SECRET not in result.output
    plain = run_cli(["plan"])
    assert "> " not in plain.stdout  # without -v the plan is as before


def test_an_update_lists_only_the_calls_that_remove_the_diffs(
        project: Path, aws: AwsSession) -> None:
    assert run_cli(["create"]).exit_code == 0
    repo = aws.client("ecr").describe_repositories()["repositories"][0]
    aws.client("ecr").put_image_scanning_configuration(
        repositoryName=repo["repositoryName"],
        imageScanningConfiguration={"scanOnPush": False})
    plan = json.loads(run_cli(["-v", "plan", "-o", "json"]).stdout)
    assert listed(plan) == [{"call": "ecr:PutImageScanningConfiguration", "params": {
        "repositoryName": repo["repositoryName"],
        "imageScanningConfiguration": {"scanOnPush": True}}}]


def test_destroy_v_lists_the_deletes_and_what_each_listing_is_read_for(
        project: Path) -> None:
    assert run_cli(["create"]).exit_code == 0
    result = run_cli(["-v", "destroy", "--yes", "--force"])
    assert result.exit_code == 0, result.output
    assert ("> iam:ListRolePolicies {\"RoleName\":\"hello-web-codebuild\"}, then "
            "iam:DeleteRolePolicy for each inline policy") in result.stdout
    assert "> s3:DeleteBucket {" in result.stdout


# --- every request fits botocore's model ------------------------------------------------

def _model_checked(request: Request, models: dict[str, Any]) -> None:
    if request.service not in models:
        models[request.service] = botocore.session.get_session().get_service_model(
            request.service)
    shape = models[request.service].operation_model(request.operation).input_shape
    params = {k: ("arn:aws:ecs:us-east-1:123456789012:task-definition/hello-web:2"
                  if isinstance(v, FromAnswer) else v) for k, v in request.params.items()}
    validate_parameters(params, shape)  # raises ParamValidationError, naming the member


#: A page of each listing that `Each` reads, as AWS documents it.
PAGES: dict[str, dict[str, Any]] = {
    "ListRolePolicies": {"PolicyNames": ["inline"], "IsTruncated": False},
    "ListAttachedRolePolicies": {"AttachedPolicies": [
        {"PolicyName": "p", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]},
    "ListTaskDefinitions": {"taskDefinitionArns": [
        "arn:aws:ecs:us-east-1:123456789012:task-definition/hello-web:1",
        "arn:aws:ecs:us-east-1:123456789012:task-definition/hello-web-other:1"]},
    "ListObjectVersions": {"Versions": [{"Key": "a", "VersionId": "v1"}],
                           "DeleteMarkers": [{"Key": "b", "VersionId": "v2"}]},
    "ListTargetsByRule": {"Targets": [{"Id": "codepipeline", "Arn": "arn"}]},
    "GetBucketNotificationConfiguration": {"QueueConfigurations": []},
}


def _expanded(instructions: list[Request | Each]) -> Iterator[Request]:
    for instruction in instructions:
        if isinstance(instruction, Each):
            yield instruction.listing
            then = instruction.then(PAGES[instruction.listing.operation])
            assert then, instruction.doing
            yield from then
        else:
            yield instruction


@pytest.mark.parametrize("source", [None, {"provider": "codecommit", "repository": "hello",
                                           "branch": "main"},
                                    {"provider": "s3", "bucket": "hello-source",
                                     "key": "src/app.zip"}])
def test_every_request_a_planner_returns_fits_botocores_model(
        source: dict[str, Any] | None, state: DesiredState,
        spec_sections: dict[str, Any]) -> None:
    if source is not None:
        state = make_state(make_spec(**spec_sections, source=source))
    models: dict[str, Any] = {}
    checked: set[str] = set()
    for planner in PLANNERS:
        for desired in planner.targets(state):
            fields = planner.fields(desired)
            observed = Observed(
                {k: v for k, v in fields.items() if k != "tags"},
                {"pipectl:pipeline": "hello-web"},
                {"arn": "arn:aws:codepipeline:us-east-1:123456789012:hello-web",
                 "version": 3, "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:abc",
                 "service_active": True, "others": {}})
            everything = [FieldDiff(k, None, v) for k, v in fields.items()]
            sets = [planner.create(desired), planner.update(desired, observed, everything)]
            if not planner.sub_resource:
                sets.append(planner.delete(desired, observed))
            for request in _expanded([r for s in sets for r in s]):
                _model_checked(request, models)
                checked.add(request.name)
    assert {"s3:CreateBucket", "codebuild:CreateProject", "codepipeline:CreatePipeline",
            "ecs:CreateService", "ecs:UpdateService", "iam:DeleteRole"} <= checked
