"""Lint IAM policies with parliament, and check the rules parliament leaves to us.

Rules:
- parliament (its own auditors and its community auditors) reports nothing, except
  the two findings listed in :data:`ACCEPTED`, each of which is a permission the
  pipeline cannot work without and which is checked for its narrowing elsewhere;
- no Allow statement names a wildcard action (``*``, ``s3:*``, ``ecr:Put*``);
- ``"Resource": "*"`` appears only in statements whose every action supports no
  resource type in IAM's service authorization data (the copy parliament ships).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable
from functools import cache
from typing import Any

with warnings.catch_warnings():
    # parliament imports pkg_resources, which warns about its own deprecation.
    warnings.simplefilter("ignore")
    import parliament

#: (issue, the lower-cased actions parliament names) that are accepted, and why.
ACCEPTED: dict[tuple[str, tuple[str, ...]], str] = {
    ("CREDENTIALS_EXPOSURE", ("ecr:getauthorizationtoken",)):
        "docker login to ECR needs it; the token is limited by the role's ECR statements",
    ("PERMISSIONS_MANAGEMENT_ACTIONS", ("iam:passrole",)):
        "the ECS deploy action passes the task's roles; limited to those ARNs and to "
        "iam:PassedToService ecs-tasks.amazonaws.com (test_pass_role_is_narrow)",
    ("RESOURCE_STAR", ("ecs:listtasks",)):
        "AWS authorizes ListTasks on '*' (a Fargate service has no container instance, its "
        "one resource type); the statement is narrowed by ArnEquals on ecs:cluster, which "
        "star_resources checks",
}

#: Actions that AWS authorizes on "*" although IAM's data lists a resource type, and
#: the condition key that must narrow them instead (the Service Authorization Reference:
#: ListTasks names container instances, which a Fargate service does not have).
STAR_WITH_CONDITION: dict[str, tuple[str, str]] = {
    "ecs:ListTasks": ("ArnEquals", "ecs:cluster"),
}


#: Accepted only in trust policies, where sts:AssumeRole is the one action there is.
ACCEPTED_IN_TRUST: dict[tuple[str, tuple[str, ...]], str] = {
    ("CREDENTIALS_EXPOSURE", ("sts:assumerole",)):
        "a trust policy exists to let its one service principal assume the role",
}


def _key(finding: Any) -> tuple[str, tuple[str, ...]]:
    location = finding.location if isinstance(finding.location, dict) else {}
    named = location.get("actions")
    if not named and isinstance(finding.detail, list):
        named = finding.detail  # RESOURCE_STAR names its actions in the detail
    actions = tuple(sorted(str(a).lower() for a in named or []))
    return (finding.issue, actions)


def describe(finding: Any) -> str:
    return f"{finding.issue}: {finding.detail} at {finding.location}"


def parliament_findings(
    policy: dict[str, Any], accepted: Iterable[tuple[str, tuple[str, ...]]] = ACCEPTED
) -> list[str]:
    """What parliament reports on an identity policy, less the accepted findings."""
    allowed = set(accepted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analyzed = parliament.analyze_policy_string(
            json.dumps(policy), include_community_auditors=True
        )
    return [describe(f) for f in analyzed.findings if _key(f) not in allowed]


def trust_policy_findings(policy: dict[str, Any], role_arn: str) -> list[str]:
    """Lint a role's trust policy.

    parliament reads every document as an identity policy and reports a trust policy's
    statements as MALFORMED for lacking ``Resource`` (a resource policy has none: it
    applies to the role it is attached to). Linting it with the role's ARN as the
    resource checks everything else in it (actions, principals, conditions) without
    that false positive.
    """
    statements = []
    for stmt in _statements(policy):
        if "Resource" in stmt or "NotResource" in stmt:
            raise AssertionError(f"a trust policy statement names a resource: {stmt}")
        statements.append({**stmt, "Resource": role_arn})
    return parliament_findings({**policy, "Statement": statements},
                               {*ACCEPTED, *ACCEPTED_IN_TRUST})


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    stmts = policy["Statement"]
    return stmts if isinstance(stmts, list) else [stmts]


def _as_list(value: str | Iterable[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


@cache
def resource_types(action: str) -> tuple[str, ...]:
    """The resource types IAM lets ``action`` be scoped to (empty: none, ``*`` only)."""
    prefix, name = action.split(":", 1)
    for service in parliament.iam_definition:
        if service["prefix"] != prefix:
            continue
        for privilege in service["privileges"]:
            if privilege["privilege"].lower() == name.lower():
                return tuple(
                    r["resource_type"] for r in privilege["resource_types"] if r["resource_type"]
                )
    raise AssertionError(f"{action} is not in IAM's service authorization data")


def wildcard_actions(policy: dict[str, Any]) -> list[str]:
    """Wildcard actions (and NotAction / NotResource) in Allow statements."""
    problems = []
    for stmt in _statements(policy):
        if stmt.get("Effect") != "Allow":
            continue  # a broad Deny only narrows what is allowed
        sid = stmt.get("Sid", "?")
        if "NotAction" in stmt or "NotResource" in stmt:
            problems.append(f"{sid}: NotAction/NotResource in an Allow statement")
        problems += [f"{sid}: wildcard action {a!r}"
                     for a in _as_list(stmt.get("Action", [])) if "*" in a]
    return problems


def star_resources(policy: dict[str, Any]) -> list[str]:
    """``Resource: *`` in an Allow statement with an action IAM lets be scoped."""
    problems = []
    for stmt in _statements(policy):
        if stmt.get("Effect") != "Allow" or "*" not in _as_list(stmt.get("Resource", [])):
            continue
        for action in _as_list(stmt.get("Action", [])):
            narrowed_by = STAR_WITH_CONDITION.get(action)
            if narrowed_by is not None:
                operator, key = narrowed_by
                if not (stmt.get("Condition") or {}).get(operator, {}).get(key):
                    problems.append(f"{stmt.get('Sid', '?')}: {action} on Resource '*' "
                                    f"without a {operator} condition on {key}")
                continue
            if "*" not in action and resource_types(action):
                problems.append(f"{stmt.get('Sid', '?')}: {action} on Resource '*' although "
                                f"IAM lets it be scoped to {', '.join(resource_types(action))}")
    return problems
