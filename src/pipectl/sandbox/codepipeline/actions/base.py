"""What every action runner is and shares: the protocol the stage flow calls, failing an
action, and the artifacts and variables an action hands to the ones after it."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from pipectl.sandbox.codepipeline.model import ActionRun, Execution

#: Called with the time an action reached its final status; the stage then moves on.
Done = Callable[[datetime], None]


class ActionRunner(Protocol):
    def run(self, execution: Execution, action: ActionRun, at: datetime, done: Done) -> None:
        """Run ``action`` (its caller and configuration resolved); call ``done`` once it has
        a final status, now or later on the clock."""


def fail(action: ActionRun, at: datetime, code: str, message: str) -> None:
    action.status = "Failed"
    action.error = (code, message)
    action.updated = at


def artifact_key(execution: Execution, artifact: str) -> dict[str, str]:
    suffix = "".join(random.choices(string.ascii_letters + string.digits, k=7))
    return {
        "bucket": execution.bucket,
        "key": f"{execution.pipeline[:20]}/{artifact[:10]}/{suffix}",
    }


def new_output_artifacts(execution: Execution, action: ActionRun) -> list[dict[str, Any]]:
    """The action's output artifacts, each at a new key of the artifact bucket."""
    found = []
    for artifact in action.definition.get("outputArtifacts") or []:
        location = artifact_key(execution, str(artifact["name"]))
        execution.artifacts[str(artifact["name"])] = location
        found.append({"name": artifact["name"], "s3location": location})
    return found


def publish_variables(execution: Execution, action: ActionRun) -> None:
    namespace = action.definition.get("namespace")
    if namespace and action.output_variables:
        execution.namespaces[str(namespace)] = dict(action.output_variables)
