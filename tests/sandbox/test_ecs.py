"""ECS services in the sandbox roll out for any UpdateService, as `pipectl rollback` does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.sandbox.fixtures import create_pipeline_resources
from tests.sandbox.polling import wait_until
from tests.sandbox.shapes import assert_output_shape


def test_update_service_to_another_revision_rolls_out_and_drains_the_old_task(
    client: Callable[[str], Any],
) -> None:
    names = create_pipeline_resources(client)
    ecs = client("ecs")

    def service() -> dict[str, Any]:
        answer = ecs.describe_services(cluster=names.cluster, services=[names.service])
        return dict(answer["services"][0])

    first = wait_until(service, lambda s: s["deployments"][0]["rolloutState"] == "COMPLETED")
    assert first["runningCount"] == 1
    old_tasks = ecs.list_tasks(cluster=names.cluster, serviceName=names.service)["taskArns"]

    current = ecs.describe_task_definition(taskDefinition=first["taskDefinition"])
    definition = current["taskDefinition"]
    containers = [dict(definition["containerDefinitions"][0], image="nginx:1.27")]
    second = ecs.register_task_definition(
        family=definition["family"], networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512", containerDefinitions=containers,
    )["taskDefinition"]["taskDefinitionArn"]
    updated = ecs.update_service(
        cluster=names.cluster, service=names.service, taskDefinition=second
    )
    assert_output_shape(ecs, "UpdateService", updated)
    deployments = updated["service"]["deployments"]
    assert [(d["status"], d["rolloutState"]) for d in deployments] == [
        ("PRIMARY", "IN_PROGRESS"), ("ACTIVE", "COMPLETED"),
    ]
    assert deployments[0]["taskDefinition"] == second

    done = wait_until(service, lambda s: s["deployments"][0]["rolloutState"] == "COMPLETED")
    assert [d["taskDefinition"] for d in done["deployments"]] == [second]
    assert done["runningCount"] == 1
    stopped = ecs.describe_tasks(cluster=names.cluster, tasks=old_tasks)["tasks"]
    assert stopped[0]["lastStatus"] == "STOPPED"
    assert stopped[0]["stopCode"] == "ServiceSchedulerInitiated"
    running = ecs.list_tasks(cluster=names.cluster, serviceName=names.service)["taskArns"]
    described = ecs.describe_tasks(cluster=names.cluster, tasks=running)["tasks"]
    assert [t["containers"][0]["image"] for t in described] == ["nginx:1.27"]


def test_scaling_the_service_starts_more_tasks_in_the_same_deployment(
    client: Callable[[str], Any],
) -> None:
    names = create_pipeline_resources(client)
    ecs = client("ecs")
    before = wait_until(
        lambda: ecs.describe_services(cluster=names.cluster, services=[names.service])[
            "services"][0],
        lambda s: s["deployments"][0]["rolloutState"] == "COMPLETED",
    )
    ecs.update_service(cluster=names.cluster, service=names.service, desiredCount=3)
    done = wait_until(
        lambda: ecs.describe_services(cluster=names.cluster, services=[names.service])[
            "services"][0],
        lambda s: s["runningCount"] == 3 and s["deployments"][0]["rolloutState"] == "COMPLETED",
    )
    assert done["desiredCount"] == 3
    assert [d["id"] for d in done["deployments"]] == [before["deployments"][0]["id"]]
    assert done["deployments"][0]["runningCount"] == 3
    assert len(ecs.list_tasks(cluster=names.cluster, serviceName=names.service)["taskArns"]) == 3


def test_tasks_of_unknown_services_fall_through_to_moto(client: Callable[[str], Any]) -> None:
    ecs = client("ecs")
    ecs.create_cluster(clusterName="other")
    assert ecs.list_tasks(cluster="other")["taskArns"] == []
    answer = ecs.describe_tasks(cluster="other", tasks=["0123456789abcdef0123456789abcdef"])
    assert answer["tasks"] == []
