"""The roles the run engine acts as, and IAM's verdict on each call it makes.

CodePipeline, CodeBuild and the ECS deploy action call AWS as the service role they
were given. The engine does the same: it assumes the role (its trust policy must let
the service in, with ``aws:SourceAccount``/``aws:SourceArn`` set as those services set
them), then authorizes each call against the role's inline and attached policies in
moto's IAM, with the resource ARN and condition keys the Service Authorization
Reference gives for that action. A refusal carries AWS's own AccessDenied wording.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from pipectl.sandbox.policy import ContextValue, Request, evaluate


class AccessDenied(Exception):
    """IAM refused a call: ``str(exc)`` is the message AWS gives."""

    def __init__(self, message: str, action: str, resource: str) -> None:
        super().__init__(message)
        self.message = message
        self.action = action
        self.resource = resource


class AssumeRoleDenied(Exception):
    """The service may not assume the role (missing, or its trust policy says no)."""


@dataclass(frozen=True)
class Caller:
    """A service acting as a role: the session AWS's messages name."""

    account: str
    region: str
    role_arn: str
    service: str  # the service principal, e.g. codebuild.amazonaws.com
    session: str
    documents: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)

    @property
    def session_arn(self) -> str:
        partition = self.role_arn.split(":")[1] if self.role_arn.count(":") >= 5 else "aws"
        name = self.role_arn.rsplit("/", 1)[-1]
        return f"arn:{partition}:sts::{self.account}:assumed-role/{name}/{self.session}"

    def authorize(
        self, action: str, resource: str, context: Mapping[str, ContextValue] | None = None
    ) -> None:
        """Raise :class:`AccessDenied` unless the role's policies allow the call."""
        full: dict[str, ContextValue] = {
            "aws:PrincipalArn": self.role_arn,
            "aws:PrincipalAccount": self.account,
            "aws:PrincipalType": "AssumedRole",
            "aws:RequestedRegion": self.region,
            "aws:SecureTransport": "true",
            "aws:ViaAWSService": "false",
            **(context or {}),
        }
        decision = evaluate(self.documents, Request(action, resource, full))
        if decision.allowed:
            return
        why = (
            "with an explicit deny in an identity-based policy"
            if decision.explicit_deny
            else f"because no identity-based policy allows the {action} action"
        )
        raise AccessDenied(
            f"User: {self.session_arn} is not authorized to perform: {action} on resource: "
            f"{resource} {why}",
            action,
            resource,
        )


def authorize_log_writes(caller: Caller, group: str, stream: str, group_exists: bool) -> None:
    """What writing a log stream asks of the role: ``logs:CreateLogGroup`` when the group
    is missing, then ``logs:CreateLogStream`` and ``logs:PutLogEvents`` on the stream.
    Raises :class:`AccessDenied` for the first call the role may not make."""
    group_arn = f"arn:aws:logs:{caller.region}:{caller.account}:log-group:{group}"
    stream_arn = f"{group_arn}:log-stream:{stream}"
    calls = [("logs:CreateLogStream", stream_arn), ("logs:PutLogEvents", stream_arn)]
    if not group_exists:
        calls.insert(0, ("logs:CreateLogGroup", group_arn))
    for action, resource in calls:
        caller.authorize(action, resource)


def _iam_role(account: str, role_arn: str) -> Any | None:
    from moto.iam.models import iam_backends

    partition = role_arn.split(":")[1] if role_arn.startswith("arn:") else "aws"
    backend = iam_backends[account][partition]
    for role in backend.roles.values():
        if role.arn == role_arn:
            return role
    return None


def _document(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    raw = str(text)
    try:
        loaded = json.loads(raw)
    except ValueError:
        loaded = json.loads(unquote(raw))
    return loaded if isinstance(loaded, dict) else {}


def role_documents(role: Any) -> list[dict[str, Any]]:
    """The role's identity policies: inline ones and the default version of each attached."""
    documents = [_document(text) for text in role.policies.values()]
    for policy in role.managed_policies.values():
        default = next((v for v in policy.versions if v.is_default), None)
        if default is not None:
            documents.append(_document(default.document))
    return documents


def _principal_names(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if not isinstance(principal, dict):
        return []
    names: list[str] = []
    for value in principal.values():
        names.extend([value] if isinstance(value, str) else [str(v) for v in value or []])
    return names


def _trust_allows(role: Any, service: str, context: Mapping[str, ContextValue]) -> bool:
    trust = _document(role.assume_role_policy_document)
    body = trust.get("Statement") or []
    relevant = []
    for statement in body if isinstance(body, list) else [body]:
        names = _principal_names(statement)
        if service in names or "*" in names or statement.get("Effect") == "Deny":
            relevant.append({**statement, "Resource": role.arn})
    request = Request("sts:AssumeRole", role.arn, context)
    return evaluate([{"Statement": relevant}], request).allowed


def assume(
    *, account: str, region: str, role_arn: str, service: str, source_arn: str,
    session: str | None = None,
) -> Caller:
    """The service assumes the role, as it does before every action or build."""
    role = _iam_role(account, role_arn) if role_arn else None
    context = {"aws:SourceAccount": account, "aws:SourceArn": source_arn}
    if role is None or not _trust_allows(role, service, context):
        raise AssumeRoleDenied(role_arn or "(none)")
    return Caller(
        account=account,
        region=region,
        role_arn=role_arn,
        service=service,
        session=session or str(random.randrange(10**12, 10**13)),
        documents=tuple(role_documents(role)),
    )
