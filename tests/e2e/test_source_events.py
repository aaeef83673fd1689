"""End to end: a CodeCommit or S3 source gets the EventBridge rule (and role) that starts
its runs, as AWS documents them; drift is planned and converged; destroy removes them.

The real `pipectl` against the sandbox over HTTP, checked with the `aws` CLI.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipectl.sandbox.server import SandboxServer
from tests.conftest import run_cli
from tests.e2e.test_create_e2e import AwsCli, server
from tests.resources.specs import ACCOUNT, spec_data, write_project

pytestmark = pytest.mark.e2e
__all__ = ["server"]  # the fixture, shared with the create tests

PIPELINE_ARN = f"arn:aws:codepipeline:us-east-1:{ACCOUNT}:hello-web"
RULE = "hello-web-source-change"
ROLE = "hello-web-events"


def project(tmp_path: Path, source: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path, spec=spec_data(source=source, deploy={"create_service": None}))
    monkeypatch.chdir(tmp_path)


def check_rule_and_role(aws: AwsCli, pattern: dict[str, Any]) -> None:
    rule = aws("events", "describe-rule", "--name", RULE)
    assert json.loads(rule["EventPattern"]) == pattern
    assert rule["State"] == "ENABLED"
    targets = aws("events", "list-targets-by-rule", "--rule", RULE)["Targets"]
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
    assert targets == [{"Id": "codepipeline", "Arn": PIPELINE_ARN, "RoleArn": role_arn}]
    tags = aws("events", "list-tags-for-resource", "--resource-arn", rule["Arn"])["Tags"]
    assert {"Key": "pipectl:pipeline", "Value": "hello-web"} in tags
    # The role: EventBridge may assume it for this rule only, and it may start this
    # pipeline and nothing else.
    role = aws("iam", "get-role", "--role-name", ROLE)["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                      "ArnLike": {"aws:SourceArn": rule["Arn"]}}}]
    policy = aws("iam", "get-role-policy", "--role-name", ROLE,
                 "--policy-name", "pipectl")["PolicyDocument"]
    assert policy["Statement"] == [{
        "Sid": "StartPipeline", "Effect": "Allow",
        "Action": ["codepipeline:StartPipelineExecution"], "Resource": [PIPELINE_ARN]}]


def destroy_removes_rule_and_role(aws: AwsCli) -> None:
    destroyed = run_cli(["--endpoint-url", aws.url, "destroy", "--yes"])
    assert destroyed.exit_code == 0, destroyed.output
    assert "ResourceNotFoundException" in aws.fails("events", "describe-rule", "--name", RULE)
    assert "NoSuchEntity" in aws.fails("iam", "get-role", "--role-name", ROLE)
    assert aws("codepipeline", "list-pipelines")["pipelines"] == []


def test_codecommit_source_gets_its_rule_which_converges_and_is_destroyed(
        server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    aws = AwsCli(server.url)
    project(tmp_path, {"provider": "codecommit", "repository": "hello-repo",
                       "branch": "main"}, monkeypatch)
    endpoint = ["--endpoint-url", server.url]
    created = run_cli([*endpoint, "create"])
    assert created.exit_code == 0, created.output
    assert "Done: 18 created." in created.stdout
    pattern = {
        "source": ["aws.codecommit"],
        "detail-type": ["CodeCommit Repository State Change"],
        "resources": [f"arn:aws:codecommit:us-east-1:{ACCOUNT}:hello-repo"],
        "detail": {"event": ["referenceCreated", "referenceUpdated"],
                   "referenceType": ["branch"], "referenceName": ["main"]}}
    check_rule_and_role(aws, pattern)
    source = aws("codepipeline", "get-pipeline", "--name", "hello-web")["pipeline"][
        "stages"][0]["actions"][0]["configuration"]
    assert source["PollForSourceChanges"] == "false"  # the rule starts runs, not polling

    # Drift made by hand: the rule watches another branch and lost its target.
    aws("events", "put-rule", "--name", RULE, "--event-pattern",
        json.dumps({**pattern, "detail": {**pattern["detail"], "referenceName": ["dev"]}}))
    aws("events", "remove-targets", "--rule", RULE, "--ids", "codepipeline")
    plan = run_cli([*endpoint, "plan", "--detailed-exitcode"])
    assert plan.exit_code == 5, plan.output
    assert 'pattern.detail.referenceName: ["dev"] -> ["main"]' in plan.stdout
    assert "+ EventBridge target" in plan.stdout
    assert "1 to create, 1 to update" in plan.stdout
    updated = run_cli([*endpoint, "update"])
    assert updated.exit_code == 0, updated.output
    check_rule_and_role(aws, pattern)
    assert run_cli([*endpoint, "plan", "--detailed-exitcode"]).exit_code == 0

    destroy_removes_rule_and_role(aws)


def test_s3_source_gets_eventbridge_notifications_and_its_rule(
        server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    aws = AwsCli(server.url)
    aws("s3api", "create-bucket", "--bucket", "hello-source")
    aws("s3api", "put-bucket-versioning", "--bucket", "hello-source",
        "--versioning-configuration", "Status=Enabled")
    # A notification of the user's own, which must survive pipectl switching EventBridge on.
    queue = aws("sqs", "create-queue", "--queue-name", "uploads")["QueueUrl"]
    queue_arn = aws("sqs", "get-queue-attributes", "--queue-url", queue, "--attribute-names",
                    "QueueArn")["Attributes"]["QueueArn"]
    theirs = {"Id": "uploads", "QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}
    aws("s3api", "put-bucket-notification-configuration", "--bucket", "hello-source",
        "--notification-configuration", json.dumps({"QueueConfigurations": [theirs]}))
    project(tmp_path, {"provider": "s3", "bucket": "hello-source", "key": "src/app.zip"},
            monkeypatch)
    endpoint = ["--endpoint-url", server.url]

    plan = run_cli([*endpoint, "plan"])
    assert "~ S3 source bucket EventBridge  hello-source" in plan.stdout, plan.stdout
    assert "eventBridge: false -> true" in plan.stdout
    created = run_cli([*endpoint, "create"])
    assert created.exit_code == 0, created.output
    assert "Done: 18 created, 1 updated." in created.stdout
    check_rule_and_role(aws, {
        "source": ["aws.s3"], "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": ["hello-source"]}, "object": {"key": ["src/app.zip"]}}})
    notifications = aws("s3api", "get-bucket-notification-configuration",
                        "--bucket", "hello-source")
    assert notifications["EventBridgeConfiguration"] == {}
    assert notifications["QueueConfigurations"] == [theirs]
    assert run_cli([*endpoint, "plan", "--detailed-exitcode"]).exit_code == 0

    destroy_removes_rule_and_role(aws)
    # The bucket is the user's: its EventBridge notifications stay on.
    assert "EventBridgeConfiguration" in aws("s3api", "get-bucket-notification-configuration",
                                             "--bucket", "hello-source")
