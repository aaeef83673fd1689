"""Where a service answers: its load balancer's DNS name, or a running task's public IP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipectl.aws.errors import aws_call
from pipectl.runs.reads import Clients


def service_url(
    clients: Clients, cluster: str, service: dict[str, Any], port: int,
    tasks: Callable[[], list[dict[str, Any]]] | None = None,
) -> str | None:
    """``http://DNS-NAME`` behind a load balancer, else ``http://PUBLIC-IP:PORT`` of a task.

    ``tasks``: the service's running tasks, when the caller reads them anyway (status
    reads them at once, beside the service itself); else they are read here, if needed.
    """
    target_groups = [lb["targetGroupArn"] for lb in service.get("loadBalancers") or []
                     if lb.get("targetGroupArn")]
    if target_groups:
        return _load_balancer_url(clients, target_groups)
    if not _public_ip_assigned(service):
        return None
    running = tasks() if tasks is not None else running_tasks(
        clients, cluster, str(service.get("serviceName")))
    return _task_url(clients, running, port)


def _public_ip_assigned(service: dict[str, Any]) -> bool:
    """False only when the service says its tasks get no public IP: then there is none to
    find, and neither ECS's task list nor EC2 need be asked."""
    awsvpc = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    return awsvpc.get("assignPublicIp") != "DISABLED"


def _load_balancer_url(clients: Clients, target_groups: list[str]) -> str | None:
    elb = clients.client("elbv2")
    with aws_call("elbv2:DescribeTargetGroups", resource=target_groups[0]):
        groups = elb.describe_target_groups(TargetGroupArns=target_groups[:1]).get(
            "TargetGroups", [])
    balancers = [arn for g in groups for arn in g.get("LoadBalancerArns", [])]
    if not balancers:
        return None
    with aws_call("elbv2:DescribeLoadBalancers", resource=balancers[0]):
        found = elb.describe_load_balancers(LoadBalancerArns=balancers[:1]).get(
            "LoadBalancers", [])  # the model requires neither list in an answer
    dns = found[0].get("DNSName") if found else None
    return f"http://{dns}" if dns else None


def running_tasks(clients: Clients, cluster: str, service: str) -> list[dict[str, Any]]:
    """Up to 10 of the service's tasks that should be running (ListTasks, DescribeTasks)."""
    ecs = clients.client("ecs")
    with aws_call("ecs:ListTasks", resource=f"{cluster}/{service}"):
        arns = ecs.list_tasks(cluster=cluster, serviceName=service, desiredStatus="RUNNING",
                              maxResults=10).get("taskArns", [])
    if not arns:
        return []
    with aws_call("ecs:DescribeTasks", resource=f"{cluster}/{service}"):
        tasks: list[dict[str, Any]] = ecs.describe_tasks(cluster=cluster,
                                                          tasks=arns).get("tasks", [])
    return tasks


def _task_url(clients: Clients, tasks: list[dict[str, Any]], port: int) -> str | None:
    eni_ids: list[str] = []
    for task in tasks:
        if task.get("lastStatus") not in (None, "RUNNING"):
            continue
        for attachment in task.get("attachments") or []:
            # ECS documents subnetId, networkInterfaceId, macAddress and private addresses
            # here, never a public one: that is the network interface's (EC2).
            details = {d.get("name"): d.get("value") for d in attachment.get("details") or []}
            if details.get("networkInterfaceId"):
                eni_ids.append(str(details["networkInterfaceId"]))
    if not eni_ids:
        return None
    with aws_call("ec2:DescribeNetworkInterfaces", resource=eni_ids[0]):
        interfaces = clients.client("ec2").describe_network_interfaces(
            NetworkInterfaceIds=eni_ids[:5]
        ).get("NetworkInterfaces", [])
    for interface in interfaces:
        ip = (interface.get("Association") or {}).get("PublicIp")
        if ip:
            return _http(ip, port)
    return None


def _http(host: str, port: int) -> str:
    return f"http://{host}" if port == 80 else f"http://{host}:{port}"
