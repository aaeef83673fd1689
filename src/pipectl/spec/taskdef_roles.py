"""The task definition's roles: an IAM role ARN or a role name, nothing else.

pipectl puts these roles in the pipeline role's ``iam:PassRole`` statement, and ECS
passes them to the tasks. Files copied from tutorials and templates often still hold
a placeholder (``{{EXEC_ROLE}}``, ``<role>``, ``arn:aws:iam::ACCOUNT_ID:role/...``,
``ECS_TASK_EXECUTION_ROLE``): ECS refuses the first kinds at registration, and a
placeholder that happens to be a valid name grants nothing and fails every task start.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from pipectl.errors import Finding, Location
from pipectl.spec.names import IAM_ROLE_ARN, IAM_ROLE_NAME
from pipectl.spec.yaml_source import FieldPath

ROLE_FIELDS = ("executionRoleArn", "taskRoleArn")
# CAPITALS_AND_UNDERSCORES reads as a template variable, not as somebody's role name.
_PLACEHOLDER_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\Z")


class RoledDocument(Protocol):
    """What the checks read of a task definition (``taskdef.TaskDefinitionDocument``, which
    imports this module: a protocol here keeps the two out of an import cycle)."""

    @property
    def data(self) -> dict[str, Any]: ...

    def locate(self, path: FieldPath, *, prefer_key: bool = False) -> Location: ...


def role_findings(doc: RoledDocument) -> list[Finding]:
    out: list[Finding] = []
    for key in ROLE_FIELDS:
        value = doc.data.get(key)
        if not isinstance(value, str):
            continue  # absent, or the shape check reported its type
        problem = role_problem(value)
        if problem is not None:
            out.append(Finding(
                "error", f"{key} {problem}", doc.locate((key,)),
                hint="an IAM role ARN (arn:aws:iam::123456789012:role/ecsTaskExecutionRole) or "
                     "a role name; pipectl grants iam:PassRole on it", code="role"))
    return out


def role_problem(value: str) -> str | None:
    """Why ``value`` is not a role pipectl can grant PassRole on, or None."""
    if value.startswith("arn:"):
        if IAM_ROLE_ARN.match(value):
            return None
        return "is not an IAM role ARN (a placeholder left in?)" if any(
            ch in value for ch in "{}<>$*") or ":iam::" in value else \
            "is not an IAM role ARN"
    if _PLACEHOLDER_NAME.match(value):
        return ("reads as a placeholder (capitals and underscores), not a role name; if the "
                "role is really named so, give its ARN")
    if not IAM_ROLE_NAME.match(value):
        return "is neither an IAM role ARN nor a role name (a placeholder left in?)"
    return None
