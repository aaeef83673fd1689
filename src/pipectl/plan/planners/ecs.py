"""The ECS cluster, task definition and Fargate service (only with deploy.create_service)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipectl.aws.session import AwsSession
from pipectl.errors import AwsError
from pipectl.plan.base import ApplyContext, Planner, changed
from pipectl.plan.calls import call, named, read
from pipectl.plan.compare import shaped_like
from pipectl.plan.model import FieldDiff, Observed
from pipectl.resources.common import tag_dict, tag_list
from pipectl.resources.ecs import DESCRIBE_ONLY_KEYS, Cluster, Service, TaskDefinition

if TYPE_CHECKING:
    from pipectl.resources.desired import DesiredState


CLUSTER_DRAIN_SECONDS = 600.0
DRAINING_CODES = frozenset({"ClusterContainsServicesException", "ClusterContainsTasksException"})


class ClusterPlanner(Planner[Cluster]):
    kind = "ecs-cluster"
    title = "ECS cluster"

    def targets(self, state: DesiredState) -> list[Cluster]:
        return [state.ecs.cluster] if state.ecs else []

    def read(self, aws: AwsSession, desired: Cluster) -> Observed | None:
        got = call(aws, "ecs", "DescribeClusters", desired.name, clusters=[desired.name],
                   include=["TAGS"])
        active = [c for c in got.get("clusters", []) if c.get("status") == "ACTIVE"]
        if not active:
            return None
        cluster = active[0]
        return Observed({}, tag_dict(cluster.get("tags"), "key", "value"),
                        {"arn": cluster["clusterArn"]})

    def fields(self, desired: Cluster) -> dict[str, Any]:
        return {"tags": dict(desired.tags)}

    def create(self, ctx: ApplyContext, desired: Cluster) -> None:
        # CreateCluster is idempotent: an existing cluster of that name is returned.
        call(ctx.aws, "ecs", "CreateCluster", desired.name, **desired.create_request())

    def update(self, ctx: ApplyContext, desired: Cluster, observed: Observed,
               diffs: list[FieldDiff]) -> None:
        call(ctx.aws, "ecs", "TagResource", desired.name,
             resourceArn=observed.facts.get("arn") or desired.arn,
             tags=tag_list(desired.tags, "key", "value"))

    def delete(self, ctx: ApplyContext, desired: Cluster, observed: Observed) -> None:
        # The service deleted just before drains its tasks first; until it is gone, ECS
        # refuses to delete the cluster. Wait for that, for a bounded time.
        deadline = ctx.clock() + CLUSTER_DRAIN_SECONDS
        delay = 2.0
        while True:
            try:
                call(ctx.aws, "ecs", "DeleteCluster", desired.name, cluster=desired.name)
                return
            except AwsError as exc:
                if exc.code not in DRAINING_CODES or ctx.clock() + delay > deadline:
                    raise
            ctx.sleep(delay)
            delay = min(delay * 2, 15.0)


def _without_empty(value: Any) -> Any:
    """Drop empty lists, mappings and nulls: ECS reports ``[]`` and no key alike."""
    if isinstance(value, dict):
        return {k: _without_empty(v) for k, v in value.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value


def _comparable_document(document: dict[str, Any], container: str) -> dict[str, Any]:
    """The task definition without what the deploy action owns (the container's image)."""
    out = {k: v for k, v in document.items() if k not in DESCRIBE_ONLY_KEYS}
    out["containerDefinitions"] = [
        {k: v for k, v in c.items() if not (k == "image" and c.get("name") == container)}
        for c in out.get("containerDefinitions", [])
    ]
    return dict(_without_empty(out))


class TaskDefinitionPlanner(Planner[TaskDefinition]):
    """The task definition family: pipectl registers the first revision.

    Every deploy registers a new revision with a new image; pipectl compares the revision
    the service runs (else the family's latest) with the file in everything else, and on a
    difference registers a revision that keeps the running image, then points the
    service at it.
    """

    kind = "ecs-task-definition"
    title = "ECS task definition"

    def targets(self, state: DesiredState) -> list[TaskDefinition]:
        return [state.ecs.task_definition] if state.ecs else []

    def name(self, desired: TaskDefinition) -> str:
        return desired.family

    def read(self, aws: AwsSession, desired: TaskDefinition) -> Observed | None:
        # The revision the service runs, not the family's latest: after a rollback the
        # latest ACTIVE revision is the one that failed, and its image must not come back.
        running = _running_revision(aws, desired)
        reference = running or desired.family
        # ECS answers a family without ACTIVE revisions with a generic ClientException.
        got = read(aws, "ecs", "DescribeTaskDefinition", reference, {"ClientException"},
                   taskDefinition=reference, include=["TAGS"])
        if got is None or (running is None
                           and got["taskDefinition"].get("status") == "INACTIVE"):
            return None
        current = got["taskDefinition"]
        image = next((c.get("image") for c in current.get("containerDefinitions", [])
                      if c.get("name") == desired.container), None)
        want = _comparable_document(desired.document, desired.container)
        return Observed(
            {"definition": _without_empty(shaped_like(current, want))},
            tag_dict(got.get("tags"), "key", "value"),
            {"arn": current.get("taskDefinitionArn"), "image": image},
        )

    def fields(self, desired: TaskDefinition) -> dict[str, Any]:
        # Tags are not compared: revisions the deploy action registers may lack them.
        return {"definition": _comparable_document(desired.document, desired.container)}

    def create(self, ctx: ApplyContext, desired: TaskDefinition) -> None:
        call(ctx.aws, "ecs", "RegisterTaskDefinition", desired.family,
             **desired.register_request())

    def update(self, ctx: ApplyContext, desired: TaskDefinition, observed: Observed,
               diffs: list[FieldDiff]) -> None:
        image = observed.facts.get("image")
        got = call(ctx.aws, "ecs", "RegisterTaskDefinition", desired.family,
                   **desired.register_request(image=str(image) if image else None))
        # A new revision changes nothing until the service runs it.
        service = read(ctx.aws, "ecs", "DescribeServices", desired.service,
                       {"ClusterNotFoundException"}, cluster=desired.cluster,
                       services=[desired.service])
        if any(s.get("status") == "ACTIVE" for s in (service or {}).get("services", [])):
            call(ctx.aws, "ecs", "UpdateService", desired.service, cluster=desired.cluster,
                 service=desired.service,
                 taskDefinition=got["taskDefinition"]["taskDefinitionArn"])

    def delete(self, ctx: ApplyContext, desired: TaskDefinition, observed: Observed) -> None:
        pages = ctx.aws.client("ecs").get_paginator("list_task_definitions").paginate(
            familyPrefix=desired.family, status="ACTIVE")
        for page in named(pages, "ecs:ListTaskDefinitions", desired.family):
            for arn in page.get("taskDefinitionArns", []):
                # familyPrefix matches prefixes: deregister this family's revisions only.
                if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == desired.family:
                    call(ctx.aws, "ecs", "DeregisterTaskDefinition", arn, taskDefinition=arn)


def _running_revision(aws: AwsSession, desired: TaskDefinition) -> str | None:
    """The task definition ARN of the family that the service runs, if it runs one."""
    got = read(aws, "ecs", "DescribeServices", desired.service, {"ClusterNotFoundException"},
               cluster=desired.cluster, services=[desired.service])
    for service in (got or {}).get("services", []):
        arn = str(service.get("taskDefinition") or "")
        if service.get("status") == "ACTIVE" and \
                arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == desired.family:
            return arn
    return None


def canonical_service(service: dict[str, Any]) -> dict[str, Any]:
    vpc = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    fields: dict[str, Any] = {
        "desiredCount": service.get("desiredCount"),
        "network": {
            "subnets": sorted(vpc.get("subnets") or []),
            "securityGroups": sorted(vpc.get("securityGroups") or []),
            "assignPublicIp": vpc.get("assignPublicIp") or "DISABLED",
        },
    }
    # AWS always reports a deployment configuration; an endpoint that reports none (moto)
    # leaves nothing to compare, rather than a difference no update could remove.
    if "deploymentConfiguration" in service:
        config = service["deploymentConfiguration"]
        breaker = config.get("deploymentCircuitBreaker") or {}
        fields["circuitBreaker"] = {"enable": bool(breaker.get("enable")),
                                    "rollback": bool(breaker.get("rollback"))}
        if breaker.get("thresholdConfiguration"):
            fields["circuitBreaker"]["threshold"] = dict(breaker["thresholdConfiguration"])
        alarms = config.get("alarms") or {}
        enabled = bool(alarms.get("enable")) and bool(alarms.get("alarmNames"))
        # Alarms switched off are no alarms, whatever names are left in the configuration.
        fields["alarms"] = {"names": sorted(alarms.get("alarmNames") or []) if enabled else [],
                            "rollback": bool(alarms.get("rollback")) if enabled else False}
        fields["minimumHealthyPercent"] = config.get("minimumHealthyPercent", 100)
        fields["maximumPercent"] = config.get("maximumPercent", 200)
    return fields


class ServicePlanner(Planner[Service]):
    kind = "ecs-service"
    title = "ECS service"
    exists_codes = frozenset({"InvalidParameterException"})

    def already_exists(self, exc: BaseException) -> bool:
        # ECS: "Creation of service was not idempotent" for a name in use.
        return super().already_exists(exc) and "idempotent" in str(exc)

    def targets(self, state: DesiredState) -> list[Service]:
        return [state.ecs.service] if state.ecs else []

    def read(self, aws: AwsSession, desired: Service) -> Observed | None:
        got = read(aws, "ecs", "DescribeServices", desired.name, {"ClusterNotFoundException"},
                   cluster=desired.cluster, services=[desired.name], include=["TAGS"])
        live = [s for s in (got or {}).get("services", []) if s.get("status") != "INACTIVE"]
        if not live:
            return None
        service = live[0]
        return Observed(canonical_service(service),
                        tag_dict(service.get("tags"), "key", "value"),
                        {"arn": service.get("serviceArn"),
                         "taskDefinition": service.get("taskDefinition")})

    def fields(self, desired: Service) -> dict[str, Any]:
        # The spec's count, which the service reaches after the pipeline's first deploy
        # (it is created with none).
        request = {**desired.create_request(), "desiredCount": desired.desired_count}
        return {**canonical_service(request), "tags": dict(desired.tags)}

    def compare(self, desired: Service, observed: Observed) -> list[FieldDiff]:
        diffs = super().compare(desired, observed)
        if observed.fields.get("desiredCount") == 0:
            # A service at 0 runs no task, maybe because its only revision is the task
            # definition file's placeholder: the pipeline's next run raises the count once
            # it has deployed a built image (pipectl.resources.first_deploy), not update.
            diffs = [d for d in diffs if not changed([d], "desiredCount")]
        if "circuitBreaker" not in observed.fields:
            # An endpoint that reports no deployment configuration: nothing to compare.
            rollout = ("circuitBreaker", "alarms", "minimumHealthyPercent", "maximumPercent")
            diffs = [d for d in diffs if not any(changed([d], f) for f in rollout)]
        return diffs

    def create(self, ctx: ApplyContext, desired: Service) -> None:
        self.create_or_converge(ctx, desired, lambda: ctx.when_role_assumable(
            lambda: call(ctx.aws, "ecs", "CreateService", desired.name,
                         **desired.create_request()),
            operation="ecs:CreateService", resource=desired.name,
            role="the ECS service-linked role"))

    def update(self, ctx: ApplyContext, desired: Service, observed: Observed,
               diffs: list[FieldDiff]) -> None:
        if any(not changed([d], "tags") for d in diffs):
            call(ctx.aws, "ecs", "UpdateService", desired.name, **desired.update_request(
                with_count=changed(diffs, "desiredCount")))
        if changed(diffs, "tags"):
            call(ctx.aws, "ecs", "TagResource", desired.name,
                 resourceArn=observed.facts.get("arn") or desired.arn,
                 tags=tag_list(desired.tags, "key", "value"))

    def delete(self, ctx: ApplyContext, desired: Service, observed: Observed) -> None:
        # force: no need to scale to zero first.
        call(ctx.aws, "ecs", "DeleteService", desired.name, cluster=desired.cluster,
             service=desired.name, force=True)
