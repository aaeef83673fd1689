"""The ECS operations the sandbox serves itself: CreateService and UpdateService (so that a
deployment rolls), ListTasks and DescribeTasks (the tasks it runs). moto answers the rest."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pipectl.sandbox import backends
from pipectl.sandbox.ecs.deployments import Deployments
from pipectl.sandbox.protocol import ApiError, PassThrough

DEFAULT_DEPLOYMENT_CONFIGURATION: dict[str, Any] = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}


def _moto_json(operation: str, result: dict[str, Any]) -> dict[str, Any]:
    """Serialize moto model objects the way moto's ECS responses do."""
    from moto.core.serialize import XFormedAttributePicker, get_serializer_class
    from moto.core.utils import get_service_model

    model = get_service_model("ecs")
    serializer = get_serializer_class("ecs", "json")(
        operation_model=model.operation_model(operation),
        pretty_print=False,
        value_picker=XFormedAttributePicker(),
    )
    body = serializer.serialize(result)["body"]
    loaded: dict[str, Any] = json.loads(body) if body else {}
    return loaded


def _network_ids(params: dict[str, Any]) -> tuple[list[str], list[str]]:
    vpc = (params.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    return list(vpc.get("subnets") or []), list(vpc.get("securityGroups") or [])


def ecs_handlers(
    deployments: Deployments,
) -> dict[str, Callable[[str, str, dict[str, Any]], dict[str, Any]]]:
    runtime = deployments.runtime

    def create_service(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        backend = backends.ecs_backend(account, region)
        subnets, groups = _network_ids(params)
        backends.ensure_network(account, region, subnets, groups)
        service = backend.create_service(
            params.get("cluster", "default"),
            params.get("serviceName"),
            int(params.get("desiredCount") or 0),
            params.get("taskDefinition"),
            params.get("loadBalancers"),
            params.get("schedulingStrategy"),
            params.get("tags"),
            params.get("deploymentController"),
            params.get("launchType"),
            network_configuration=params.get("networkConfiguration"),
            service_registries=params.get("serviceRegistries"),
            platform_version=params.get("platformVersion"),
            propagate_tags=params.get("propagateTags") or "NONE",
            role_arn=params.get("role"),
        )
        service.deployment_configuration = (
            params.get("deploymentConfiguration") or DEFAULT_DEPLOYMENT_CONFIGURATION
        )
        # moto counts every desired task as running at once; nothing runs yet.
        service.running_count = 0
        service.pending_count = 0
        first = service.deployments[0]["id"] if service.deployments else None
        service.deployments = []
        deployments.start(account, region, service, runtime.scheduler.now(), reuse_id=first)
        return _moto_json("CreateService", {"service": service})

    def update_service(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        from moto.core.utils import camelcase_to_underscores

        backend = backends.ecs_backend(account, region)
        subnets, groups = _network_ids(params)
        backends.ensure_network(account, region, subnets, groups)
        service = backends.find_service(
            account, region, str(params.get("cluster", "default")), str(params.get("service", ""))
        )
        if service is None:
            raise ApiError("ServiceNotFoundException", "Service not found.")
        before_td = service.task_definition
        running, pending = service.running_count, service.pending_count
        props = {
            camelcase_to_underscores(k): v
            for k, v in params.items()
            if k not in ("deploymentConfiguration",)
        }
        service = backend.update_service(props)
        service.running_count, service.pending_count = running, pending  # moto's guess undone
        if params.get("deploymentConfiguration"):
            service.deployment_configuration = params["deploymentConfiguration"]
        changed = service.task_definition != before_td
        if changed or params.get("forceNewDeployment") or params.get("networkConfiguration"):
            fault = runtime.faults.take_deploy_fault(service.name)
            deployments.start(account, region, service, runtime.scheduler.now(), fault=fault)
        elif "desiredCount" in params:
            deployments.scale(account, region, service, runtime.scheduler.now())
        return _moto_json("UpdateService", {"service": service})

    def list_tasks(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        cluster = str(params.get("cluster") or "default").split("/")[-1]
        service_name = params.get("serviceName")
        desired = params.get("desiredStatus") or "RUNNING"
        family = params.get("family")
        started_by = params.get("startedBy")
        tasks = [
            t
            for t in deployments.tasks.values()
            if t["clusterArn"].endswith(f":cluster/{cluster}")
            and t["desiredStatus"] == desired
            and (not service_name or t["group"] == f"service:{str(service_name).split('/')[-1]}")
            and (not family or f":task-definition/{family}:" in t["taskDefinitionArn"])
            and (not started_by or t["startedBy"] == started_by)
        ]
        if not tasks and not service_name:
            raise PassThrough()
        tasks.sort(key=lambda t: t["createdAt"])
        return {"taskArns": [t["taskArn"] for t in tasks]}

    def describe_tasks(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        wanted = [str(t) for t in params.get("tasks") or []]
        found, failures = [], []
        cluster = str(params.get("cluster") or "default").split("/")[-1]
        for ref in wanted:
            task = deployments.tasks.get(ref) or next(
                (t for arn, t in deployments.tasks.items() if arn.endswith("/" + ref)), None
            )
            if task is None:
                failures.append(
                    {
                        "arn": ref
                        if ref.startswith("arn:")
                        else (f"arn:aws:ecs:{region}:{account}:task/{cluster}/{ref}"),
                        "reason": "MISSING",
                    }
                )
            else:
                found.append(task)
        if not found:
            raise PassThrough()
        return {"tasks": found, "failures": failures}

    return {
        "ecs:CreateService": create_service,
        "ecs:UpdateService": update_service,
        "ecs:ListTasks": list_tasks,
        "ecs:DescribeTasks": describe_tasks,
    }
