"""The EventBridge rule, its target and the S3 source bucket's notifications, call by call.

The Stubber checks every request and response against botocore's EventBridge and S3
models: the shapes AWS documents, not only what moto takes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber

from pipectl.aws.session import AwsSession, AwsSettings
from pipectl.errors import AwsError
from pipectl.plan.model import FieldDiff, Observed
from pipectl.plan.registry import planner_for
from pipectl.resources.desired import DesiredState
from pipectl.resources.events import SourceEvents
from tests.plan import applying
from tests.resources.specs import ACCOUNT, make_spec, make_state

RULE = "hello-web-source-change"
RULE_ARN = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{RULE}"
PIPELINE_ARN = f"arn:aws:codepipeline:us-east-1:{ACCOUNT}:hello-web"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/hello-web-events"
TAGS = [{"Key": "pipectl:pipeline", "Value": "hello-web"}, {"Key": "team", "Value": "web"}]
TARGETS = [{"Id": "codepipeline", "Arn": PIPELINE_ARN, "RoleArn": ROLE_ARN}]
CODECOMMIT = {"provider": "codecommit", "repository": "hello-repo", "branch": "main"}
S3 = {"provider": "s3", "bucket": "hello-source", "key": "src/app.zip"}
CODECOMMIT_PATTERN = {
    "source": ["aws.codecommit"], "detail-type": ["CodeCommit Repository State Change"],
    "resources": [f"arn:aws:codecommit:us-east-1:{ACCOUNT}:hello-repo"],
    "detail": {"event": ["referenceCreated", "referenceUpdated"], "referenceType": ["branch"],
               "referenceName": ["main"]}}


def state_for(source: dict[str, Any]) -> DesiredState:
    return make_state(make_spec(source=source))


def events_of(state: DesiredState) -> SourceEvents:
    assert state.source_events is not None
    return state.source_events


def session() -> AwsSession:
    """A session whose clients only a Stubber answers."""
    return AwsSession(AwsSettings(region="us-east-1"))


def test_a_github_source_needs_no_rule() -> None:
    state = make_state()
    assert state.source_events is None
    assert planner_for("events-rule").targets(state) == []


def test_the_codecommit_rule_is_put_as_documented_and_then_its_target() -> None:
    rule = events_of(state_for(CODECOMMIT)).rule
    aws = session()
    description = ("Starts pipeline hello-web on a change of its codecommit source "
                   "(managed by pipectl)")
    with Stubber(aws.client("events")) as stub:
        stub.add_client_error("describe_rule", "ResourceNotFoundException",
                              f"Rule {RULE} does not exist.", 400, {"Name": RULE})
        assert planner_for("events-rule").read(aws, rule) is None
        stub.add_response("put_rule", {"RuleArn": RULE_ARN}, {
            "Name": RULE, "EventPattern": json.dumps(CODECOMMIT_PATTERN, separators=(",", ":")),
            "State": "ENABLED", "Description": description, "Tags": TAGS})
        applying.create(aws, planner_for("events-rule"), rule)
        stub.add_response("put_targets", {"FailedEntryCount": 0, "FailedEntries": []},
                          {"Rule": RULE, "Targets": TARGETS})
        applying.create(aws, planner_for("events-target"), rule)
        stub.assert_no_pending_responses()


def test_pattern_drift_is_found_and_put_back_without_touching_tags() -> None:
    rule = events_of(state_for(CODECOMMIT)).rule
    aws = session()
    planner = planner_for("events-rule")
    drifted = {**CODECOMMIT_PATTERN, "detail": {**CODECOMMIT_PATTERN["detail"],
                                                "referenceName": ["dev"]}}
    with Stubber(aws.client("events")) as stub:
        stub.add_response("describe_rule", {
            "Name": RULE, "Arn": RULE_ARN, "EventPattern": json.dumps(drifted),
            "State": "ENABLED", "Description": rule.description, "EventBusName": "default"},
            {"Name": RULE})
        stub.add_response("list_tags_for_resource", {"Tags": TAGS}, {"ResourceARN": RULE_ARN})
        observed = planner.read(aws, rule)
        assert observed is not None
        diffs = planner.compare(rule, observed)
        assert diffs == [FieldDiff("pattern.detail.referenceName", ["dev"], ["main"])]
        request = rule.put_request(with_tags=False)
        assert "Tags" not in request  # PutRule sets tags only when it creates the rule
        stub.add_response("put_rule", {"RuleArn": RULE_ARN}, request)
        applying.update(aws, planner, rule, observed, diffs)
        stub.assert_no_pending_responses()


def test_a_refused_target_is_an_error_not_a_silent_success() -> None:
    rule = events_of(state_for(CODECOMMIT)).rule
    aws = session()
    with Stubber(aws.client("events")) as stub:
        stub.add_response("put_targets", {"FailedEntryCount": 1, "FailedEntries": [{
            "TargetId": "codepipeline", "ErrorCode": "ValidationException",
            "ErrorMessage": "RoleArn is not supported for target"}]},
            {"Rule": RULE, "Targets": TARGETS})
        with pytest.raises(AwsError) as caught:
            applying.create(aws, planner_for("events-target"), rule)
    assert caught.value.code == "ValidationException"
    assert caught.value.message == ("events:PutTargets on hello-web-source-change failed for "
                                    "target codepipeline: RoleArn is not supported for target")


def test_a_target_added_by_hand_is_removed_and_ours_put_back() -> None:
    rule = events_of(state_for(CODECOMMIT)).rule
    aws = session()
    planner = planner_for("events-target")
    theirs = {"Id": "mine", "Arn": "arn:aws:sns:us-east-1:123456789012:alerts"}
    with Stubber(aws.client("events")) as stub:
        stub.add_response("list_targets_by_rule", {"Targets": [theirs]}, {"Rule": RULE})
        observed = planner.read(aws, rule)
        assert observed is not None
        diffs = planner.compare(rule, observed)
        assert diffs
        stub.add_response("put_targets", {"FailedEntryCount": 0},
                          {"Rule": RULE, "Targets": TARGETS})
        stub.add_response("remove_targets", {"FailedEntryCount": 0},
                          {"Rule": RULE, "Ids": ["mine"]})
        applying.update(aws, planner, rule, observed, diffs)
        stub.assert_no_pending_responses()


def test_destroy_removes_the_targets_before_the_rule() -> None:
    rule = events_of(state_for(S3)).rule
    aws = session()
    with Stubber(aws.client("events")) as stub:
        stub.add_response("list_targets_by_rule", {"Targets": TARGETS}, {"Rule": RULE})
        stub.add_response("remove_targets", {"FailedEntryCount": 0, "FailedEntries": []},
                          {"Rule": RULE, "Ids": ["codepipeline"]})
        stub.add_response("delete_rule", {}, {"Name": RULE})
        applying.delete(aws, planner_for("events-rule"), rule, Observed())
        stub.assert_no_pending_responses()


def test_s3_eventbridge_is_switched_on_keeping_the_buckets_other_notifications() -> None:
    events = events_of(state_for(S3))
    assert events.bucket is not None
    assert events.rule.pattern == {
        "source": ["aws.s3"], "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": ["hello-source"]}, "object": {"key": ["src/app.zip"]}}}
    aws = session()
    planner = planner_for("s3-eventbridge-notifications")
    queue = {"Id": "uploads", "QueueArn": "arn:aws:sqs:us-east-1:123456789012:uploads",
             "Events": ["s3:ObjectCreated:*"]}
    with Stubber(aws.client("s3")) as stub:
        stub.add_response("get_bucket_notification_configuration",
                          {"QueueConfigurations": [queue]}, {"Bucket": "hello-source"})
        observed = planner.read(aws, events.bucket)
        assert observed is not None
        diffs = planner.compare(events.bucket, observed)
        assert diffs == [FieldDiff("eventBridge", False, True)]
        stub.add_response("put_bucket_notification_configuration", {}, {
            "Bucket": "hello-source", "SkipDestinationValidation": True,
            "NotificationConfiguration": {"QueueConfigurations": [queue],
                                          "EventBridgeConfiguration": {}}})
        applying.update(aws, planner, events.bucket, observed, diffs)
        # Switched on: nothing left to do.
        stub.add_response("get_bucket_notification_configuration",
                          {"QueueConfigurations": [queue], "EventBridgeConfiguration": {}},
                          {"Bucket": "hello-source"})
        again = planner.read(aws, events.bucket)
        assert again is not None and planner.compare(events.bucket, again) == []
        stub.assert_no_pending_responses()


def test_other_rules_that_start_the_pipeline_are_read_on_every_page_and_named() -> None:
    rule = events_of(state_for(CODECOMMIT)).rule
    aws = session()
    planner = planner_for("events-rule")
    with Stubber(aws.client("events")) as stub:
        stub.add_response("list_rule_names_by_target", {
            "RuleNames": [RULE, "codepipeline-hello-repo-main-571936-rule"],
            "NextToken": "page-2"}, {"TargetArn": PIPELINE_ARN})
        stub.add_response("list_rule_names_by_target", {"RuleNames": ["nightly"]},
                          {"TargetArn": PIPELINE_ARN, "NextToken": "page-2"})
        assert planner.warning(aws, rule) == (
            "EventBridge rules codepipeline-hello-repo-main-571936-rule, nightly also start "
            "this pipeline, so each change would start 3 runs; set source.change_detection: "
            "existing to leave starting runs to them (pipectl then makes no rule)")
        # pipectl's own rule alone: nothing to say.
        stub.add_response("list_rule_names_by_target", {"RuleNames": [RULE]},
                          {"TargetArn": PIPELINE_ARN})
        assert planner.warning(aws, rule) == ""
        stub.assert_no_pending_responses()


@pytest.mark.parametrize("source", [CODECOMMIT, S3])
def test_an_existing_rule_means_no_rule_target_role_or_bucket_setting_of_pipectls(
        source: dict[str, Any]) -> None:
    existing = state_for({**source, "change_detection": "existing"})
    assert existing.source_events is None
    for kind in ("events-rule", "events-target", "s3-eventbridge-notifications"):
        assert planner_for(kind).targets(existing) == []
    assert [r.name for r in planner_for("iam-role").targets(existing)] == [
        "hello-web-codebuild", "hello-web-codepipeline"]
    # The pipeline and its role are what they would be with pipectl's rule.
    ours = state_for(source)
    assert existing.pipeline_role == ours.pipeline_role
    assert existing.pipeline.create_request() == ours.pipeline.create_request()
