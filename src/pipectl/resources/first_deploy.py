"""The first deployment of a service pipectl creates: it starts with no task, and the
pipeline itself raises it to the spec's desired count once it has deployed a built image.

Why not start it at the desired count: a new service can only run the revision made from
the task definition file, whose image (``hello-web:replaced-by-each-deploy``) is a
placeholder no registry holds. Its tasks would fail to pull, the circuit breaker would
fail that deployment, and the first run's watch could read it as a rollback.

Why this works with the ECS deploy action as AWS documents it: the action needs the
service to exist, registers a revision from the one the service runs with the built
image swapped in, and updates the service to it, keeping its desired count. So ``create``
makes the service with ``desiredCount`` 0 (no task ever runs the placeholder), the
deploy action deploys the built image to it (zero tasks: it completes at once), and a
Commands action after it, in the same stage, raises the desired count to
``deploy.create_service.desired_count`` when it is still 0. Later runs find it above 0
and leave it to whoever scales the service; a service scaled to 0 by hand comes back
to the spec's count on the next run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: The Deploy stage's second action.
SCALE_UP_ACTION = "ScaleUp"
_RAISED_TO = re.compile(r"--desired-count (\d+)")
#: CodePipeline writes a Commands action's output to this log group, as the pipeline role.
COMMANDS_LOG_GROUP_PREFIX = "/aws/codepipeline/"


def commands_log_group(pipeline: str) -> str:
    return f"{COMMANDS_LOG_GROUP_PREFIX}{pipeline}"


def scale_up_command(cluster: str, service: str, count: int) -> str:
    """One shell command line (the action takes no multi-line command): read the desired
    count, raise it only when it is 0. A failed read fails the command (``&&``), and with
    it the action; the names are set once, so a command stays under 1000 characters
    whatever their length (ECS allows 255 each)."""
    return (
        f"CLUSTER={cluster}; SERVICE={service}; "
        'DESIRED=$(aws ecs describe-services --cluster "$CLUSTER" --services "$SERVICE" '
        "--query 'services[0].desiredCount' --output text) && "
        'if [ "$DESIRED" = 0 ]; then '
        'aws ecs update-service --cluster "$CLUSTER" --service "$SERVICE" '
        f"--desired-count {count} --query 'service.desiredCount' --output text; "
        'else echo "ECS service $SERVICE wants $DESIRED tasks: its desired count stays"; fi'
    )


def scale_up_action(cluster: str, service: str, count: int, input_artifact: str) -> dict[str, Any]:
    """The Commands action (V2 pipelines only), after the ECS deploy action (runOrder 2).

    The action needs an input artifact; the build's is there anyway. It runs as the
    pipeline's role, which may DescribeServices and UpdateService on this one service.
    """
    return {
        "name": SCALE_UP_ACTION,
        "actionTypeId": {"category": "Compute", "owner": "AWS", "provider": "Commands",
                         "version": "1"},
        "runOrder": 2,
        "commands": [scale_up_command(cluster, service, count)],
        "inputArtifacts": [{"name": input_artifact}],
    }


def scale_up_count(declaration: Mapping[str, Any]) -> int | None:
    """The count a pipeline's ScaleUp action raises its service to (``import`` reads it
    back: a service waiting for its first run is at 0), or None without that action."""
    for stage in declaration.get("stages") or []:
        for action in stage.get("actions") or []:
            if action.get("name") != SCALE_UP_ACTION:
                continue
            found = _RAISED_TO.search(" ".join(action.get("commands") or []))
            if found:
                return int(found.group(1))
    return None
