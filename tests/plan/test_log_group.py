"""The task's CloudWatch log group: created with the spec's retention, converged, destroyed.

The Stubber checks every request and response against botocore's CloudWatch Logs model
(moto would take a retention CloudWatch refuses); moto checks the whole plan end to end.
"""

from __future__ import annotations

import re
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from pipectl.aws.session import AwsSession, AwsSettings
from pipectl.plan.model import Action, FieldDiff, Observed
from pipectl.plan.planner import make_plan
from pipectl.plan.registry import planner_for
from pipectl.resources.desired import DesiredState
from pipectl.resources.logs import LogGroup
from pipectl.spec.names import LOG_RETENTION_DAYS
from tests.plan import applying
from tests.plan.conftest import apply, converge, state_with
from tests.resources.specs import ACCOUNT, LOG_GROUP, make_spec, make_state, task_definition

ARN = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{LOG_GROUP}"
TAGS = {"pipectl:pipeline": "hello-web", "team": "web"}


def described(retention: int | None, name: str = LOG_GROUP) -> dict[str, Any]:
    """DescribeLogGroups' answer, as CloudWatch Logs gives it (``arn`` ends in ``:*``)."""
    group: dict[str, Any] = {"logGroupName": name, "creationTime": 1700000000000,
                             "metricFilterCount": 0, "storedBytes": 0,
                             "arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{name}:*",
                             "logGroupArn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{name}"}
    if retention is not None:
        group["retentionInDays"] = retention
    return {"logGroups": [group]}


def group_of(state: DesiredState) -> LogGroup:
    """The task's group (the ScaleUp action's is the other one: see below)."""
    assert state.ecs is not None
    [group] = [g for g in state.ecs.log_groups if g.name == LOG_GROUP]
    return group


def test_the_task_definitions_awslogs_group_is_planned_with_the_spec_retention(
        state: DesiredState) -> None:
    group = group_of(state)
    assert (group.name, group.retention_days) == (LOG_GROUP, 30)
    assert group.tags == TAGS


def test_a_group_in_another_region_or_without_awslogs_is_not_planned() -> None:
    other = task_definition(containerDefinitions=[
        {"name": "web", "image": "x", "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/elsewhere", "awslogs-region": "eu-west-1"}}},
        {"name": "side", "image": "y", "logConfiguration": {"logDriver": "json-file"}}])
    state = make_state(task=other)
    assert state.ecs is not None
    assert [g.name for g in state.ecs.log_groups] == ["/aws/codepipeline/hello-web"]


def test_no_group_without_create_service() -> None:
    state = make_state(make_spec(deploy={"create_service": None}))
    assert state.ecs is None


def test_read_missing_group_is_none_and_a_longer_name_is_not_it() -> None:
    state = make_state()
    planner = planner_for("logs-log-group")
    session = stubbed_session()
    client = session.client("logs")
    with Stubber(client) as stub:
        stub.add_response("describe_log_groups", {"logGroups": []},
                          {"logGroupNamePrefix": LOG_GROUP, "limit": 1})
        stub.add_response("describe_log_groups", described(7, LOG_GROUP + "-old"),
                          {"logGroupNamePrefix": LOG_GROUP, "limit": 1})
        assert planner.read(session, group_of(state)) is None
        assert planner.read(session, group_of(state)) is None
        stub.assert_no_pending_responses()


def stubbed_session() -> AwsSession:
    """A session whose clients only a Stubber answers (no moto, no endpoint)."""
    return AwsSession(AwsSettings(region="us-east-1"))


def test_create_then_retention_and_drift_converge_with_exact_requests() -> None:
    state = make_state()
    planner = planner_for("logs-log-group")
    session = stubbed_session()
    client = session.client("logs")
    group = group_of(state)

    with Stubber(client) as stub:
        # create: the group with pipectl's tags, then its retention
        stub.add_response("create_log_group", {},
                          {"logGroupName": LOG_GROUP, "tags": TAGS})
        stub.add_response("put_retention_policy", {},
                          {"logGroupName": LOG_GROUP, "retentionInDays": 30})
        applying.create(session, planner, group)
        # read: retention changed by hand, a tag removed
        stub.add_response("describe_log_groups", described(7),
                          {"logGroupNamePrefix": LOG_GROUP, "limit": 1})
        stub.add_response("list_tags_for_resource", {"tags": {"team": "web"}},
                          {"resourceArn": ARN})
        observed = planner.read(session, group)
        assert observed is not None
        diffs = planner.compare(group, observed)
        assert diffs == [FieldDiff("retentionInDays", 7, 30),
                         FieldDiff("tags.pipectl:pipeline", None, "hello-web")]
        stub.add_response("put_retention_policy", {},
                          {"logGroupName": LOG_GROUP, "retentionInDays": 30})
        stub.add_response("tag_resource", {}, {"resourceArn": ARN, "tags": TAGS})
        applying.update(session, planner, group, observed, diffs)
        # log_retention_days: null -> the retention policy goes (never expire)
        forever = LogGroup(LOG_GROUP, group.placement, None, group.tags)
        stub.add_response("delete_retention_policy", {}, {"logGroupName": LOG_GROUP})
        applying.update(session, planner, forever, observed,
                        [FieldDiff("retentionInDays", 30, None)])
        stub.assert_no_pending_responses()


