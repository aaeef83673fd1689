"""Why a run failed: the failing stage and action, AWS's words, and a hint for known causes."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pipectl.runs.model import Diagnosis, RunSnapshot
from pipectl.runs.views import ActionView

#: (pattern found in error details, phase messages, log lines, stopped-task reasons or
#: service events; what to do). The first match wins, so the most specific come first.
KNOWN_CAUSES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"Cannot connect to the Docker daemon", re.I),
        "docker builds need privileged mode and the CodeBuild project runs without it: "
        "set build.privileged: true in the spec, then `pipectl update`",
    ),
    (
        re.compile(r"denied:.*not authorized to perform:? ?ecr:|AccessDenied\w*.*\becr:", re.I),
        "the CodeBuild role is not allowed to use the ECR repository: `pipectl update` "
        "restores its policy (ecr:GetAuthorizationToken on *, push and pull on the repository)",
    ),
    (
        re.compile(r"toomanyrequests", re.I),
        "Docker Hub's pull rate limit: base the Dockerfile on public.ecr.aws images "
        "(e.g. FROM public.ecr.aws/docker/library/python:3.12-slim) or log in to Docker Hub",
    ),
    (
        re.compile(r"ECS container \S+ does not exist|does not exist in the task definition",
                   re.I),
        "imagedefinitions.json names a container the task definition does not have: "
        "deploy.container in the spec must equal a containerDefinitions name in the "
        "task definition",
    ),
    (
        re.compile(r"CannotPullContainerError", re.I),
        "ECS could not pull the image: check that the build pushed it to ECR, that the task "
        "execution role may pull from ECR, and that the subnets reach ECR (a public IP, a NAT "
        "gateway or VPC endpoints)",
    ),
    (
        re.compile(r"ResourceInitializationError", re.I),
        "the task could not fetch what it needs to start (secrets, logs, registry auth): give "
        "the execution role ssm/secretsmanager/logs permissions and let the subnets reach AWS "
        "(a public IP, a NAT gateway or VPC endpoints)",
    ),
    (
        re.compile(r"Essential container in task exited", re.I),
        "the container started and then exited: read its logs (CloudWatch Logs of the task "
        "definition's log group) and check the command and health check",
    ),
)


def hint_for(texts: Iterable[str | None]) -> str | None:
    joined = "\n".join(t for t in texts if t)
    for pattern, hint in KNOWN_CAUSES:
        if pattern.search(joined):
            return hint
    return None


def failing_action(snapshot: RunSnapshot) -> ActionView | None:
    for action in snapshot.actions():
        if action.deploy is not None and action.deploy.rolled_back:
            return action
    for action in snapshot.actions():
        if action.status in ("Failed", "Abandoned"):
            return action
    return None


def diagnose(snapshot: RunSnapshot, reason: str) -> Diagnosis:
    """Everything known about the failure, from what the watch loop already read."""
    action = failing_action(snapshot)
    if action is None:
        failed_stage = next((s for s in snapshot.stages if s.status == "Failed"), None)
        return Diagnosis(
            stage=failed_stage.name if failed_stage else None,
            action=None,
            message=reason,
            hint=None,
        )
    message = action.error_message or action.summary or reason
    phase = phase_message = None
    log_tail: tuple[str, ...] = ()
    stopped: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    if action.build is not None:
        failed = action.build.failed_phase
        if failed is not None:
            phase, phase_message = failed.name, failed.message
        log_tail = action.build.log_tail
    if action.deploy is not None:
        stopped = action.deploy.stopped_reasons
        events = action.deploy.events[:5]
        deploy = action.deploy
        if deploy.rolled_back and deploy.deployment_status is not None:
            # The verdict's reason says how it failed; here, ECS's own words.
            message = (f"ECS service deployment {deploy.deployment_status}"
                       + (f": {deploy.status_reason}" if deploy.status_reason else ""))
        elif deploy.rolled_back:
            message = (
                f"the ECS deployment of {deploy.service} failed and the circuit "
                f"breaker rolled it back"
                + (f": {deploy.rollout_reason}" if deploy.rollout_reason else "")
            )
    hint = hint_for([action.error_message, action.summary, phase_message, *log_tail,
                     *stopped, *events])
    return Diagnosis(
        stage=action.stage,
        action=action.name,
        message=message,
        phase=phase,
        phase_message=phase_message,
        log_tail=log_tail,
        stopped_reasons=stopped,
        events=events,
        hint=hint,
    )
