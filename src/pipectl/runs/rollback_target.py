"""What `pipectl rollback` goes back to, decided from the service deployments ECS records.

During a deployment: stop it (``StopServiceDeployment`` with ROLLBACK), and ECS puts the
service back on the revision it ran before. After one: the revision of the last service
deployment that succeeded, other than the one the service runs now; never the revision
of a deployment that failed, which is what the family's previous revision may be. The
choice comes with its reason: which deployment, and when it finished.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipectl.runs import service_deployments as sd
from pipectl.runs.reads import Clients
from pipectl.runs.values import epoch, iso_time

RUNNING = ("PENDING", "IN_PROGRESS")


@dataclass(frozen=True)
class Target:
    task_definition: str  # the ARN to go back to
    why: str  # which deployment, and when
    stop_arn: str | None = None  # a deployment under way, stopped to roll back
    deployment_arn: str | None = None


def choose(clients: Clients, cluster: str, service: str, current: str) -> Target | None:
    """The target, or None when the endpoint has no service deployments (the caller then
    falls back to the previous revision)."""
    listed = sd.listed(clients, cluster, service, limit=20)
    if listed is None:
        return None
    running = next((d for d in listed if d.get("status") in RUNNING), None)
    if running is not None:
        described = sd.describe(clients, [str(running["serviceDeploymentArn"])]) or []
        found = described[0] if described else None
        source = found.sources[0].arn if found is not None and found.sources else None
        definitions = sd.revision_task_definitions(clients, [source] if source else [])
        if source and source in definitions:
            started = iso_time(epoch(running.get("createdAt")) or 0.0)
            return Target(definitions[source],
                          f"the revision it ran before the deployment that started {started}",
                          stop_arn=str(running["serviceDeploymentArn"]),
                          deployment_arn=str(running["serviceDeploymentArn"]))
    succeeded = [d for d in listed if d.get("status") == "SUCCESSFUL"]
    definitions = sd.revision_task_definitions(
        clients, [str(d.get("targetServiceRevisionArn") or "") for d in succeeded])
    for deployment in succeeded:
        task_definition = definitions.get(str(deployment.get("targetServiceRevisionArn")))
        if task_definition and task_definition != current:
            finished = epoch(deployment.get("finishedAt") or deployment.get("createdAt"))
            return Target(task_definition,
                          "the revision of the last deployment that succeeded, "
                          f"{short(str(deployment['serviceDeploymentArn']))}, finished "
                          f"{iso_time(finished or 0.0)}",
                          deployment_arn=str(deployment["serviceDeploymentArn"]))
    return Target("", "no earlier deployment of the service succeeded")


def short(arn: str) -> str:
    """``arn:...:service-deployment/cluster/service/ID`` -> ``ID``."""
    return arn.rsplit("/", 1)[-1]
