"""Answers that report a failure in their body instead of as an error.

EventBridge's PutTargets and RemoveTargets answer 200 with ``FailedEntryCount``; S3's
DeleteObjects answers 200 with ``Errors`` for the objects it kept. The executor makes
each an error, so a step never counts as done when AWS did only part of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipectl.errors import AwsError
from pipectl.plan.requests import Request


def refusal_in(request: Request, answer: Mapping[str, Any]) -> AwsError | None:
    """The error ``answer`` reports for ``request`` in its body, if it reports one."""
    if answer.get("FailedEntryCount"):
        first = (answer.get("FailedEntries") or [{}])[0]
        return AwsError(
            f"{request.name} on {request.resource} failed for target "
            f"{first.get('TargetId')}: {first.get('ErrorMessage') or 'no reason given'}",
            code=str(first.get("ErrorCode") or "FailedEntry"),
            operation=request.name, resource=request.resource)
    errors = answer.get("Errors") if request.operation == "DeleteObjects" else None
    if errors:
        first = errors[0]
        return AwsError(
            f"{request.name} on {request.resource}: {len(errors)} objects were not deleted "
            f"({first.get('Key')}: {first.get('Code')} {first.get('Message')})",
            operation=request.name, resource=request.resource, code=first.get("Code"),
            hint="check the caller's s3:DeleteObjectVersion permission; then re-run")
    return None
