"""The EventBridge rule that starts runs of a CodeCommit or S3 source, its target, and
the S3 source bucket's EventBridge notifications."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pipectl.aws.session import AwsSession
from pipectl.plan.base import Planner, changed
from pipectl.plan.calls import call, named, read
from pipectl.plan.compare import parse_document
from pipectl.plan.model import FieldDiff, Observed
from pipectl.plan.requests import Each, Request, Requests
from pipectl.resources.common import tag_dict, tag_list
from pipectl.resources.events import SourceBucketEvents, SourceRule

if TYPE_CHECKING:
    from pipectl.resources.desired import DesiredState

NO_RULE = frozenset({"ResourceNotFoundException"})
#: The notification configurations a bucket may hold besides EventBridge's: pipectl puts
#: them back as they are when it switches EventBridge on.
OTHER_NOTIFICATIONS = ("TopicConfigurations", "QueueConfigurations",
                       "LambdaFunctionConfigurations")


class EventRulePlanner(Planner[SourceRule]):
    kind = "events-rule"
    title = "EventBridge rule"

    def targets(self, state: DesiredState) -> list[SourceRule]:
        return [state.source_events.rule] if state.source_events else []

    def read(self, aws: AwsSession, desired: SourceRule) -> Observed | None:
        got = read(aws, "events", "DescribeRule", desired.name, NO_RULE, Name=desired.name)
        if got is None:
            return None
        arn = str(got.get("Arn") or desired.arn)
        tags = call(aws, "events", "ListTagsForResource", desired.name, ResourceARN=arn)
        return Observed(
            {"pattern": parse_document(got.get("EventPattern") or "{}"),
             "state": got.get("State"), "description": got.get("Description")},
            tag_dict(tags.get("Tags")), {"arn": arn})

    def warning(self, aws: AwsSession, desired: SourceRule) -> str:
        # A rule the console made (or anyone) that starts the pipeline too: each change
        # would then start a run per rule.
        others = [r for r in rules_targeting(aws, desired.pipeline_arn, desired.pipeline_arn)
                  if r != desired.name]
        if not others:
            return ""
        one = len(others) == 1
        return (f"EventBridge {'rule' if one else 'rules'} {', '.join(others)} also "
                f"{'starts' if one else 'start'} this pipeline, so each change would start "
                f"{'two' if one else len(others) + 1} runs; set source.change_detection: "
                "existing to leave starting runs to "
                f"{'it' if one else 'them'} (pipectl then makes no rule)")

    def fields(self, desired: SourceRule) -> dict[str, Any]:
        return {"pattern": desired.pattern, "state": "ENABLED",
                "description": desired.description, "tags": dict(desired.tags)}

    def create(self, desired: SourceRule) -> Requests:
        # PutRule creates or replaces: a rule that appeared meanwhile is converged too.
        return [Request("events", "PutRule", desired.name,
                        desired.put_request(with_tags=True))]

    def update(self, desired: SourceRule, observed: Observed,
               diffs: list[FieldDiff]) -> Requests:
        requests: Requests = []
        if changed(diffs, "pattern", "state", "description"):
            requests.append(Request("events", "PutRule", desired.name,
                                    desired.put_request(with_tags=False)))
        if changed(diffs, "tags"):
            requests.append(Request("events", "TagResource", desired.name, {
                "ResourceARN": observed.facts.get("arn") or desired.arn,
                "Tags": tag_list(desired.tags)}))
        return requests

    def delete(self, desired: SourceRule, observed: Observed) -> Requests:
        # EventBridge refuses to delete a rule that still has targets.
        return [
            Each(Request("events", "ListTargetsByRule", desired.name, {"Rule": desired.name}),
                 lambda page: _remove_targets(desired, [t["Id"] for t in page.get("Targets", [])]),
                 "events:RemoveTargets of the rule's targets"),
            Request("events", "DeleteRule", desired.name, {"Name": desired.name}),
        ]


def rules_targeting(aws: AwsSession, target_arn: str, resource: str) -> list[str]:
    """The rules of the default event bus with ``target_arn`` among their targets (every
    page: EventBridge answers 100 names at most per call)."""
    paginator = aws.client("events").get_paginator("list_rule_names_by_target")
    pages = named(paginator.paginate(TargetArn=target_arn), "events:ListRuleNamesByTarget",
                  resource)
    return [str(name) for page in pages for name in page.get("RuleNames") or []]


def _remove_targets(desired: SourceRule, ids: list[str]) -> list[Request]:
    if not ids:
        return []
    return [Request("events", "RemoveTargets", desired.name, {"Rule": desired.name, "Ids": ids})]


class EventTargetPlanner(Planner[SourceRule]):
    """The rule's one target: the pipeline, with the role that may start it."""

    kind = "events-target"
    title = "EventBridge target"
    sub_resource = True

    def targets(self, state: DesiredState) -> list[SourceRule]:
        return [state.source_events.rule] if state.source_events else []

    def read(self, aws: AwsSession, desired: SourceRule) -> Observed | None:
        got = read(aws, "events", "ListTargetsByRule", desired.name, NO_RULE,
                   Rule=desired.name)
        if not got or not got.get("Targets"):
            return None
        return Observed({"targets": sorted(
            ({k: t.get(k) for k in ("Id", "Arn", "RoleArn")} for t in got["Targets"]),
            key=lambda t: str(t["Id"]))})

    def fields(self, desired: SourceRule) -> dict[str, Any]:
        return {"targets": desired.targets}

    def create(self, desired: SourceRule) -> Requests:
        return [Request("events", "PutTargets", desired.name,
                        {"Rule": desired.name, "Targets": desired.targets})]

    def update(self, desired: SourceRule, observed: Observed,
               diffs: list[FieldDiff]) -> Requests:
        ours = {t["Id"] for t in desired.targets}
        others = [t["Id"] for t in observed.fields.get("targets", []) if t["Id"] not in ours]
        # The rule is pipectl's: it starts the pipeline and nothing else.
        return [*self.create(desired), *_remove_targets(desired, others)]


