"""Fixtures for planner tests: moto in-process, a session on it, a spec on its network."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from pipectl.aws.session import AwsSession, AwsSettings
from pipectl.plan.executor import ApplyContext, apply_plan
from pipectl.plan.model import Plan
from pipectl.plan.planner import make_plan
from pipectl.resources.desired import DesiredState
from tests.resources.specs import make_spec, make_state, spec_data


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsSession]:
    # The EC2 backend (subnets for the service) loads hundreds of AMIs unless told not to.
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    with mock_aws():
        yield AwsSession(AwsSettings(region="us-east-1"))


@pytest.fixture
def network(aws: AwsSession) -> dict[str, Any]:
    """``deploy.create_service`` on moto's default VPC (moto checks that subnets exist)."""
    import boto3

    # pipectl's own EC2 client only has the operations pipectl calls (a trimmed model):
    # the test looks the network up with a full one.
    ec2 = boto3.client("ec2", region_name="us-east-1")
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    group = ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]
    return {"desired_count": 1, "subnets": [subnet], "security_groups": [group],
            "assign_public_ip": True}


@pytest.fixture
def spec_sections(network: dict[str, Any]) -> dict[str, Any]:
    return {"deploy": {"create_service": network}}


@pytest.fixture
def state(spec_sections: dict[str, Any]) -> DesiredState:
    return make_state(make_spec(**spec_sections))


def state_with(spec_sections: dict[str, Any], **changes: Any) -> DesiredState:
    data = spec_data(**spec_sections)
    for key, value in changes.items():
        data[key] = {**data.get(key, {}), **value}
    from pipectl.spec.model import Spec

    return make_state(Spec.model_validate(data))


def no_sleep(_: float) -> None:
    return None


def apply(aws: AwsSession, plan: Plan) -> None:
    for _ in apply_plan(plan, ApplyContext(aws, sleep=no_sleep)):
        pass


def converge(aws: AwsSession, state: DesiredState) -> Plan:
    plan = make_plan(aws, state)
    apply(aws, plan)
    return plan


def fresh(aws: AwsSession) -> AwsSession:
    """A new session (and call counter) on the same moto state."""
    return AwsSession(aws.settings)
