"""A container health check whose command ECS registers but Docker does not run as meant.

ECS API reference, HealthCheck.command: "The string array must start with CMD to run the
command arguments directly, or CMD-SHELL to run the command with the container's default
shell" (botocore's ECS model carries the same text). RegisterTaskDefinition takes any
string list, so ``["curl -f http://localhost/"]`` registers; Docker then reads the first
item as the kind of probe, finds none it knows, and the check never runs the command.
A warning, not an error: ECS accepts the file.
"""

from __future__ import annotations

import json

from pipectl.errors import Finding
from pipectl.spec.taskdef_roles import RoledDocument
from pipectl.spec.yaml_source import FieldPath

PROBE_KINDS = ("CMD", "CMD-SHELL")


def health_check_findings(doc: RoledDocument) -> list[Finding]:
    out: list[Finding] = []
    defs = doc.data.get("containerDefinitions")
    if not isinstance(defs, list):
        return out
    for i, container in enumerate(defs):
        if not isinstance(container, dict):
            continue
        check = container.get("healthCheck")
        command = check.get("command") if isinstance(check, dict) else None
        if not isinstance(command, list) or not all(isinstance(c, str) for c in command):
            continue  # absent, or the shape check reported its type
        if command and command[0] in PROBE_KINDS:
            continue
        path: FieldPath = ("containerDefinitions", i, "healthCheck", "command")
        name = container.get("name")
        who = f"container '{name}'" if isinstance(name, str) else f"container {i + 1}"
        started = f"starts with {command[0]!r}" if command else "is empty"
        shell_form = ["CMD-SHELL", " ".join(command) or "curl -f http://localhost/ || exit 1"]
        out.append(Finding(
            "warning", f"the health check command of {who} {started}, not CMD or CMD-SHELL: "
            "ECS registers it, but the check does not run the command",
            doc.locate((*path, 0) if command else path),
            hint=f'run it with the container\'s shell: "command": {json.dumps(shell_form)}',
            code="health-check-command"))
    return out
