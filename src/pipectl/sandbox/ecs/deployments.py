"""The sandbox's ECS deployments: every rollout, and a service scaled without one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipectl.sandbox.ecs.rollout import (
    DRAIN_AFTER,
    LAUNCH_AFTER,
    MAX_FAILED_LAUNCHES,
    RUNNING_AFTER,
    STEADY_AFTER,
    Rollout,
)
from pipectl.sandbox.ecs.service_deployments import ServiceHistory
from pipectl.sandbox.ecs.state_machine import RolloutStateMachine
from pipectl.sandbox.ecs.tasks import unpullable
from pipectl.sandbox.runtime import Runtime


class Deployments(RolloutStateMachine):
    """Every rollout and service task the sandbox runs."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.tasks: dict[str, dict[str, Any]] = {}
        self.rollouts: dict[str, Rollout] = {}
        self.history = ServiceHistory()
        self._ip = 0

    def reset(self) -> None:
        self.tasks.clear()
        self.rollouts.clear()
        self.history.reset()
        self._ip = 0

    # --- scaling ------------------------------------------------------------------------

    def scale(self, account: str, region: str, service: Any, at: datetime) -> None:
        """A new desired count: the PRIMARY deployment starts or stops tasks (no new one)."""
        primary = next((d for d in service.deployments if d.get("status") == "PRIMARY"), None)
        if primary is None:
            self.start(account, region, service, at)
            return
        primary["desiredCount"] = service.desired_count
        primary["updatedAt"] = at
        rollout = self.rollouts.get(str(primary["id"]))
        if rollout is None:
            rollout = Rollout(
                account, region, service.cluster_name, service.name, primary, None, None
            )
            self.rollouts[rollout.id] = rollout
        if rollout.state == "IN_PROGRESS":
            return  # the rollout under way launches up to the new count
        live = [
            t for t in self._service_tasks(service)
            if t["startedBy"] == rollout.id and t["desiredStatus"] == "RUNNING"
        ]
        surplus = len(live) - int(service.desired_count)
        if surplus > 0:
            stopping = sorted(live, key=lambda t: t["createdAt"], reverse=True)[:surplus]
            for task in stopping:
                self._stop_task(task, at, "ServiceSchedulerInitiated",
                                "Scaling activity initiated by (deployment " + rollout.id + ")")
            names = " ".join(f"(task {t['taskArn'].rsplit('/', 1)[-1]})" for t in stopping)
            self._event(service, at, f"(service {service.name}) has stopped {surplus} "
                                     f"running tasks: {names}.")
            self._recount(service)
            self.runtime.scheduler.after(at, DRAIN_AFTER, lambda due: self._steady_again(
                rollout, due))
        elif surplus < 0:
            self.runtime.scheduler.after(at, LAUNCH_AFTER, lambda due: self._scale_up(
                rollout, -surplus, due))

    def _scale_up(self, rollout: Rollout, count: int, at: datetime) -> None:
        service = self.service_of(rollout)
        if service is None:
            return
        started = [self._new_task(rollout, service, at) for _ in range(count)]
        names = " ".join(f"(task {t['taskArn'].rsplit('/', 1)[-1]})" for t in started)
        self._event(service, at, f"(service {service.name}) has started {count} tasks: {names}.")
        self._recount(service)

        def running(due: datetime) -> None:
            failed = 0
            for task in started:
                reason = unpullable(task)
                if reason and task["lastStatus"] != "STOPPED":
                    self._fail_to_start(task, due, reason)
                    failed += 1
                if task["lastStatus"] != "STOPPED":
                    task.update(lastStatus="RUNNING", startedAt=due, pullStoppedAt=due,
                                connectivity="CONNECTED", connectivityAt=due)
                    for container in task["containers"]:
                        container["lastStatus"] = "RUNNING"
            live = self.service_of(rollout)
            if live is not None:
                self._recount(live)
                if failed:
                    self._retry_scale_up(rollout, live, failed, due)
                elif all(t["lastStatus"] == "RUNNING" for t in started):
                    self.runtime.scheduler.after(due, STEADY_AFTER,
                                                 lambda d: self._steady_again(rollout, d))

        self.runtime.scheduler.after(at, RUNNING_AFTER, running)

    def _retry_scale_up(self, rollout: Rollout, service: Any, failed: int,
                        at: datetime) -> None:
        """Tasks that failed to start are counted on the deployment and started again;
        no circuit breaker acts on a deployment that has completed, so ECS keeps on
        trying (the sandbox stops where ECS says it cannot start tasks)."""
        rollout.failed_launches += failed
        rollout.deployment["failedTasks"] = rollout.failed_launches
        rollout.deployment["updatedAt"] = at
        if rollout.failed_launches >= MAX_FAILED_LAUNCHES * max(service.desired_count, 1):
            self._event(service, at, f"(service {service.name}) is unable to consistently "
                                     "start tasks successfully.")
            return
        self.runtime.scheduler.after(at, LAUNCH_AFTER, lambda due: self._scale_up(
            rollout, failed, due))

    def _steady_again(self, rollout: Rollout, at: datetime) -> None:
        service = self.service_of(rollout)
        if service is not None:
            self._event(service, at, f"(service {service.name}) has reached a steady state.")
