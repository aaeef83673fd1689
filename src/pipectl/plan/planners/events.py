"""The EventBridge rule that starts runs of a CodeCommit or S3 source, its target, and
the S3 source bucket's EventBridge notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipectl.aws.session import AwsSession
from pipectl.errors import AwsError
from pipectl.plan.base import ApplyContext, Planner, changed
from pipectl.plan.calls import call, read
from pipectl.plan.compare import parse_document
from pipectl.plan.model import FieldDiff, Observed
from pipectl.resources.common import tag_dict, tag_list
from pipectl.resources.events import SourceBucketEvents, SourceRule

if TYPE_CHECKING:
    from pipectl.resources.desired import DesiredState

NO_RULE = frozenset({"ResourceNotFoundException"})
#: The notification configurations a bucket may hold besides EventBridge's: pipectl puts
#: them back as they are when it switches EventBridge on.
OTHER_NOTIFICATIONS = ("TopicConfigurations", "QueueConfigurations",
                       "LambdaFunctionConfigurations")


def _entries_failed(answer: dict[str, Any], operation: str, rule: str) -> None:
    """PutTargets and RemoveTargets report a refused target in their answer, not as an
    error: make it one."""
    if answer.get("FailedEntryCount"):
        failed = answer.get("FailedEntries") or [{}]
        first = failed[0]
        raise AwsError(f"{operation} on {rule} failed for target {first.get('TargetId')}: "
                       f"{first.get('ErrorMessage') or 'no reason given'}",
                       code=str(first.get("ErrorCode") or "FailedEntry"),
                       operation=operation, resource=rule)


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

    def fields(self, desired: SourceRule) -> dict[str, Any]:
        return {"pattern": desired.pattern, "state": "ENABLED",
                "description": desired.description, "tags": dict(desired.tags)}

    def create(self, ctx: ApplyContext, desired: SourceRule) -> None:
        # PutRule creates or replaces: a rule that appeared meanwhile is converged too.
        call(ctx.aws, "events", "PutRule", desired.name, **desired.put_request(with_tags=True))

    def update(self, ctx: ApplyContext, desired: SourceRule, observed: Observed,
               diffs: list[FieldDiff]) -> None:
        if changed(diffs, "pattern") or changed(diffs, "state") or changed(diffs, "description"):
            call(ctx.aws, "events", "PutRule", desired.name,
                 **desired.put_request(with_tags=False))
        if changed(diffs, "tags"):
            call(ctx.aws, "events", "TagResource", desired.name,
                 ResourceARN=observed.facts.get("arn") or desired.arn,
                 Tags=tag_list(desired.tags))

    def delete(self, ctx: ApplyContext, desired: SourceRule, observed: Observed) -> None:
        # EventBridge refuses to delete a rule that still has targets.
        got = call(ctx.aws, "events", "ListTargetsByRule", desired.name, Rule=desired.name)
        ids = [t["Id"] for t in got.get("Targets", [])]
        if ids:
            _entries_failed(call(ctx.aws, "events", "RemoveTargets", desired.name,
                                 Rule=desired.name, Ids=ids),
                            "events:RemoveTargets", desired.name)
        call(ctx.aws, "events", "DeleteRule", desired.name, Name=desired.name)


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

    def create(self, ctx: ApplyContext, desired: SourceRule) -> None:
        _entries_failed(call(ctx.aws, "events", "PutTargets", desired.name,
                             Rule=desired.name, Targets=desired.targets),
                        "events:PutTargets", desired.name)

    def update(self, ctx: ApplyContext, desired: SourceRule, observed: Observed,
               diffs: list[FieldDiff]) -> None:
        self.create(ctx, desired)
        ours = {t["Id"] for t in desired.targets}
        others = [t["Id"] for t in observed.fields.get("targets", []) if t["Id"] not in ours]
        if others:  # the rule is pipectl's: it starts the pipeline and nothing else
            _entries_failed(call(ctx.aws, "events", "RemoveTargets", desired.name,
                                 Rule=desired.name, Ids=others),
                            "events:RemoveTargets", desired.name)


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
                        facts={"others": {k: got[k] for k in OTHER_NOTIFICATIONS if got.get(k)}})

    def fields(self, desired: SourceBucketEvents) -> dict[str, Any]:
        return {"eventBridge": True}

    def create(self, ctx: ApplyContext, desired: SourceBucketEvents) -> None:
        observed = self.read(ctx.aws, desired)
        self.update(ctx, desired, observed or Observed(), [])

    def update(self, ctx: ApplyContext, desired: SourceBucketEvents, observed: Observed,
               diffs: list[FieldDiff]) -> None:
        # PutBucketNotificationConfiguration replaces the whole configuration: the
        # bucket's other notifications go back in unchanged, and S3 is not asked to
        # validate their destinations again (they are the user's, and not ours to test).
        configuration = {**observed.facts.get("others", {}), "EventBridgeConfiguration": {}}
        call(ctx.aws, "s3", "PutBucketNotificationConfiguration", desired.bucket,
             Bucket=desired.bucket, NotificationConfiguration=configuration,
             SkipDestinationValidation=True)
