"""A pipeline whose runs an EventBridge rule of its own starts (the console's, for a
CodeCommit source): import says so in the spec (source.change_detection: existing), and
pipectl then makes no second rule; without the key, plan says that two rules would start
two runs. On moto, in-process, driven through the real CLI."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from moto import mock_aws

from pipectl.sandbox.server import SandboxServer
from tests.adopt import console
from tests.conftest import aws_calls, run_cli
from tests.resources.specs import ACCOUNT, spec_data, task_definition, write_project

READS = ("Get", "List", "Describe", "BatchGet")
TAG_CALLS = {"codepipeline:TagResource", "ecr:TagResource", "s3:PutBucketTagging",
             "codebuild:UpdateProject"}
OURS = ("events-rule", "events-target", "iam-role", "iam-role-policy",
        "s3-eventbridge-notifications")


@pytest.fixture
def moto_client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], Any]]:
    import boto3

    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    with mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        yield lambda service: session.client(service)


def the_rule(client: Callable[[str], Any]) -> dict[str, Any]:
    """The console's rule and its targets, as they must stay."""
    events = client("events")
    rule = events.describe_rule(Name=console.CONSOLE_RULE)
    targets = events.list_targets_by_rule(Rule=console.CONSOLE_RULE)["Targets"]
    return {"pattern": json.loads(rule["EventPattern"]), "state": rule["State"],
            "targets": targets,
            "role": client("iam").get_role(RoleName=console.EVENTS_ROLE)["Role"]["Arn"]}


def test_a_console_codecommit_pipeline_keeps_its_own_rule_and_gets_no_second_one(
        sandbox: SandboxServer, client: Callable[[str], Any], workdir: Path) -> None:
    # On the sandbox (moto's server and the calls moto lacks, such as the UpdateProject
    # that tags a project).
    console.make_console_pipeline(client, pipeline={"stages": console.codecommit_stages()})
    console.make_console_rule(client)
    rule_before = the_rule(client)
    endpoint = ["--endpoint-url", sandbox.url]
    in_tmp = workdir

    imported = run_cli([*endpoint, "import", console.NAME])
    assert imported.exit_code == 0, imported.output
    spec = yaml.safe_load((in_tmp / "config/pipeline.yml").read_text())
    assert spec["source"] == {"provider": "codecommit",
                              "repository": console.CODECOMMIT_REPOSITORY, "branch": "main",
                              "change_detection": "existing"}
    assert (f"  warning: EventBridge rule {console.CONSOLE_RULE}: targets = "
            f"{console.PIPELINE_ARN}: the spec cannot hold it; pipectl leaves it as it is: it "
            "starts the pipeline on a change of its source; the spec says "
            "source.change_detection: existing, so pipectl makes no rule of its own and never "
            "changes or deletes this one") in imported.stdout
    as_json = run_cli([*endpoint, "import", console.NAME, "--force", "-o", "json"])
    assert as_json.exit_code == 0, as_json.output
    assert [w for w in json.loads(as_json.stdout)["warnings"]
            if w["resource"].startswith("EventBridge")] == [{
                "resource": f"EventBridge rule {console.CONSOLE_RULE}", "field": "targets",
                "value": console.PIPELINE_ARN, "why": imported.stdout.split(
                    f"{console.PIPELINE_ARN}: ", 1)[1].splitlines()[0]}]

    validated = run_cli(["validate"])
    assert validated.exit_code == 0, validated.output

    planned = run_cli([*endpoint, "-v", "plan", "-o", "json"])
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.stdout)
    assert not {r["action"] for r in plan["resources"]} & {"create", "delete"}, plan
    assert not {r["kind"] for r in plan["resources"]} & set(OURS)
    for resource in plan["resources"]:
        assert {c["field"] for c in resource["changes"]} <= {
            "tags.pipectl:pipeline", "tags.pipectl:adopted"}, resource
    # With the key, no rule is planned, so no rule is looked for either.
    assert "events:ListRuleNamesByTarget" not in aws_calls(planned.stderr)

    created = run_cli([*endpoint, "-v", "create"])
    assert created.exit_code == 0, created.output
    changing = {op for op in aws_calls(created.stderr)
                if not op.split(":")[1].startswith(READS)}
    assert changing and changing <= TAG_CALLS, changing
    assert client("events").list_rule_names_by_target(
        TargetArn=console.PIPELINE_ARN)["RuleNames"] == [console.CONSOLE_RULE]

    destroyed = run_cli([*endpoint, "destroy", "--yes", "--include-adopted"])
    assert destroyed.exit_code == 0, destroyed.output
    assert client("codepipeline").list_pipelines()["pipelines"] == []
    # The user's rule, its target and its role are theirs: destroy never touches them.
    assert the_rule(client) == rule_before


