"""Sandbox runs vary as real ones do (provisioning jitter, a cold first build, pull time
by image size, draining for the deregistration delay), and reproducibly under a seed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pipectl.sandbox.server import SandboxServer
from pipectl.sandbox.variation import JITTER, PULL_BASE_S, WARM_BUILD_SHARE, Variation
from tests.sandbox.fixtures import create_pipeline_resources
from tests.sandbox.polling import wait_until

SCALE = 0.01  # tests/sandbox/conftest.py's time scale


def test_jitter_is_bounded_varied_and_the_same_under_the_same_seed() -> None:
    first, again, other = Variation(0), Variation(0), Variation(7)
    draws = [first.phase_seconds(5.0, "PROVISIONING", "web-build", n, False) for n in range(40)]
    assert draws == [again.phase_seconds(5.0, "PROVISIONING", "web-build", n, False)
                     for n in range(40)]
    assert draws != [other.phase_seconds(5.0, "PROVISIONING", "web-build", n, False)
                     for n in range(40)]
    low, high = JITTER["PROVISIONING"]
    assert all(5.0 * low <= d <= 5.0 * high for d in draws)
    assert max(draws) - min(draws) > 1.0  # it does vary
    assert first.phase_seconds(2.0, "DOWNLOAD_SOURCE", "web-build", 1, False) == 2.0


def test_a_warm_cache_shortens_the_build_phase_and_pulls_grow_with_the_image() -> None:
    variation = Variation()
    cold = variation.phase_seconds(10.0, "BUILD", "web-build", 1, False)
    warm = variation.phase_seconds(10.0, "BUILD", "web-build", 2, True)
    assert (cold, warm) == (10.0, 10.0 * WARM_BUILD_SHARE)
    small, big = variation.pull_seconds(30 * 1024**2), variation.pull_seconds(900 * 1024**2)
    assert PULL_BASE_S < small < big and big > 20


def test_old_tasks_behind_a_load_balancer_drain_for_the_deregistration_delay(
    client: Callable[[str], Any], sandbox: SandboxServer,
) -> None:
    names = create_pipeline_resources(client)
    ec2, elbv2, ecs = client("ec2"), client("elbv2"), client("ecs")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = elbv2.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc,
                                      TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    elbv2.modify_target_group_attributes(TargetGroupArn=group, Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "60"}])
    service = ecs.describe_services(cluster=names.cluster, services=[names.service])[
        "services"][0]
    ecs.create_service(
        cluster=names.cluster, serviceName="behind-lb", taskDefinition=service["taskDefinition"],
        desiredCount=1, launchType="FARGATE",
        loadBalancers=[{"targetGroupArn": group, "containerName": names.container,
                        "containerPort": 80}],
        networkConfiguration=service["networkConfiguration"])

    def tasks(status: str) -> list[dict[str, Any]]:
        arns = ecs.list_tasks(cluster=names.cluster, serviceName="behind-lb",
                              desiredStatus=status)["taskArns"]
        return ecs.describe_tasks(cluster=names.cluster, tasks=arns)["tasks"] if arns else []

    first = wait_until(lambda: tasks("RUNNING"),
                       lambda found: bool(found) and found[0]["lastStatus"] == "RUNNING")
    ecs.update_service(cluster=names.cluster, service="behind-lb", forceNewDeployment=True)
    stopped = wait_until(lambda: tasks("STOPPED"), lambda found: any(
        t["taskArn"] == first[0]["taskArn"] and t["lastStatus"] == "STOPPED" for t in found))
    old = next(t for t in stopped if t["taskArn"] == first[0]["taskArn"])
    drained = (old["stoppedAt"] - old["stoppingAt"]).total_seconds()
    assert drained == pytest.approx(60 * SCALE, abs=0.05)
    # The new task pulled for a time that follows the image's size, then ran.
    new = tasks("RUNNING")[0]
    assert new["pullStartedAt"] <= new["pullStoppedAt"] <= new["startedAt"]
