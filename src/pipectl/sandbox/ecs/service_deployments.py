"""ECS service deployments and service revisions, as ECS has recorded them since late 2024.

moto 5.2.5 has none of ``ListServiceDeployments``, ``DescribeServiceDeployments``,
``DescribeServiceRevisions`` or ``StopServiceDeployment``. Every rollout the sandbox runs
(:mod:`pipectl.sandbox.ecs.deployments`) is recorded here as a service deployment in the
shape of botocore's model: its status (IN_PROGRESS, SUCCESSFUL, STOPPED,
ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL, ...), lifecycle stage, the circuit breaker's
failure count against its threshold, the alarms it watches and those that fired, and how
it was rolled back. A rollback belongs to the service deployment it undoes, as on AWS:
no new service deployment is listed for it.
"""

from __future__ import annotations

import random
import string
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipectl.sandbox.ecs.rollout import Rollout

#: ServiceDeploymentStatus values after which a service deployment no longer changes.
FINAL_STATUSES = frozenset({"SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"})
#: What StopServiceDeployment may stop.
STOPPABLE_STATUSES = frozenset({"PENDING", "IN_PROGRESS"})


def breaker_threshold(desired: int) -> int:
    """ECS's default: half the desired count, at least 3 and at most 200."""
    return max(3, min(200, -(-max(desired, 1) // 2)))


def _short_id() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(random.choice(alphabet) for _ in range(21))


class ServiceHistory:
    """Every service deployment and service revision of the sandbox's services."""

    def __init__(self) -> None:
        self.deployments: dict[str, dict[str, Any]] = {}
        self.revisions: dict[str, dict[str, Any]] = {}
        # The revision each rollout runs, by the rollout's (DescribeServices) id.
        self.revision_of_rollout: dict[str, str] = {}

    def reset(self) -> None:
        self.deployments.clear()
        self.revisions.clear()
        self.revision_of_rollout.clear()

    # --- recording ----------------------------------------------------------------------

    def revision_for(self, rollout: Rollout, service: Any, at: datetime) -> str:
        """A new service revision for the rollout's task definition (one per deployment)."""
        number = rollout.id.rsplit("/", 1)[-1]
        arn = (f"arn:aws:ecs:{rollout.region}:{rollout.account}:service-revision/"
               f"{service.cluster_name}/{service.name}/{number}")
        deployment = rollout.deployment
        images = [
            {"containerName": c.get("name", ""), "image": c.get("image", "")}
            for c in _containers(rollout, str(deployment["taskDefinition"]))
        ]
        revision: dict[str, Any] = {
            "serviceRevisionArn": arn,
            "serviceArn": service.arn,
            "clusterArn": service.cluster_arn,
            "taskDefinition": deployment["taskDefinition"],
            "launchType": deployment.get("launchType", "FARGATE"),
            "platformVersion": deployment.get("platformVersion", "1.4.0"),
            "platformFamily": deployment.get("platformFamily", "Linux"),
            "containerImages": images,
            "guardDutyEnabled": False,
            "createdAt": at,
        }
        if service.network_configuration:
            revision["networkConfiguration"] = service.network_configuration
        self.revisions[arn] = revision
        self.revision_of_rollout[rollout.id] = arn
        return arn

    def started(self, rollout: Rollout, service: Any, at: datetime,
                source_revisions: list[str], config: dict[str, Any]) -> dict[str, Any]:
        """A new service deployment: UpdateService or CreateService made a rollout."""
        for older in self.deployments.values():
            if older["serviceArn"] == service.arn and older["status"] in STOPPABLE_STATUSES:
                # A newer deployment takes over: ECS stops the one under way.
                self._finish(older, at, "STOPPED", "Stopped by a newer service deployment.")
        target = self.revision_for(rollout, service, at)
        alarms = config.get("alarms") or {}
        watched = [str(a) for a in alarms.get("alarmNames") or []]
        breaker = config.get("deploymentCircuitBreaker") or {}
        arn = (f"arn:aws:ecs:{rollout.region}:{rollout.account}:service-deployment/"
               f"{service.cluster_name}/{service.name}/{_short_id()}")
        record: dict[str, Any] = {
            "serviceDeploymentArn": arn,
            "serviceArn": service.arn,
            "clusterArn": service.cluster_arn,
            "createdAt": at,
            "startedAt": at,
            "updatedAt": at,
            "sourceServiceRevisions": [{"arn": a} for a in source_revisions],
            "targetServiceRevision": {"arn": target},
            "status": "IN_PROGRESS",
            "statusReason": "",
            "lifecycleStage": "RECONCILE_SERVICE",
            "deploymentConfiguration": config,
            "deploymentCircuitBreaker": {
                "status": "MONITORING" if breaker.get("enable") else "DISABLED",
                "failureCount": 0,
                "threshold": breaker_threshold(int(rollout.deployment["desiredCount"])),
            },
            "alarms": ({"status": "MONITORING", "alarmNames": watched,
                        "triggeredAlarmNames": []}
                       if alarms.get("enable") and watched else {"status": "DISABLED"}),
        }
        self.deployments[arn] = record
        rollout.record = record
        return record

    def stage(self, rollout: Rollout, stage: str, at: datetime) -> None:
        record = rollout.record
        if record is not None and record["status"] == "IN_PROGRESS" and not rollout.is_rollback:
            record["lifecycleStage"] = stage
            record["updatedAt"] = at

    def failures(self, rollout: Rollout, count: int, threshold: int) -> None:
        record = rollout.record
        if record is not None and not rollout.is_rollback:
            breaker = record["deploymentCircuitBreaker"]
            breaker["failureCount"] = count
            breaker["threshold"] = threshold

    def failed(self, rollout: Rollout, at: datetime, reason: str, *, rollback: bool,
               breaker: bool = False, alarms: tuple[str, ...] = ()) -> None:
        """The breaker or an alarm failed the deployment; ECS rolls back or stops it."""
        record = rollout.record
        if record is None:
            return
        if breaker:
            record["deploymentCircuitBreaker"]["status"] = "TRIGGERED"
        if alarms:
            record["alarms"]["status"] = "TRIGGERED"
            record["alarms"]["triggeredAlarmNames"] = list(alarms)
        self._monitors_done(record)
        if rollback and record["sourceServiceRevisions"]:
            record["status"] = "ROLLBACK_IN_PROGRESS"
            record["statusReason"] = reason
            record["updatedAt"] = at
            record["rollback"] = {
                "reason": reason,
                "startedAt": at,
                "serviceRevisionArn": record["sourceServiceRevisions"][0]["arn"],
            }
        else:
            self._finish(record, at, "STOPPED", reason)

    def completed(self, rollout: Rollout, at: datetime) -> None:
        record = rollout.record
        if record is None:
            return
        if rollout.is_rollback:
            if record["status"] in ("ROLLBACK_IN_PROGRESS", "ROLLBACK_REQUESTED"):
                self._finish(record, at, "ROLLBACK_SUCCESSFUL",
                             record.get("statusReason") or "Rolled back.")
            return
        if record["status"] == "IN_PROGRESS":
            record["lifecycleStage"] = "CLEAN_UP"
            self._monitors_done(record)
            self._finish(record, at, "SUCCESSFUL", "")

    def stop_requested(self, record: dict[str, Any], at: datetime, stop_type: str) -> None:
        record["status"] = "ROLLBACK_REQUESTED" if stop_type == "ROLLBACK" else "STOP_REQUESTED"
        record["updatedAt"] = at

    def _monitors_done(self, record: dict[str, Any]) -> None:
        for key in ("deploymentCircuitBreaker", "alarms"):
            monitor = record.get(key) or {}
            if monitor.get("status") == "MONITORING":
                monitor["status"] = "MONITORING_COMPLETE"

    @staticmethod
    def _finish(record: dict[str, Any], at: datetime, status: str, reason: str) -> None:
        record["status"] = status
        record["statusReason"] = reason
        record["updatedAt"] = at
        record["finishedAt"] = at
        if status == "STOPPED":
            record["stoppedAt"] = at

    # --- reading ------------------------------------------------------------------------

    def for_service(self, service_arn: str) -> list[dict[str, Any]]:
        """Newest first."""
        found = [r for r in self.deployments.values() if r["serviceArn"] == service_arn]
        return sorted(found, key=lambda r: r["createdAt"], reverse=True)

    def running(self, service_arn: str) -> dict[str, Any] | None:
        return next((r for r in self.for_service(service_arn)
                     if r["status"] in STOPPABLE_STATUSES), None)


def _containers(rollout: Rollout, task_definition: str) -> list[dict[str, Any]]:
    from pipectl.sandbox import backends

    try:
        definition = backends.describe_task_definition(rollout.account, rollout.region,
                                                       task_definition)
    except Exception:  # moto raises its own ClientException for an unknown revision
        return []
    return list(definition.container_definitions)
