"""A build's PARAMETER_STORE and SECRETS_MANAGER variables, resolved as CodeBuild does.

CodeBuild reads them as the project's role when the build is provisioned: the SSM
parameter (``ssm:GetParameters``) or the Secrets Manager secret, whole or one JSON key
(``secretsmanager:GetSecretValue``). A missing one, or one the role may not read, fails
PROVISIONING with CodeBuild's status code and message. Their values are then masked in
the build's log, as CodeBuild masks them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipectl.sandbox.codebuild import access
from pipectl.sandbox.permissions import Caller

MASK = "***"
Failure = tuple[str, str]


@dataclass
class Resolved:
    values: dict[str, str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)  # what the log must never show
    failure: Failure | None = None


def _parameter(account: str, region: str, name: str) -> str | None:
    from moto.ssm.models import ssm_backends

    found = ssm_backends[account][region].get_parameter(name)
    return None if found is None else str(found.value)


def _split_secret_reference(ref: str) -> tuple[str, str, str, str]:
    """``secret-id[:json-key[:version-stage[:version-id]]]``; an id may be a whole ARN."""
    if ref.startswith("arn:"):
        parts = ref.split(":")
        secret_id, rest = ":".join(parts[:7]), parts[7:]
    else:
        secret_id, *rest = ref.split(":")
    rest += [""] * (3 - len(rest))
    return secret_id, rest[0], rest[1], rest[2]


def _secret(caller: Caller, ref: str) -> tuple[str | None, Failure | None]:
    from moto.secretsmanager.models import secretsmanager_backends

    secret_id, json_key, stage, version = _split_secret_reference(ref)
    backend = secretsmanager_backends[caller.account][caller.region]
    if secret_id not in backend.secrets:
        return None, ("Secrets Manager Error", "ResourceNotFoundException: Secrets Manager "
                      f"can't find the specified secret. (secret {secret_id})")
    arn = str(backend.secrets[secret_id].arn)
    denied = access.read_secret(caller, arn)
    if denied is not None:
        return None, ("Secrets Manager Error", f"AccessDeniedException: {denied.message}")
    try:
        # moto's hints say str, but it takes None for "not given" (the API's default).
        answer = backend.get_secret_value(
            secret_id, version or None, stage or None)  # type: ignore[arg-type]
    except Exception as exc:
        return None, ("Secrets Manager Error", f"{type(exc).__name__}: {exc}")
    text = str(answer.get("SecretString") or "")
    if not json_key:
        return text, None
    try:
        value = json.loads(text)[json_key]
    except (ValueError, KeyError, TypeError):
        return None, ("Secrets Manager Error", f"Secret {secret_id} has no JSON key {json_key}")
    return str(value), None


def resolve(caller: Caller, variables: Sequence[Mapping[str, Any]]) -> Resolved:
    """The values of the project's secret variables, or the failure CodeBuild reports."""
    resolved = Resolved()
    for variable in variables:
        kind = str(variable.get("type") or "PLAINTEXT")
        name, ref = str(variable.get("name")), str(variable.get("value") or "")
        if kind == "PARAMETER_STORE":
            denied = access.read_parameters(caller, [ref])
            if denied is not None:
                resolved.failure = ("Decrypted Variables Error",
                                    f"AccessDeniedException: {denied.message}")
                return resolved
            value = _parameter(caller.account, caller.region, ref)
            if value is None:
                resolved.failure = ("Decrypted Variables Error",
                                    f"parameter does not exist: {ref}")
                return resolved
        elif kind == "SECRETS_MANAGER":
            found, failure = _secret(caller, ref)
            if failure is not None or found is None:
                resolved.failure = failure
                return resolved
            value = found
        else:
            continue
        resolved.values[name] = value
        resolved.secrets.append(value)
    return resolved


def mask(text: str, secrets: list[str]) -> str:
    """Every secret value in a log line replaced, longest first (one may hold another)."""
    for value in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(value, MASK)
    return text