class SourceBucketEventsPlanner(Planner[SourceBucketEvents]):
    """S3 sends "Object Created" to EventBridge only when the bucket says so. The bucket
    is the user's: ``destroy`` leaves the setting on (other rules may need it)."""

    kind = "s3-eventbridge-notifications"
    title = "S3 source bucket EventBridge"
    sub_resource = True

    def targets(self, state: DesiredState) -> list[SourceBucketEvents]:
        events = state.source_events
        return [events.bucket] if events and events.bucket else []

    def name(self, desired: SourceBucketEvents) -> str:
        return desired.bucket

    def read(self, aws: AwsSession, desired: SourceBucketEvents) -> Observed | None:
        got = read(aws, "s3", "GetBucketNotificationConfiguration", desired.bucket,
                   {"NoSuchBucket"}, Bucket=desired.bucket)
        if got is None:
            return None  # create says which bucket is missing
        return Observed({"eventBridge": "EventBridgeConfiguration" in got},
                        facts={"others": _others(got)})

    def fields(self, desired: SourceBucketEvents) -> dict[str, Any]:
        return {"eventBridge": True}

    def create(self, desired: SourceBucketEvents) -> Requests:
        # The plan found no bucket: read its notifications again when the step runs (if
        # it exists by then, what it holds must be kept), and S3 names a missing one.
        return [Each(Request("s3", "GetBucketNotificationConfiguration", desired.bucket,
                             {"Bucket": desired.bucket}),
                     lambda got: [_switch_on(desired, _others(got))],
                     "s3:PutBucketNotificationConfiguration with EventBridge added")]

    def update(self, desired: SourceBucketEvents, observed: Observed,
               diffs: list[FieldDiff]) -> Requests:
        return [_switch_on(desired, observed.facts.get("others", {}))]


def _others(got: Mapping[str, Any]) -> dict[str, Any]:
    return {k: got[k] for k in OTHER_NOTIFICATIONS if got.get(k)}


def _switch_on(desired: SourceBucketEvents, others: Mapping[str, Any]) -> Request:
    # PutBucketNotificationConfiguration replaces the whole configuration: the bucket's
    # other notifications go back in unchanged, and S3 is not asked to validate their
    # destinations again (they are the user's, and not ours to test).
    return Request("s3", "PutBucketNotificationConfiguration", desired.bucket, {
        "Bucket": desired.bucket,
        "NotificationConfiguration": {**others, "EventBridgeConfiguration": {}},
        "SkipDestinationValidation": True})
