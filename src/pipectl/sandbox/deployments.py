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
(:mod:`pipectl.sandbox.service_deployments`).
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pipectl.sandbox import alarms as cloudwatch_alarms
from pipectl.sandbox import backends
from pipectl.sandbox.clock import engine_error
from pipectl.sandbox.codebuild.images import pull_error
from pipectl.sandbox.protocol import ApiError, PassThrough
from pipectl.sandbox.service_deployments import ServiceHistory, breaker_threshold

if TYPE_CHECKING:
    from pipectl.sandbox.engine import Engine
    from pipectl.sandbox.faults import DeployFault

# Nominal seconds of a rollout's steps.
LAUNCH_AFTER = 2.0  # tasks are placed (PROVISIONING/PENDING)
RUNNING_AFTER = 4.0  # ... and RUNNING (or stopped: failed to start)
DRAIN_AFTER = 2.0  # old tasks are stopped once the new ones run
STEADY_AFTER = 2.0  # the deployment is COMPLETED, the service steady
MAX_FAILED_LAUNCHES = 10  # ECS backs off a service that keeps failing; so does the sandbox

DEFAULT_DEPLOYMENT_CONFIGURATION: dict[str, Any] = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}


@dataclass
class Rollout:
    account: str
    region: str
    cluster: str
    service: str
    deployment: dict[str, Any]
    previous_task_definition: str | None
    fault: DeployFault | None
    is_rollback: bool = False
    failed_launches: int = 0
    # The service deployment this rollout is (or, for a rollback, undoes).
    record: dict[str, Any] | None = None
    engine_error: str | None = None  # the sandbox failed it, not ECS
    on_done: list[Callable[[Rollout, datetime], None]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.deployment["id"])

    @property
    def state(self) -> str:
        return str(self.deployment["rolloutState"])


class Deployments:
    """Every rollout and service task the sandbox runs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.tasks: dict[str, dict[str, Any]] = {}
        self.rollouts: dict[str, Rollout] = {}
        self.history = ServiceHistory()
        self._ip = 0

    def reset(self) -> None:
        self.tasks.clear()
        self.rollouts.clear()
        self.history.reset()
        self._ip = 0

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
        with self.engine.scheduler.guard(lambda due, exc: self._broken(rollout, due, exc)):
            self.engine.scheduler.after(at, LAUNCH_AFTER, lambda due: self._launch(rollout, due))
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
            self.engine.scheduler.after(at, STEADY_AFTER, lambda due: self._steady(rollout, due))
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
            task["pullStoppedAt"] = self.engine.scheduler.later(at, pull)
        self.engine.scheduler.after(
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
                             lambda task: fault.stopped_reason(_first_image(task)))
            return
        if any(_unpullable(task) for task in tasks):
            # An image neither the sandbox's ECR nor a known public registry holds (the
            # task definition file's placeholder): CannotPullContainerError, as on AWS.
            self._fail_tasks(rollout, service, tasks, at,
                             lambda task: _unpullable(task) or "")
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
            reason = reason_of(task)
            self._stop_task(task, at, "TaskFailedToStart", reason)
            for container in task["containers"]:
                container["reason"] = reason
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
        self.engine.scheduler.after(at, LAUNCH_AFTER, lambda due: self._launch(rollout, due))

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
        return self.engine.variation.pull_seconds(size)

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
            self.engine.scheduler.after(at, delay, lambda due: self._stop_drained(
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
        self.engine.scheduler.after(at, DRAIN_AFTER, lambda due: self._steady(rollout, due))

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
            self.engine.scheduler.after(at, DRAIN_AFTER, lambda due: self._steady_again(
                rollout, due))
        elif surplus < 0:
            self.engine.scheduler.after(at, LAUNCH_AFTER, lambda due: self._scale_up(
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
                reason = _unpullable(task)
                if reason and task["lastStatus"] != "STOPPED":
                    self._stop_task(task, due, "TaskFailedToStart", reason)
                    for container in task["containers"]:
                        container["reason"] = reason
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
                    self.engine.scheduler.after(due, STEADY_AFTER,
                                                lambda d: self._steady_again(rollout, d))

        self.engine.scheduler.after(at, RUNNING_AFTER, running)

    def _retry_scale_up(self, rollout: Rollout, service: Any, failed: int,
                        at: datetime) -> None:
        """Tasks that failed to start are counted on the deployment and started again;
        no circuit breaker acts on a deployment that has completed, so ECS keeps on
        trying (the sandbox gives up where ECS says it cannot start tasks)."""
        rollout.failed_launches += failed
        rollout.deployment["failedTasks"] = rollout.failed_launches
        rollout.deployment["updatedAt"] = at
        if rollout.failed_launches >= MAX_FAILED_LAUNCHES * max(service.desired_count, 1):
            self._event(service, at, f"(service {service.name}) is unable to consistently "
                                     "start tasks successfully.")
            return
        self.engine.scheduler.after(at, LAUNCH_AFTER, lambda due: self._scale_up(
            rollout, failed, due))

    def _steady_again(self, rollout: Rollout, at: datetime) -> None:
        service = self.service_of(rollout)
        if service is not None:
            self._event(service, at, f"(service {service.name}) has reached a steady state.")

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


def _first_image(task: dict[str, Any]) -> str:
    return str(task["containers"][0]["image"]) if task["containers"] else ""


def _unpullable(task: dict[str, Any]) -> str | None:
    """ECS's stopped reason when a container's image cannot be pulled, else None."""
    for container in task["containers"]:
        reason = pull_error(str(container.get("image") or ""))
        if reason:
            return reason
    return None


def _breaker(service: Any) -> dict[str, Any]:
    config = getattr(service, "deployment_configuration", None) or {}
    breaker: dict[str, Any] = config.get("deploymentCircuitBreaker") or {}
    return breaker


# --- the ECS operations the sandbox serves -----------------------------------------


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


def ecs_handlers(engine: Engine) -> dict[str, Callable[[str, str, dict[str, Any]], dict[str, Any]]]:
    deployments = engine.deployments

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
        deployments.start(account, region, service, engine.scheduler.now(), reuse_id=first)
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
            fault = engine.faults.take_deploy_fault(service.name)
            deployments.start(account, region, service, engine.scheduler.now(), fault=fault)
        elif "desiredCount" in params:
            deployments.scale(account, region, service, engine.scheduler.now())
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
