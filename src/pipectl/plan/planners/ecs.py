"""The ECS cluster, task definition and Fargate service (only with deploy.create_service)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipectl.aws.session import AwsSession
from pipectl.plan.base import Planner, changed
from pipectl.plan.calls import call, read
from pipectl.plan.compare import shaped_like
from pipectl.plan.model import FieldDiff, Observed
from pipectl.plan.requests import Each, FromAnswer, Request, Requests
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

    def create(self, desired: Cluster) -> Requests:
        # CreateCluster is idempotent: an existing cluster of that name is returned.
        return [Request("ecs", "CreateCluster", desired.name, desired.create_request())]

    def update(self, desired: Cluster, observed: Observed, diffs: list[FieldDiff]) -> Requests:
        return [_tag_request(desired.name, observed.facts.get("arn") or desired.arn,
                             desired.tags)]

    def delete(self, desired: Cluster, observed: Observed) -> Requests:
        # The service deleted just before drains its tasks first; until it is gone, ECS
        # refuses to delete the cluster. Wait for that, for a bounded time.
        return [Request("ecs", "DeleteCluster", desired.name, {"cluster": desired.name},
                        retry_codes=DRAINING_CODES, retry_seconds=CLUSTER_DRAIN_SECONDS)]


def _tag_request(name: str, arn: str, tags: dict[str, str]) -> Request:
    return Request("ecs", "TagResource", name,
                   {"resourceArn": arn, "tags": tag_list(tags, "key", "value")})


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
        running, service_active = _running_revision(aws, desired)
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
            {"arn": current.get("taskDefinitionArn"), "image": image,
             "service_active": service_active},
        )

    def fields(self, desired: TaskDefinition) -> dict[str, Any]:
        # Tags are not compared: revisions the deploy action registers may lack them.
        return {"definition": _comparable_document(desired.document, desired.container)}

    def create(self, desired: TaskDefinition) -> Requests:
        return [Request("ecs", "RegisterTaskDefinition", desired.family,
                        desired.register_request())]

    def update(self, desired: TaskDefinition, observed: Observed,
               diffs: list[FieldDiff]) -> Requests:
        image = observed.facts.get("image")
        requests: Requests = [Request(
            "ecs", "RegisterTaskDefinition", desired.family,
            desired.register_request(image=str(image) if image else None))]
        if observed.facts.get("service_active"):
            # A new revision changes nothing until the service runs it.
            requests.append(Request("ecs", "UpdateService", desired.service, {
                "cluster": desired.cluster, "service": desired.service,
                "taskDefinition": FromAnswer("RegisterTaskDefinition",
                                             ("taskDefinition", "taskDefinitionArn"))}))
        return requests

    def delete(self, desired: TaskDefinition, observed: Observed) -> Requests:
        # familyPrefix matches prefixes: deregister this family's revisions only.
        return [Each(
            Request("ecs", "ListTaskDefinitions", desired.family,
                    {"familyPrefix": desired.family, "status": "ACTIVE"}),
            lambda page: [Request("ecs", "DeregisterTaskDefinition", arn,
                                  {"taskDefinition": arn})
                          for arn in page.get("taskDefinitionArns", [])
                          if _family(arn) == desired.family],
            "ecs:DeregisterTaskDefinition for each ACTIVE revision of the family")]


def _family(arn: str) -> str:
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]


def _running_revision(aws: AwsSession, desired: TaskDefinition) -> tuple[str | None, bool]:
    """The task definition ARN of the family that the service runs, if it runs one, and
    whether the service is there (ACTIVE) at all."""
    got = read(aws, "ecs", "DescribeServices", desired.service, {"ClusterNotFoundException"},
               cluster=desired.cluster, services=[desired.service])
    active = [s for s in (got or {}).get("services", []) if s.get("status") == "ACTIVE"]
    for service in active:
        arn = str(service.get("taskDefinition") or "")
        if _family(arn) == desired.family:
            return arn, True
    return None, bool(active)


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

    def create(self, desired: Service) -> Requests:
        return [Request("ecs", "CreateService", desired.name, desired.create_request(),
                        creates=True, role="the ECS service-linked role")]

    def update(self, desired: Service, observed: Observed, diffs: list[FieldDiff]) -> Requests:
        requests: Requests = []
        if any(not changed([d], "tags") for d in diffs):
            requests.append(Request("ecs", "UpdateService", desired.name, desired.update_request(
                with_count=changed(diffs, "desiredCount"))))
        if changed(diffs, "tags"):
            requests.append(_tag_request(desired.name, observed.facts.get("arn") or desired.arn,
                                         desired.tags))
        return requests

    def delete(self, desired: Service, observed: Observed) -> Requests:
        # force: no need to scale to zero first.
        return [Request("ecs", "DeleteService", desired.name, {
            "cluster": desired.cluster, "service": desired.name, "force": True})]
