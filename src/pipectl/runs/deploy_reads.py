"""What the watch loop reads about the service deployment an ECS action started.

One object per watch remembers, per (cluster, service): when the action started (its
deployment is the first one created since), the service deployment's ARN once found,
and which task definition each service revision runs (revisions never change), so that
each look costs one DescribeServiceDeployments, plus CloudWatch DescribeAlarms while a
deployment that watches alarms runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipectl.errors import PipectlError
from pipectl.runs import service_deployments as sd
from pipectl.runs.deployment import with_service_deployment
from pipectl.runs.progress import DeployProgress
from pipectl.runs.reads import Clients

Key = tuple[str, str]  # (cluster, service)


@dataclass
class DeploymentReader:
    clients: Clients
    started: dict[Key, float] = field(default_factory=dict)
    arns: dict[Key, str] = field(default_factory=dict)
    task_definitions: dict[str, str] = field(default_factory=dict)
    found: dict[Key, sd.ServiceDeployment] = field(default_factory=dict)

    def action_started(self, key: Key, at: float | None) -> None:
        """The ECS action runs, and ``at`` is when it started (its last status change)."""
        if at is not None and key not in self.started:
            self.started[key] = at

    def since(self, key: Key, run_started: float | None) -> float | None:
        """Only what happened since this moment concerns the run's deployment."""
        return self.started.get(key, run_started)

    def read(self, key: Key, run_started: float | None,
             finished_at: float | None = None) -> sd.ServiceDeployment | None:
        """The run's service deployment now; None if not found yet or no such API.
        ``finished_at``: when the ECS action finished, for an action never seen running."""
        if not sd.supported():
            return None
        arn = self.arns.get(key)
        if arn is None:
            until = finished_at if key not in self.started else None
            found = sd.ours(self.clients, key[0], key[1], since=self.since(key, run_started),
                            until=until)
            if found is None:
                return None
            self.arns[key] = found.arn
        else:
            described = sd.describe(self.clients, [arn])
            if not described:
                return None
            found = described[0]
        self.found[key] = found
        return found

    def apply(self, progress: DeployProgress, deployment: sd.ServiceDeployment) -> DeployProgress:
        wanted = [r.arn for r in ([deployment.target] if deployment.target else [])
                  + list(deployment.sources)]
        if deployment.rollback_revision:
            wanted.append(deployment.rollback_revision)
        missing = [a for a in wanted if a not in self.task_definitions]
        if missing:
            self.task_definitions.update(sd.revision_task_definitions(self.clients, missing))
        states = (self._alarm_states(deployment.alarm_names)
                  if deployment.alarm_names and not deployment.done else {})
        return with_service_deployment(progress, deployment, self.task_definitions, states)

    def _alarm_states(self, names: tuple[str, ...]) -> dict[str, str]:
        from pipectl.aws.errors import aws_call

        try:
            with aws_call("cloudwatch:DescribeAlarms", resource=", ".join(names)):
                answer = self.clients.client("cloudwatch").describe_alarms(
                    AlarmNames=list(names)[:100])
        except PipectlError:
            return {}  # the states are a courtesy; the verdict comes from ECS
        return {str(a["AlarmName"]): str(a.get("StateValue"))
                for a in answer.get("MetricAlarms", [])}
