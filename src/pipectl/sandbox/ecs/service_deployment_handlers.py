"""The ECS operations on service deployments and revisions that the sandbox serves.

``ListServiceDeployments``, ``DescribeServiceDeployments``, ``DescribeServiceRevisions``
and ``StopServiceDeployment``, answered from :class:`ServiceHistory` in the shapes of
botocore's model (so the ``aws`` CLI reads them too). Task counts per revision are
counted from the tasks the sandbox runs at the moment of the call.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pipectl.sandbox import backends
from pipectl.sandbox.ecs.service_deployments import FINAL_STATUSES, STOPPABLE_STATUSES
from pipectl.sandbox.protocol import ApiError

if TYPE_CHECKING:
    from pipectl.sandbox.ecs.deployments import Deployments
    from pipectl.sandbox.ecs.rollout import Rollout

MAX_DESCRIBED = 20  # ARNs per Describe call, as the API reference says
LIVE = ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING")


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return None


def _counts(deployments: Deployments, service_arn: str, task_definition: str,
            requested: int) -> dict[str, int]:
    tasks = [t for t in deployments.tasks.values()
             if t["taskDefinitionArn"] == task_definition
             and t["group"] == "service:" + service_arn.rsplit("/", 1)[-1]]
    running = sum(1 for t in tasks if t["lastStatus"] == "RUNNING")
    pending = sum(1 for t in tasks if t["lastStatus"] in LIVE and t["lastStatus"] != "RUNNING")
    return {"requestedTaskCount": requested, "runningTaskCount": running,
            "pendingTaskCount": pending}


def _described(deployments: Deployments, record: dict[str, Any]) -> dict[str, Any]:
    """The record with task counts as they are now."""
    out = copy.deepcopy(record)
    revisions = deployments.history.revisions
    finished = record["status"] in FINAL_STATUSES
    target = revisions.get(out["targetServiceRevision"]["arn"]) or {}
    rolled_back = record["status"].startswith("ROLLBACK")
    desired = _desired(deployments, record)
    if target:
        out["targetServiceRevision"].update(_counts(
            deployments, record["serviceArn"], str(target["taskDefinition"]),
            0 if rolled_back else desired))
    for source in out["sourceServiceRevisions"]:
        revision = revisions.get(source["arn"]) or {}
        if revision:
            counts = _counts(deployments, record["serviceArn"], str(revision["taskDefinition"]),
                             0)
            counts["requestedTaskCount"] = (desired if rolled_back else
                                            0 if finished else counts["runningTaskCount"])
            source.update(counts)
    if not out.get("statusReason"):
        out.pop("statusReason", None)
    return out


def _desired(deployments: Deployments, record: dict[str, Any]) -> int:
    rollout = _rollout_of(deployments, record)
    return int(rollout.deployment["desiredCount"]) if rollout else 0


def _rollout_of(deployments: Deployments, record: dict[str, Any]) -> Rollout | None:
    return next((r for r in deployments.rollouts.values()
                 if r.record is record and not r.is_rollback), None)


def _service_or_error(account: str, region: str, cluster: str, service: str) -> Any:
    cluster_name = cluster.split("/")[-1] or "default"
    if cluster_name not in backends.ecs_backend(account, region).clusters:
        raise ApiError("ClusterNotFoundException", "Cluster not found.")
    found = backends.find_service(account, region, cluster_name, service)
    if found is None:
        raise ApiError("ServiceNotFoundException", "Service not found.")
    return found


def _described_arns(params: dict[str, Any], key: str, what: str) -> list[str]:
    """The ARNs a Describe call names: one at least, MAX_DESCRIBED at most."""
    arns = [str(a) for a in params.get(key) or []]
    if not arns or len(arns) > MAX_DESCRIBED:
        raise ApiError("InvalidParameterException",
                       f"Specify between 1 and {MAX_DESCRIBED} {what} ARNs.")
    return arns


def service_deployment_handlers(
    deployments: Deployments,
) -> dict[str, Callable[[str, str, dict[str, Any]], dict[str, Any]]]:
    runtime = deployments.runtime
    history = deployments.history

    def list_service_deployments(account: str, region: str,
                                 params: dict[str, Any]) -> dict[str, Any]:
        service_ref = str(params.get("service") or "")
        if not service_ref:
            raise ApiError("InvalidParameterException", "service must be specified.")
        cluster = str(params.get("cluster") or "default")
        if service_ref.startswith("arn:"):
            # arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME
            cluster, service_ref = service_ref.split("/")[-2:]
        service = _service_or_error(account, region, cluster, service_ref)
        wanted = set(params.get("status") or [])
        window = params.get("createdAt") or {}
        after, before = _epoch(window.get("after")), _epoch(window.get("before"))
        found = [r for r in history.for_service(service.arn)
                 if (not wanted or r["status"] in wanted)
                 and (after is None or r["createdAt"].timestamp() >= after)
                 and (before is None or r["createdAt"].timestamp() <= before)]
        limit = int(params.get("maxResults") or 20)
        if not 1 <= limit <= 100:
            raise ApiError("InvalidParameterException", "maxResults must be between 1 and 100.")
        try:
            start = int(params.get("nextToken") or 0)
        except ValueError as exc:  # a token it never handed out: a client error, not a 500
            raise ApiError("InvalidParameterException", "The nextToken is not valid.") from exc
        page = found[start:start + limit]
        brief_keys = ("serviceDeploymentArn", "serviceArn", "clusterArn", "startedAt",
                      "createdAt", "finishedAt", "status", "statusReason")
        answer: dict[str, Any] = {"serviceDeployments": [
            {**{k: r[k] for k in brief_keys if r.get(k)},
             "targetServiceRevisionArn": r["targetServiceRevision"]["arn"]}
            for r in page]}
        if start + limit < len(found):
            answer["nextToken"] = str(start + limit)
        return answer

    def describe_service_deployments(account: str, region: str,
                                     params: dict[str, Any]) -> dict[str, Any]:
        arns = _described_arns(params, "serviceDeploymentArns", "service deployment")
        found, failures = [], []
        for arn in arns:
            record = history.deployments.get(arn)
            if record is None:
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                found.append(_described(deployments, record))
        return {"serviceDeployments": found, "failures": failures}

    def describe_service_revisions(account: str, region: str,
                                   params: dict[str, Any]) -> dict[str, Any]:
        arns = _described_arns(params, "serviceRevisionArns", "service revision")
        found = [history.revisions[a] for a in arns if a in history.revisions]
        failures = [{"arn": a, "reason": "MISSING"} for a in arns if a not in history.revisions]
        return {"serviceRevisions": found, "failures": failures}

    def stop_service_deployment(account: str, region: str,
                                params: dict[str, Any]) -> dict[str, Any]:
        arn = str(params.get("serviceDeploymentArn") or "")
        stop_type = str(params.get("stopType") or "ROLLBACK")
        if stop_type not in ("ROLLBACK", "ABORT"):
            raise ApiError("InvalidParameterException", "stopType must be ROLLBACK or ABORT.")
        record = history.deployments.get(arn)
        if record is None:
            raise ApiError("ServiceDeploymentNotFoundException",
                           f"The service deployment {arn} does not exist.")
        if record["status"] not in STOPPABLE_STATUSES:
            raise ApiError("ConflictException",
                           f"The service deployment is {record['status']}; only a service "
                           "deployment in progress can be stopped.")
        rollout = _rollout_of(deployments, record)
        service = deployments.service_of(rollout) if rollout else None
        now = runtime.scheduler.now()
        history.stop_requested(record, now, stop_type)
        if rollout is None or service is None:
            return {"serviceDeploymentArn": arn}
        rollback = stop_type == "ROLLBACK"
        reason = ("Service deployment rolled back because of a stop request."
                  if rollback else "Service deployment stopped because of a stop request.")

        def stop(due: datetime) -> None:
            if rollout.state == "IN_PROGRESS":
                deployments.fail(rollout, service, due, reason, "stopped on request", rollback)

        runtime.scheduler.after(now, 1.0, stop)
        return {"serviceDeploymentArn": arn}

    return {
        "ecs:ListServiceDeployments": list_service_deployments,
        "ecs:DescribeServiceDeployments": describe_service_deployments,
        "ecs:DescribeServiceRevisions": describe_service_revisions,
        "ecs:StopServiceDeployment": stop_service_deployment,
    }
