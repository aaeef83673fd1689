"""ECS rolling deployments that actually roll: tasks start, old ones drain, events tell it.

moto's services never start tasks and their ``rolloutState`` never moves. The sandbox
keeps moto's Service objects (so moto's DescribeServices serves them) but writes their
deployments, counts and events itself as a rollout progresses, and serves the
service's tasks (ListTasks, DescribeTasks) with an ENI carrying a public IP.

The circuit breaker behaves as on AWS: after ``max(3, min(200, desired/2))`` tasks fail
to start, a deployment whose service enables the breaker becomes FAILED and, with
``rollback``, ECS rolls back to the previous task definition. So does a CloudWatch alarm
named in the service's ``deploymentConfiguration.alarms`` that is in ALARM while the
deployment runs. Each rollout is also recorded as a service deployment
(:mod:`pipectl.sandbox.ecs.service_deployments`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pipectl.sandbox import alarms as cloudwatch_alarms
from pipectl.sandbox import backends
from pipectl.sandbox.clock import engine_error
from pipectl.sandbox.ecs.rollout import (
    DRAIN_AFTER,
    LAUNCH_AFTER,
    MAX_FAILED_LAUNCHES,
    RUNNING_AFTER,
    STEADY_AFTER,
    Rollout,
)
from pipectl.sandbox.ecs.service_deployments import ServiceHistory, breaker_threshold
from pipectl.sandbox.ecs.tasks import ServiceTasks, first_image, unpullable
from pipectl.sandbox.runtime import Runtime

if TYPE_CHECKING:
    from pipectl.sandbox.faults import DeployFault


class RolloutStateMachine(ServiceTasks):
    """A rollout from IN_PROGRESS to COMPLETED or FAILED (and back, rolled back)."""

    runtime: Runtime
    rollouts: dict[str, Rollout]
    history: ServiceHistory

    # --- starting a rollout -------------------------------------------------------------

    def start(
        self,
        account: str,
        region: str,
        service: Any,
        at: datetime,
        *,
        fault: DeployFault | None = None,
        is_rollback: bool = False,
        reuse_id: str | None = None,
        rollback_of: Rollout | None = None,
    ) -> Rollout:
        previous = next(
            (d["taskDefinition"] for d in service.deployments if d.get("status") == "PRIMARY"),
            None,
        )
        # The revisions the service runs before this rollout: a service deployment's source.
        sources = [self.history.revision_of_rollout[str(d["id"])] for d in service.deployments
                   if str(d["id"]) in self.history.revision_of_rollout]
        for deployment in service.deployments:
            if deployment.get("status") == "PRIMARY":
                deployment["status"] = "ACTIVE"
                deployment["updatedAt"] = at
        deployment_id = reuse_id or f"ecs-svc/{random.randrange(10**18, 10**19)}"
        deployment = {
            "id": deployment_id,
            "status": "PRIMARY",
            "taskDefinition": service.task_definition,
            "desiredCount": service.desired_count,
            "pendingCount": 0,
            "runningCount": 0,
            "failedTasks": 0,
            "createdAt": at,
            "updatedAt": at,
            "launchType": service.launch_type or "FARGATE",
            "platformVersion": "1.4.0",
            "platformFamily": "Linux",
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": f"ECS deployment {deployment_id} in progress.",
        }
        if service.network_configuration:
            deployment["networkConfiguration"] = service.network_configuration
        service.deployments = [deployment] + [
            d for d in service.deployments if d["id"] != deployment_id
        ]
        rollout = Rollout(
            account,
            region,
            service.cluster_name,
            service.name,
            deployment,
            previous if previous != service.task_definition else None,
            fault,
            is_rollback,
        )
        self.rollouts[deployment_id] = rollout
        if rollback_of is not None and rollback_of.record is not None:
            rollout.record = rollback_of.record
            back_to = (rollback_of.record.get("rollback") or {}).get("serviceRevisionArn")
            if back_to:
                self.history.revision_of_rollout[rollout.id] = str(back_to)
        elif not is_rollback:
            config = getattr(service, "deployment_configuration", None) or {}
            self.history.started(rollout, service, at, sources, dict(config))
        with self.runtime.scheduler.guard(lambda due, exc: self._broken(rollout, due, exc)):
            self.runtime.scheduler.after(at, LAUNCH_AFTER, lambda due: self._launch(rollout, due))
        return rollout

    def _broken(self, rollout: Rollout, at: datetime, exc: Exception) -> None:
        """An engine error fails the deployment, visibly, instead of leaving it hanging."""
        if rollout.state != "IN_PROGRESS":
            return
        rollout.engine_error = engine_error(exc)
        service = self.service_of(rollout)
        if service is None:
            rollout.deployment.update(rolloutState="FAILED", updatedAt=at,
                                      rolloutStateReason=rollout.engine_error)
            self._done(rollout, at)
            return
        self.fail(rollout, service, at, rollout.engine_error, "sandbox engine error", False)

    def _launch(self, rollout: Rollout, at: datetime) -> None:
        service = self.service_of(rollout)
        if service is None or rollout.state != "IN_PROGRESS" or self._alarmed(rollout, at):
            return
        self.history.stage(rollout, "SCALE_UP", at)
        wanted = rollout.deployment["desiredCount"] - rollout.deployment["runningCount"]
        if wanted <= 0:
            self._drain_old(rollout, service, at)
            return
        adopted = self._adopt_for_rollback(rollout, service, at) if rollout.is_rollback else 0
        if adopted:
            self._recount(service)
            self.runtime.scheduler.after(at, STEADY_AFTER, lambda due: self._steady(rollout, due))
            return
        started = [self._new_task(rollout, service, at) for _ in range(wanted)]
        names = " ".join(f"(task {t['taskArn'].rsplit('/', 1)[-1]})" for t in started)
        self._event(
            service, at, f"(service {service.name}) has started {len(started)} tasks: {names}."
        )
        self._recount(service)
        # A bigger image takes longer to pull; the container starts a second after.
        pull = self._pull_seconds(rollout, started)
        for task in started:
            task["pullStoppedAt"] = self.runtime.scheduler.later(at, pull)
        self.runtime.scheduler.after(
            at, max(RUNNING_AFTER, pull + 1.0), lambda due: self._settle(rollout, started, due)
        )

    def _adopt_for_rollback(self, rollout: Rollout, service: Any, at: datetime) -> int:
        """A rollback takes over the running tasks of the revision it returns to."""
        running = [
            t
            for t in self._service_tasks(service)
            if t["lastStatus"] == "RUNNING" and t["taskDefinitionArn"] == service.task_definition
        ]
        for task in running:
            task["startedBy"] = rollout.id
        return len(running)

    def _settle(self, rollout: Rollout, tasks: list[dict[str, Any]], at: datetime) -> None:
        service = self.service_of(rollout)
        if service is None or rollout.state != "IN_PROGRESS":
            return
        if rollout.fault is not None and not rollout.fault.alarm:
            fault = rollout.fault
            self._fail_tasks(rollout, service, tasks, at,
                             lambda task: fault.stopped_reason(first_image(task)))
            return
        if any(unpullable(task) for task in tasks):
            # An image no registry the sandbox knows holds (the task definition file's
            # placeholder): CannotPullContainerError, counted by the breaker, as on AWS.
            self._fail_tasks(rollout, service, tasks, at,
                             lambda task: unpullable(task) or "")
            return
        for task in tasks:
            if task["lastStatus"] != "STOPPED":
                task.update(
                    lastStatus="RUNNING",
                    startedAt=at,
                    connectivity="CONNECTED",
                    connectivityAt=at,
                )
                task.setdefault("pullStoppedAt", at)
                for container in task["containers"]:
                    container["lastStatus"] = "RUNNING"
        self._recount(service)
        if rollout.fault is not None and rollout.fault.alarm:
            # The new tasks run, and the alarm the fault names goes off: ECS rolls back.
            cloudwatch_alarms.set_state(rollout.account, rollout.region, rollout.fault.alarm,
                                        "ALARM", "pipectl sandbox fault: the new revision "
                                        "misbehaves")
        if self._alarmed(rollout, at):
            return
        self._drain_old(rollout, service, at)

    def _fail_tasks(
        self, rollout: Rollout, service: Any, tasks: list[dict[str, Any]], at: datetime,
        reason_of: Callable[[dict[str, Any]], str],
    ) -> None:
        for task in tasks:
            self._fail_to_start(task, at, reason_of(task))
        rollout.failed_launches += len(tasks)
        rollout.deployment["failedTasks"] = rollout.failed_launches
        rollout.deployment["updatedAt"] = at
        self._recount(service)
        breaker = _breaker(service)
        desired = max(int(rollout.deployment["desiredCount"]), 1)
        threshold = breaker_threshold(desired)
        self.history.failures(rollout, rollout.failed_launches, threshold)
        if breaker.get("enable") and rollout.failed_launches >= threshold:
            self.fail(rollout, service, at, "ECS deployment circuit breaker: tasks failed "
                      "to start.", "tasks failed to start", bool(breaker.get("rollback")),
                      breaker=True)
            return
        if rollout.failed_launches >= MAX_FAILED_LAUNCHES * desired:
            self._event(
                service,
                at,
                f"(service {service.name}) is unable to consistently start tasks successfully.",
            )
            return  # stays IN_PROGRESS, as a service without a breaker does
        self.runtime.scheduler.after(at, LAUNCH_AFTER, lambda due: self._launch(rollout, due))

    def _alarmed(self, rollout: Rollout, at: datetime) -> bool:
        """Fail the rollout if an alarm its service watches is in ALARM."""
        if rollout.is_rollback or rollout.state != "IN_PROGRESS":
            return False
        service = self.service_of(rollout)
        config = (getattr(service, "deployment_configuration", None) or {}).get("alarms") or {}
        if service is None or not config.get("enable"):
            return False
        fired = cloudwatch_alarms.in_alarm(rollout.account, rollout.region,
                                [str(a) for a in config.get("alarmNames") or []])
        if not fired:
            return False
        names = ", ".join(fired)
        self.fail(rollout, service, at, f"ECS deployment {rollout.id} failed: alarm(s) "
                  f"{names} in ALARM.", f"alarm(s) {names} in ALARM",
                  bool(config.get("rollback")), alarms=tuple(fired))
        return True

    def fail(self, rollout: Rollout, service: Any, at: datetime, reason: str, event: str,
             rollback: bool, *, breaker: bool = False, alarms: tuple[str, ...] = ()) -> None:
        """The rollout failed (breaker, alarm, a stop): FAILED, then rolled back if asked."""
        deployment = rollout.deployment
        deployment["rolloutState"] = "FAILED"
        deployment["rolloutStateReason"] = reason
        deployment["updatedAt"] = at
        self._event(
            service,
            at,
            f"(service {service.name}) (deployment {rollout.id}) deployment failed: {event}.",
        )
        self.history.failed(rollout, at, reason,
                            rollback=rollback and bool(rollout.previous_task_definition),
                            breaker=breaker, alarms=alarms)
        self._done(rollout, at)
        if rollback and rollout.previous_task_definition:
            target = next((d for d in service.deployments if d.get("status") == "ACTIVE"), None)
            self._event(
                service,
                at,
                f"(service {service.name}) rolling back to deployment "
                f"{target['id'] if target else rollout.previous_task_definition}.",
            )
            service.task_definition = rollout.previous_task_definition
            if target is not None:
                service.deployments.remove(target)
            self.start(rollout.account, rollout.region, service, at, is_rollback=True,
                       rollback_of=rollout)

    def _pull_seconds(self, rollout: Rollout, tasks: list[dict[str, Any]]) -> float:
        images = [c.get("image", "") for t in tasks for c in t["containers"]]
        size = max((backends.image_bytes(rollout.account, rollout.region, i) for i in images),
                   default=0)
        return self.runtime.variation.pull_seconds(size)

    def _drain_old(self, rollout: Rollout, service: Any, at: datetime) -> None:
        self.history.stage(rollout, "CLEAN_UP", at)
        old = [
            t
            for t in self._service_tasks(service)
            if t["startedBy"] != rollout.id and t["desiredStatus"] == "RUNNING"
        ]
        delay = backends.deregistration_delay(rollout.account, rollout.region, service)
        if old and delay > 0:
            # Behind a load balancer, ECS deregisters the old tasks first and stops them
            # once the target group's deregistration delay has passed.
            for task in old:
                task.update(desiredStatus="STOPPED", lastStatus="DEACTIVATING", stoppingAt=at)
            self.runtime.scheduler.after(at, delay, lambda due: self._stop_drained(
                rollout, service, old, due))
            return
        self._stop_drained(rollout, service, old, at)

    def _stop_drained(self, rollout: Rollout, service: Any, old: list[dict[str, Any]],
                      at: datetime) -> None:
        for task in old:
            self._stop_task(
                task,
                at,
                "ServiceSchedulerInitiated",
                f"Scaling activity initiated by (deployment {rollout.id})",
            )
        if old:
            names = " ".join(f"(task {t['taskArn'].rsplit('/', 1)[-1]})" for t in old)
            self._event(
                service,
                at,
                f"(service {service.name}) has stopped {len(old)} running tasks: {names}.",
            )
        self._recount(service)
        self.runtime.scheduler.after(at, DRAIN_AFTER, lambda due: self._steady(rollout, due))

    def _steady(self, rollout: Rollout, at: datetime) -> None:
        service = self.service_of(rollout)
        if service is None or rollout.state != "IN_PROGRESS" or self._alarmed(rollout, at):
            return
        # Deployments with no task left are gone, as in DescribeServices on AWS.
        service.deployments = [
            d
            for d in service.deployments
            if d["id"] == rollout.id
            or (d.get("rolloutState") == "FAILED"
            and any(
                t["startedBy"] == d["id"] and t["lastStatus"] != "STOPPED"
                for t in self._service_tasks(service)
            ))
        ]
        rollout.deployment["rolloutState"] = "COMPLETED"
        rollout.deployment["rolloutStateReason"] = f"ECS deployment {rollout.id} completed."
        rollout.deployment["updatedAt"] = at
        self._recount(service)
        self._event(
            service,
            at,
            f"(service {service.name}) (deployment {rollout.id}) deployment completed.",
        )
        self._event(service, at, f"(service {service.name}) has reached a steady state.")
        self.history.completed(rollout, at)
        self._done(rollout, at)

    def _done(self, rollout: Rollout, at: datetime) -> None:
        callbacks, rollout.on_done = rollout.on_done, []
        for callback in callbacks:
            callback(rollout, at)


def _breaker(service: Any) -> dict[str, Any]:
    config = getattr(service, "deployment_configuration", None) or {}
    breaker: dict[str, Any] = config.get("deploymentCircuitBreaker") or {}
    return breaker