def test_plan_says_which_other_rule_starts_the_pipeline_and_names_the_key(
        moto_client: Callable[[str], Any], in_tmp: Path) -> None:
    moto_client("ecs").create_cluster(clusterName="hello-cluster")
    moto_client("ecs").register_task_definition(**task_definition())
    moto_client("ecs").create_service(cluster="hello-cluster", serviceName="hello-web",
                                 taskDefinition="hello-web", desiredCount=1)
    source = {"provider": "codecommit", "repository": console.CODECOMMIT_REPOSITORY}
    write_project(in_tmp, spec=spec_data(source=source, deploy={"create_service": None}))
    pipeline_arn = f"arn:aws:codepipeline:us-east-1:{ACCOUNT}:hello-web"
    console.make_console_rule(moto_client, pipeline_arn=pipeline_arn)

    planned = run_cli(["-v", "plan", "-o", "json"])
    assert planned.exit_code == 0, planned.output
    rule = next(r for r in json.loads(planned.stdout)["resources"]
                if r["kind"] == "events-rule")
    assert (rule["action"], rule["name"]) == ("create", "hello-web-source-change")
    assert rule["note"] == (
        f"EventBridge rule {console.CONSOLE_RULE} also starts this pipeline, so each change "
        "would start two runs; set source.change_detection: existing to leave starting runs "
        "to it (pipectl then makes no rule)")
    assert aws_calls(planned.stderr)["events:ListRuleNamesByTarget"] == 1

    created = run_cli(["create"])
    assert created.exit_code == 0, created.output
    assert f"EventBridge rule {console.CONSOLE_RULE} also starts this pipeline" in \
        created.stdout
    # Once pipectl's rule exists, the plan still says so, beside "no change".
    again = run_cli(["plan"])
    assert again.exit_code == 0, again.output
    line = next(x for x in again.stdout.splitlines() if "hello-web-source-change" in x
                and "EventBridge rule " in x)
    assert "no change (EventBridge rule codepipeline-" in line, line

    # The key, as the note says: pipectl's rule (with its target) and role go, the
    # console's stays, and each change starts one run again.
    (in_tmp / "config/pipeline.yml").write_text(yaml.safe_dump(spec_data(
        source={**source, "change_detection": "existing"}, deploy={"create_service": None})))
    switched = run_cli(["plan", "-o", "json"])
    assert switched.exit_code == 0, switched.output
    changes = [(r["resource"], r["name"], r["action"], r.get("note", ""))
               for r in json.loads(switched.stdout)["resources"] if r["action"] != "no-change"]
    why = ("source.change_detection: existing: another rule starts the runs, and this one of "
           "pipectl's would start a second run on every change")
    assert changes == [
        ("EventBridge rule", "hello-web-source-change", "delete", why),
        ("IAM role", "hello-web-events", "delete", f"{why}; this role was that rule's")]
    applied = run_cli(["update"])
    assert applied.exit_code == 0, applied.output
    assert moto_client("events").list_rule_names_by_target(
        TargetArn=pipeline_arn)["RuleNames"] == [console.CONSOLE_RULE]
    assert [r["RoleName"] for r in moto_client("iam").list_roles()["Roles"]
            if r["RoleName"] == "hello-web-events"] == []
    assert run_cli(["plan", "--detailed-exitcode"]).exit_code == 0


def test_a_rule_beside_a_connection_source_is_reported_and_the_spec_left_as_it_is(
        moto_client: Callable[[str], Any], in_tmp: Path) -> None:
    console.make_console_pipeline(moto_client)
    console.make_console_rule(moto_client, name="nightly-hello-console")

    imported = run_cli(["import", console.NAME, "-o", "json"])
    assert imported.exit_code == 0, imported.output
    warning = next(w for w in json.loads(imported.stdout)["warnings"]
                   if w["resource"] == "EventBridge rule nightly-hello-console")
    assert warning["value"] == console.PIPELINE_ARN
    assert "this rule starts extra runs on its own events" in warning["why"]
    spec = yaml.safe_load((in_tmp / "config/pipeline.yml").read_text())
    assert "change_detection" not in spec["source"]
    assert run_cli(["validate"]).exit_code == 0


def test_a_console_rule_beside_pipectls_own_is_reported_and_the_spec_keeps_pipectls(
        moto_client: Callable[[str], Any], in_tmp: Path) -> None:
    console.make_console_pipeline(moto_client, pipeline={"stages": console.codecommit_stages()})
    console.make_console_rule(moto_client)
    own = f"{console.NAME}-source-change"
    moto_client("events").put_rule(Name=own, State="ENABLED", EventPattern=json.dumps(
        {"source": ["aws.codecommit"]}))
    moto_client("events").put_targets(Rule=own, Targets=[{
        "Id": "codepipeline", "Arn": console.PIPELINE_ARN, "RoleArn": console.EVENTS_ROLE_ARN}])

    imported = run_cli(["import", console.NAME, "-o", "json"])
    assert imported.exit_code == 0, imported.output
    warnings = [w for w in json.loads(imported.stdout)["warnings"]
                if w["resource"].startswith("EventBridge")]
    assert warnings == [{
        "resource": f"EventBridge rule {console.CONSOLE_RULE}", "field": "targets",
        "value": console.PIPELINE_ARN,
        "why": f"the spec cannot hold it; pipectl leaves it as it is: pipectl's rule {own} "
               "starts this pipeline too, so each change starts two runs; delete this rule, "
               "or delete pipectl's (and its role) and set source.change_detection: existing"}]
    spec = yaml.safe_load((in_tmp / "config/pipeline.yml").read_text())
    assert "change_detection" not in spec["source"]


def test_change_detection_means_nothing_for_a_github_source(in_tmp: Path) -> None:
    data = spec_data()
    data["source"]["change_detection"] = "existing"
    write_project(in_tmp, spec=data)
    result = run_cli(["validate"])
    assert result.exit_code == 2, result.output
    assert ("source.change_detection: it means nothing for a github source: its connection "
            "starts the runs, no EventBridge rule does") in result.stdout
    assert "hint: leave it out; source.detect_changes: false stops runs on push" in \
        result.stdout
