"""Put an ECS service back on the revision of its last deployment that succeeded (or stop
the deployment under way), then watch the rollout; see :mod:`pipectl.runs.rollback_target`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from pipectl.aws.errors import aws_call, is_throttling
from pipectl.aws.paging import pages
from pipectl.clock import SYSTEM_CLOCK, Clock
from pipectl.errors import InvalidInput, NotFound, PipectlError
from pipectl.runs.deploy_changes import deploy_changes
from pipectl.runs.deploy_reads import DeploymentReader
from pipectl.runs.deployment import deploy_progress
from pipectl.runs.model import Change
from pipectl.runs.polling import PollSchedule
from pipectl.runs.progress import DeployProgress
from pipectl.runs.reads import Clients
from pipectl.runs.reads import ecs as ecs_reads
from pipectl.runs.service_deployments import ServiceDeployment
from pipectl.runs.values import epoch, task_definition_label


@dataclass(frozen=True)
class RollbackPlan:
    cluster: str
    service: str
    current: str  # task definition ARN the service runs now
    previous: str  # the one it goes back to
    current_image: str | None = None
    previous_image: str | None = None
    why: str | None = None  # which deployment it goes back to, and when
    stop_arn: str | None = None  # the deployment under way, stopped with ROLLBACK

    def to_dict(self) -> dict[str, Any]:
        return {"cluster": self.cluster, "service": self.service,
                "from": task_definition_label(self.current),
                "to": task_definition_label(self.previous),
                "from_image": self.current_image, "to_image": self.previous_image,
                "why": self.why, "stops_deployment": self.stop_arn}


@dataclass(frozen=True)
class RolloutUpdate:
    progress: DeployProgress
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class RolloutDone:
    ok: bool
    outcome: str  # completed, failed, timed_out
    reason: str
    progress: DeployProgress | None


def _revision(arn: str) -> tuple[str, int]:
    family, _, number = arn.rsplit("/", 1)[-1].rpartition(":")
    return family, int(number) if number.isdigit() else 0


def plan_rollback(clients: Clients, cluster: str, service: str,
                  container: str | None, to: str | None = None) -> RollbackPlan:
    """``to``: a revision (``family:N``, ``N`` or an ARN) chosen by the user."""
    doc = ecs_reads.services(clients, cluster, [service]).get(service)
    if doc is None or doc.get("status") == "INACTIVE":
        raise NotFound(f"ECS service {service} not found in cluster {cluster}",
                       operation="ecs:DescribeServices", resource=f"{cluster}/{service}",
                       hint="create it with `pipectl create`")
    deployments = sorted(doc.get("deployments") or [],
                         key=lambda d: epoch(d.get("createdAt")) or 0.0, reverse=True)
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    current = str((primary or {}).get("taskDefinition") or doc.get("taskDefinition"))
    family, number = _revision(current)
    if to is not None:
        chosen = _explicit(clients, family, to)
        if chosen == current:
            raise InvalidInput(f"service {service} already runs {task_definition_label(current)}",
                               hint="name another revision with --to")
        return RollbackPlan(cluster, service, current, chosen, _image(clients, current, container),
                            _image(clients, chosen, container), why="the revision given with --to")
    from pipectl.runs import rollback_target

    target = rollback_target.choose(clients, cluster, service, current)
    if target is not None:
        if not target.task_definition:
            raise InvalidInput(
                f"service {service} runs {family}:{number} and {target.why}: there is nothing "
                "to roll back to", hint="name a revision with --to, or deploy a fixed version "
                "with `pipectl run --watch`")
        return RollbackPlan(cluster, service, current, target.task_definition,
                            _image(clients, current, container),
                            _image(clients, target.task_definition, container),
                            why=target.why, stop_arn=target.stop_arn)
    # An endpoint without service deployments: the revision before this one.
    # A deployment still draining the older revision names it exactly.
    previous = next((str(d["taskDefinition"]) for d in deployments
                     if d.get("status") == "ACTIVE" and d.get("taskDefinition")
                     and _revision(str(d["taskDefinition"]))[1] < number), None)
    if previous is None:
        previous = _previous_in_family(clients, family, number)
    if previous is None:
        raise InvalidInput(
            f"service {service} runs {family}:{number} and there is no earlier active revision "
            f"of {family} to go back to",
            hint="nothing to roll back to; deploy a fixed version with `pipectl run --watch`")
    return RollbackPlan(cluster, service, current, previous,
                        _image(clients, current, container), _image(clients, previous, container))


def _previous_in_family(clients: Clients, family: str, number: int) -> str | None:
    for response in pages(clients.client("ecs").list_task_definitions,
                          {"familyPrefix": family, "status": "ACTIVE", "sort": "DESC",
                           "maxResults": 100},
                          operation="ecs:ListTaskDefinitions", resource=family, max_pages=5):
        # familyPrefix matches "web-api" for "web": keep the exact family only.
        candidates = [(rev, str(arn)) for arn in response.get("taskDefinitionArns", [])
                      for fam, rev in [_revision(str(arn))] if fam == family and rev < number]
        if candidates:
            return max(candidates)[1]
    return None


def _explicit(clients: Clients, family: str, to: str) -> str:
    """``--to``: ``7`` (this family), ``web:7`` or an ARN, as an ARN that exists."""
    reference = f"{family}:{to}" if to.isdigit() else to
    try:
        with aws_call("ecs:DescribeTaskDefinition", resource=reference):
            answer = clients.client("ecs").describe_task_definition(taskDefinition=reference)
    except PipectlError as exc:
        raise InvalidInput(f"--to {to}: no task definition revision {reference}",
                           hint=f"revisions of {family}: `aws ecs list-task-definitions "
                                f"--family-prefix {family}`") from exc
    return str(answer["taskDefinition"]["taskDefinitionArn"])


def _image(clients: Clients, arn: str, container: str | None) -> str | None:
    try:
        return ecs_reads.task_definition_image(clients, arn, container)
    except PipectlError:
        return None


def _no_progress(plan: RollbackPlan) -> DeployProgress:
    return DeployProgress(plan.cluster, plan.service)


def _service_deployment_verdict(plan: RollbackPlan,
                                found: ServiceDeployment) -> tuple[bool, str] | None:
    """(ok, reason) once the service deployment of the rollback is over; None before."""
    back = task_definition_label(plan.previous)
    if plan.stop_arn:
        if found.status == "ROLLBACK_SUCCESSFUL":
            return True, f"the deployment was stopped and {plan.service} runs {back} again"
        if found.status in ("ROLLBACK_FAILED", "STOPPED", "SUCCESSFUL"):
            return False, (f"the deployment was to be stopped and rolled back, and ended "
                           f"{found.status}" + (f": {found.status_reason}"
                                                if found.status_reason else ""))
        return None
    if found.status == "SUCCESSFUL":
        return True, f"{plan.service} runs {back} again"
    if found.succeeded is False:
        return False, "the rollback " + found.failure_reason(plan.service)
    return None


def apply_rollback(clients: Clients, plan: RollbackPlan) -> None:
    if plan.stop_arn:
        from pipectl.runs import service_deployments

        service_deployments.stop(clients, plan.stop_arn)
        return
    with aws_call("ecs:UpdateService", resource=f"{plan.cluster}/{plan.service}"):
        clients.client("ecs").update_service(cluster=plan.cluster, service=plan.service,
                                             taskDefinition=plan.previous)


def watch_rollout(
    clients: Clients,
    plan: RollbackPlan,
    *,
    since: float,
    timeout: float | None,
    interval: float | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> Iterator[RolloutUpdate | RolloutDone]:
    """Until the deployment of ``plan.previous`` is COMPLETED (ok) or FAILED, or
    ``timeout`` seconds (monotonic) have passed, throttled or not."""
    schedule = PollSchedule(interval=interval)
    deadline = None if timeout is None else clock.monotonic() + timeout
    before: DeployProgress | None = None
    images: dict[str, str | None] = {plan.previous: plan.previous_image,
                                     plan.current: plan.current_image}
    last_change = clock.monotonic()
    progress: DeployProgress | None = None
    reader = DeploymentReader(clients)
    key = (plan.cluster, plan.service)
    if plan.stop_arn:
        reader.arns[key] = plan.stop_arn  # the rollback is that deployment's own
    while True:
        try:
            doc = ecs_reads.services(clients, plan.cluster, [plan.service]).get(plan.service)
        except PipectlError as exc:
            if not is_throttling(exc):
                raise
            now = clock.monotonic()
            if deadline is not None and now >= deadline:
                yield RolloutDone(False, "timed_out", f"{plan.service} was not stable after "
                                  f"{int(timeout or 0)}s (AWS was throttling the reads)",
                                  progress or _no_progress(plan))
                return
            delay = schedule.throttled()
            clock.sleep(delay if deadline is None else min(delay, deadline - now))
            continue
        schedule.recovered()
        if doc is None:
            raise NotFound(f"ECS service {plan.service} disappeared",
                           operation="ecs:DescribeServices", resource=plan.service)
        ours = next((d for d in doc.get("deployments") or []
                     if d.get("taskDefinition") == plan.previous), None)
        progress = deploy_progress(doc, plan.cluster, since, lambda arn: images.get(arn))
        found = reader.read(key, since)
        if found is not None:
            progress = reader.apply(progress, found)
        progress = replace(progress, rolled_back=False, failure=None)  # what we asked for
        changes = tuple(deploy_changes(before, progress, plan.service,
                                        {"service": plan.service}, clock.wall()))
        if changes:
            last_change = clock.monotonic()
        yield RolloutUpdate(progress, changes)
        before = progress
        verdict = _service_deployment_verdict(plan, found) if found is not None else None
        if verdict is not None:
            ok, reason = verdict
            if not ok:
                progress = replace(progress, stopped_reasons=ecs_reads.stopped_task_reasons(
                    clients, plan.cluster, plan.service, task_definition=plan.previous))
            yield RolloutDone(ok, "completed" if ok else "failed", reason, progress)
            return
        state = (ours or {}).get("rolloutState")
        if ours is not None and ours.get("status") == "PRIMARY" and state == "COMPLETED":
            yield RolloutDone(True, "completed", f"{plan.service} runs "
                              f"{task_definition_label(plan.previous)} again", progress)
            return
        if state == "FAILED":
            reasons = ecs_reads.stopped_task_reasons(clients, plan.cluster, plan.service,
                                                 task_definition=plan.previous)
            progress = replace(progress, stopped_reasons=reasons)
            yield RolloutDone(False, "failed", f"the rollback deployment of {plan.service} "
                              f"failed: {(ours or {}).get('rolloutStateReason') or 'FAILED'}",
                              progress)
            return
        now = clock.monotonic()
        if deadline is not None and now >= deadline:
            yield RolloutDone(False, "timed_out", f"{plan.service} was not stable after "
                              f"{int(timeout or 0)}s", progress)
            return
        delay = schedule.next_delay(now - last_change)
        clock.sleep(delay if deadline is None else min(delay, max(0.0, deadline - now)))