def test_create_of_a_group_that_appeared_meanwhile_converges_it() -> None:
    state = make_state()
    planner = planner_for("logs-log-group")
    session = stubbed_session()

    with Stubber(session.client("logs")) as stub:
        stub.add_client_error("create_log_group", "ResourceAlreadyExistsException",
                              "The specified log group already exists", 400)
        stub.add_response("describe_log_groups", described(None),
                          {"logGroupNamePrefix": LOG_GROUP, "limit": 1})
        stub.add_response("list_tags_for_resource", {"tags": TAGS}, {"resourceArn": ARN})
        stub.add_response("put_retention_policy", {},
                          {"logGroupName": LOG_GROUP, "retentionInDays": 30})
        applying.create(session, planner, group_of(state))
        stub.assert_no_pending_responses()


def test_destroy_keeps_a_group_with_logs_and_deletes_an_empty_one() -> None:
    state = make_state()
    planner = planner_for("logs-log-group")
    session = stubbed_session()

    observed = Observed({"retentionInDays": 30}, TAGS, {"arn": ARN})
    with Stubber(session.client("logs")) as stub:
        stub.add_response("describe_log_streams", {"logStreams": [
            {"logStreamName": "web/web/0123", "creationTime": 1700000000000,
             "arn": f"{ARN}:log-stream:web/web/0123", "storedBytes": 0}]},
            {"logGroupName": LOG_GROUP, "limit": 1})
        assert planner.holds_data(session, group_of(state), observed) == "it holds logs"
        stub.add_response("describe_log_streams", {"logStreams": []},
                          {"logGroupName": LOG_GROUP, "limit": 1})
        assert planner.holds_data(session, group_of(state), observed) is None
        stub.add_response("delete_log_group", {}, {"logGroupName": LOG_GROUP})
        applying.delete(session, planner, group_of(state), observed)
        stub.assert_no_pending_responses()


def test_retention_drift_shows_in_the_plan_and_update_converges_it(
        aws: AwsSession, state: DesiredState, spec_sections: dict[str, Any]) -> None:
    first = converge(aws, state)
    assert first.step("logs-log-group").note == "logs kept 30 days"
    logs = aws.client("logs")
    assert logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"][0][
        "retentionInDays"] == 30
    logs.put_retention_policy(logGroupName=LOG_GROUP, retentionInDays=7)
    plan = make_plan(aws, state)
    step = plan.step("logs-log-group")
    assert (step.action, step.diffs) == (Action.UPDATE,
                                         (FieldDiff("retentionInDays", 7, 30),))
    apply(aws, plan)
    longer = state_with(spec_sections, deploy={"log_retention_days": 365})
    step = make_plan(aws, longer).step("logs-log-group")
    assert step.diffs == (FieldDiff("retentionInDays", 30, 365),)
    converge(aws, longer)
    assert logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"][0][
        "retentionInDays"] == 365
    assert make_plan(aws, longer).pending == ()


def test_the_allowed_retentions_are_those_botocore_documents() -> None:
    model = botocore.session.get_session().get_service_model("logs")
    documented = model.shape_for("Days").documentation
    listed = re.search(r"Possible values are: ([\d, and]+)\.", documented)
    assert listed is not None, documented
    numbers = tuple(int(n) for n in re.findall(r"\d+", listed.group(1)))
    assert numbers == LOG_RETENTION_DAYS


@pytest.mark.parametrize("value", [2, 0, 10000])
def test_a_retention_cloudwatch_does_not_offer_is_refused(value: int) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="not a retention CloudWatch Logs offers"):
        make_spec(deploy={"log_retention_days": value})


def test_the_scale_up_action_s_group_is_made_with_the_spec_retention() -> None:
    # CodePipeline would make the Commands action's group itself, with no retention, and
    # destroy would leave it behind; pipectl makes it as it makes the task's.
    state = make_state(make_spec(deploy={"log_retention_days": 7}))
    assert state.ecs is not None
    groups = {g.name: g.retention_days for g in state.ecs.log_groups}
    assert groups == {LOG_GROUP: 7, "/aws/codepipeline/hello-web": 7}
    create = {"desired_count": 0, "subnets": ["subnet-0abc1234"],
              "security_groups": ["sg-0abc1234"]}
    zero = make_state(make_spec(deploy={"create_service": create}))
    assert zero.ecs is not None  # no ScaleUp action, no group of it
    assert [g.name for g in zero.ecs.log_groups] == [LOG_GROUP]
