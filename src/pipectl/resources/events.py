"""What starts a run of a CodeCommit or S3 source: an EventBridge rule, as AWS documents.

The source action has ``PollForSourceChanges: false`` (polling is the deprecated way),
so without this rule nothing starts a run. A GitHub (connection) source needs none: the
connection itself starts runs.

- CodeCommit: CodeCommit sends "CodeCommit Repository State Change" to EventBridge by
  itself; the rule matches ``referenceCreated``/``referenceUpdated`` of the branch.
- S3: the bucket's EventBridge notifications (``EventBridgeConfiguration``) send
  "Object Created"; the rule matches the bucket and the key. This is the current
  documented way ("S3 source enabled for events"); the older one, a CloudTrail trail
  logging the bucket's data events, needs a trail, a bucket for its logs and pays per
  data event, for the same "an object was written" signal.

The target is the pipeline, with a role that may start that pipeline and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipectl.resources.common import POLICY_VERSION, Placement, tag_list, to_json
from pipectl.resources.roles import Role, statement

if TYPE_CHECKING:
    from pipectl.spec.names import DerivedNames

#: The one target of the rule (an id is unique per rule: ``[.\-_A-Za-z0-9]+``).
TARGET_ID = "codepipeline"


def codecommit_pattern(placement: Placement, repository: str, branch: str) -> dict[str, Any]:
    return {
        "source": ["aws.codecommit"],
        "detail-type": ["CodeCommit Repository State Change"],
        "resources": [placement.arn("codecommit", repository)],
        "detail": {
            "event": ["referenceCreated", "referenceUpdated"],
            "referenceType": ["branch"],
            "referenceName": [branch],
        },
    }


def s3_pattern(bucket: str, key: str) -> dict[str, Any]:
    return {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [bucket]}, "object": {"key": [key]}},
    }


def start_pipeline_policy(pipeline_arn: str) -> dict[str, Any]:
    return {"Version": POLICY_VERSION, "Statement": [
        statement("StartPipeline", ["codepipeline:StartPipelineExecution"], [pipeline_arn])]}


@dataclass(frozen=True)
class SourceRule:
    """The rule and its one target: the pipeline, started with ``role_arn``."""

    name: str
    placement: Placement
    pattern: dict[str, Any]
    pipeline_arn: str
    role_arn: str
    description: str
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return self.placement.arn("events", f"rule/{self.name}")

    @property
    def targets(self) -> list[dict[str, str]]:
        return [{"Id": TARGET_ID, "Arn": self.pipeline_arn, "RoleArn": self.role_arn}]

    def put_request(self, *, with_tags: bool) -> dict[str, Any]:
        request: dict[str, Any] = {
            "Name": self.name,
            "EventPattern": to_json(self.pattern),
            "State": "ENABLED",
            "Description": self.description,
        }
        if with_tags:  # PutRule sets tags only when it creates the rule
            request["Tags"] = tag_list(self.tags)
        return request


@dataclass(frozen=True)
class SourceBucketEvents:
    """EventBridge notifications on the S3 source bucket (the user's bucket: pipectl only
    switches them on, keeps its other notifications, and never switches them off)."""

    bucket: str


@dataclass(frozen=True)
class SourceEvents:
    """Everything that starts runs of a CodeCommit or S3 source."""

    role: Role
    rule: SourceRule
    bucket: SourceBucketEvents | None  # S3 sources only


def source_events(source: Any, placement: Placement, names: DerivedNames,
                  tags: dict[str, str]) -> SourceEvents | None:
    """None for a GitHub (connection) source: the connection starts its runs; and None
    for ``change_detection: existing``: a rule pipectl does not manage starts them (two
    rules would start two runs a change), so pipectl makes no rule, target or role, and
    leaves the S3 bucket's notifications as they are."""
    if getattr(source, "change_detection", "pipectl") == "existing":
        return None
    if source.provider == "codecommit":
        pattern = codecommit_pattern(placement, source.repository, source.branch)
        bucket = None
    elif source.provider == "s3":
        pattern = s3_pattern(source.bucket, source.key)
        bucket = SourceBucketEvents(source.bucket)
    else:
        return None
    pipeline_arn = placement.arn("codepipeline", names.pipeline)
    rule_arn = placement.arn("events", f"rule/{names.source_rule}")
    role = Role(names.events_role, placement, "events.amazonaws.com",
                start_pipeline_policy(pipeline_arn),
                f"EventBridge role that starts pipeline {names.pipeline} (managed by pipectl)",
                tags, source_arn=rule_arn)
    rule = SourceRule(names.source_rule, placement, pattern, pipeline_arn, role.arn,
                      f"Starts pipeline {names.pipeline} on a change of its {source.provider} "
                      "source (managed by pipectl)", tags)
    return SourceEvents(role, rule, bucket)


def retired_source_events(source: Any, placement: Placement, names: DerivedNames,
                          tags: dict[str, str]) -> SourceEvents | None:
    """pipectl's own rule and role, for a source whose runs an existing rule starts
    (``change_detection: existing``): left from before the key was set, they would start a
    second run on every change, so the plan deletes them (only if they are pipectl's)."""
    if getattr(source, "change_detection", "pipectl") != "existing":
        return None
    return source_events(source.model_copy(update={"change_detection": "pipectl"}),
                         placement, names, tags)
