"""A service's tasks: placed, given a network interface (and a public IP), stopped; the
service's counts and events that follow from them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pipectl.sandbox import backends
from pipectl.sandbox.codebuild.images import pull_error
from pipectl.sandbox.ecs.rollout import Rollout


def first_image(task: dict[str, Any]) -> str:
    return str(task["containers"][0]["image"]) if task["containers"] else ""


def unpullable(task: dict[str, Any]) -> str | None:
    """ECS's stopped reason when a container's image cannot be pulled (neither the
    sandbox's ECR nor a public registry it knows holds it), else None."""
    for container in task["containers"]:
        reason = pull_error(str(container.get("image") or ""))
        if reason:
            return reason
    return None


class ServiceTasks:
    """Every service task the sandbox runs, and what a service shows of them."""

    tasks: dict[str, dict[str, Any]]
    _ip: int  # the last public address handed out

    # --- the service ------------------------------------------------------------------

    def service_of(self, rollout: Rollout) -> Any:
        return backends.find_service(
            rollout.account, rollout.region, rollout.cluster, rollout.service
        )

    def _event(self, service: Any, at: datetime, message: str) -> None:
        service.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": at, "message": message})
        del service.events[100:]

    def _recount(self, service: Any) -> None:
        running = [t for t in self._service_tasks(service) if t["lastStatus"] == "RUNNING"]
        pending = [
            t
            for t in self._service_tasks(service)
            if t["lastStatus"] in ("PROVISIONING", "PENDING", "ACTIVATING")
        ]
        service.running_count = len(running)
        service.pending_count = len(pending)
        for deployment in service.deployments:
            mine = [t for t in self._service_tasks(service) if t["startedBy"] == deployment["id"]]
            deployment["runningCount"] = sum(1 for t in mine if t["lastStatus"] == "RUNNING")
            deployment["pendingCount"] = sum(
                1 for t in mine if t["lastStatus"] in ("PROVISIONING", "PENDING", "ACTIVATING")
            )

    def _service_tasks(self, service: Any) -> list[dict[str, Any]]:
        group = f"service:{service.name}"
        return [
            t
            for t in self.tasks.values()
            if t["group"] == group and t["clusterArn"] == service.cluster_arn
        ]

    # --- tasks ------------------------------------------------------------------------

    def _new_task(self, rollout: Rollout, service: Any, at: datetime) -> dict[str, Any]:
        definition = backends.describe_task_definition(
            rollout.account, rollout.region, str(rollout.deployment["taskDefinition"])
        )
        task_id = uuid.uuid4().hex
        arn = (
            f"arn:aws:ecs:{rollout.region}:{rollout.account}:task/{service.cluster_name}/{task_id}"
        )
        containers = [
            {
                "containerArn": (
                    f"arn:aws:ecs:{rollout.region}:{rollout.account}:container/"
                    f"{service.cluster_name}/{task_id}/{uuid.uuid4()}"
                ),
                "taskArn": arn,
                "name": c.get("name", ""),
                "image": c.get("image", ""),
                "lastStatus": "PENDING",
                "healthStatus": "UNKNOWN",
                "cpu": str(c.get("cpu", 0)),
                "networkInterfaces": [],
            }
            for c in definition.container_definitions
        ]
        task: dict[str, Any] = {
            "taskArn": arn,
            "clusterArn": service.cluster_arn,
            "taskDefinitionArn": definition.arn,
            "group": f"service:{service.name}",
            "startedBy": rollout.id,
            "launchType": service.launch_type or "FARGATE",
            "platformVersion": "1.4.0",
            "platformFamily": "Linux",
            "availabilityZone": f"{rollout.region}a",
            "cpu": str(definition.cpu or "256"),
            "memory": str(definition.memory or "512"),
            "lastStatus": "PENDING",
            "desiredStatus": "RUNNING",
            "healthStatus": "UNKNOWN",
            "createdAt": at,
            "pullStartedAt": at,
            "version": 1,
            "containers": containers,
            "attachments": [],
            "tags": [],
            "overrides": {"containerOverrides": [{"name": c["name"]} for c in containers]},
        }
        self._attach_network(rollout, service, task, containers)
        self.tasks[arn] = task
        return task

    def _attach_network(
        self, rollout: Rollout, service: Any, task: dict[str, Any], containers: list[dict[str, Any]]
    ) -> None:
        vpc = (service.network_configuration or {}).get("awsvpcConfiguration")
        if not vpc or not vpc.get("subnets"):
            return
        public = None
        if vpc.get("assignPublicIp") == "ENABLED":
            self._ip = self._ip % 250 + 1
            public = f"203.0.113.{self._ip}"  # a documentation address: nothing answers there
        eni = backends.create_task_eni(
            rollout.account,
            rollout.region,
            vpc["subnets"][0],
            vpc.get("securityGroups") or [],
            public,
        )
        attachment_id = str(uuid.uuid4())
        task["attachments"] = [
            {
                "id": attachment_id,
                "type": "ElasticNetworkInterface",
                "status": "ATTACHED",
                "details": [
                    {"name": "subnetId", "value": vpc["subnets"][0]},
                    {"name": "networkInterfaceId", "value": eni.id},
                    {"name": "macAddress", "value": eni.mac_address},
                    {"name": "privateDnsName", "value": backends.private_dns_name(eni)},
                    {"name": "privateIPv4Address", "value": eni.private_ip_address},
                ],
            }
        ]
        for container in containers:
            container["networkInterfaces"] = [
                {"attachmentId": attachment_id, "privateIpv4Address": eni.private_ip_address}
            ]

    def _stop_task(self, task: dict[str, Any], at: datetime, code: str, reason: str) -> None:
        task.update(
            lastStatus="STOPPED",
            desiredStatus="STOPPED",
            stopCode=code,
            stoppedReason=reason,
            stoppingAt=task.get("stoppingAt") or at,  # earlier when drained behind a balancer
            stoppedAt=at,
            executionStoppedAt=at,
        )
        for container in task["containers"]:
            container["lastStatus"] = "STOPPED"
            container.setdefault("exitCode", 0 if code == "ServiceSchedulerInitiated" else 1)
        for attachment in task["attachments"]:
            attachment["status"] = "DELETED"

    def _fail_to_start(self, task: dict[str, Any], at: datetime, reason: str) -> None:
        """A task that never ran: TaskFailedToStart, the reason on each container too."""
        self._stop_task(task, at, "TaskFailedToStart", reason)
        for container in task["containers"]:
            container["reason"] = reason
