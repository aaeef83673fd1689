"""IAM's policy evaluation logic for identity policies, as AWS documents it.

The sandbox asks it whether a role may make a call: an explicit ``Deny`` wins, then any
``Allow``, else the call is implicitly denied. A statement applies when its action,
resource and every condition match the request: actions match case-insensitively with
``*``/``?`` wildcards, resources case-sensitively, ``NotAction``/``NotResource`` invert
the match, and conditions follow the operator table of the IAM JSON policy reference
(``...IfExists``, ``ForAnyValue:``/``ForAllValues:``, a missing key matching only the
negated operators). Pure: documents and the request in, a decision out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

ContextValue = str | Sequence[str]


@dataclass(frozen=True)
class Request:
    """One call as IAM authorizes it: the action, the resource ARN, the condition keys."""

    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)

    def values(self, key: str) -> list[str] | None:
        for name, value in self.context.items():
            if name.lower() == key.lower():
                return [value] if isinstance(value, str) else list(value)
        return None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    explicit_deny: bool = False


@lru_cache(maxsize=512)
def _pattern(glob: str, case_sensitive: bool) -> re.Pattern[str]:
    regex = "".join(
        ".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in glob
    )
    return re.compile(f"^{regex}$", 0 if case_sensitive else re.IGNORECASE | re.DOTALL)


def glob_match(glob: str, value: str, *, case_sensitive: bool = True) -> bool:
    return _pattern(glob, case_sensitive).match(value) is not None


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def arn_match(pattern: str, arn: str) -> bool:
    """ArnLike: each of the six colon-separated parts is matched on its own."""
    wanted, given = pattern.split(":", 5), arn.split(":", 5)
    if len(wanted) != 6 or len(given) != 6:
        return glob_match(pattern, arn)
    return all(glob_match(w, g) for w, g in zip(wanted, given, strict=True))


def _bool(policy: str, value: str) -> bool:
    return policy.lower() == value.lower()


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    def match(policy: str, value: str) -> bool:
        try:
            return compare(float(value), float(policy))
        except ValueError:
            return False

    return match


# Each positive operator: how one policy value matches one request value.
_POSITIVE: dict[str, Callable[[str, str], bool]] = {
    "stringequals": lambda p, v: p == v,
    "stringequalsignorecase": lambda p, v: p.lower() == v.lower(),
    "stringlike": lambda p, v: glob_match(p, v),
    "arnequals": arn_match,
    "arnlike": arn_match,
    "bool": _bool,
    "numericequals": _numeric(lambda v, p: v == p),
    "numericlessthan": _numeric(lambda v, p: v < p),
    "numericlessthanequals": _numeric(lambda v, p: v <= p),
    "numericgreaterthan": _numeric(lambda v, p: v > p),
    "numericgreaterthanequals": _numeric(lambda v, p: v >= p),
}
# A negated operator is the negation of its positive twin.
_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
    "numericnotequals": "numericequals",
}


class UnsupportedCondition(ValueError):
    """A condition operator this evaluator does not know: deny rather than guess."""


def _condition_matches(operator: str, key: str, wanted: list[str], request: Request) -> bool:
    name = operator.lower()
    set_prefix = ""
    for prefix in ("foranyvalue:", "forallvalues:"):
        if name.startswith(prefix):
            set_prefix, name = prefix, name[len(prefix):]
    if_exists = name.endswith("ifexists")
    if if_exists:
        name = name[: -len("ifexists")]
    present = request.values(key)
    if name == "null":
        return (present is None) == _bool(wanted[0] if wanted else "true", "true")
    negated = name in _NEGATED
    base = _NEGATED.get(name, name)
    compare = _POSITIVE.get(base)
    if compare is None:
        raise UnsupportedCondition(operator)
    if present is None:
        # A missing key: ...IfExists and negated operators match, ForAllValues too
        # (it holds for every value of an empty set); nothing else does.
        return if_exists or negated or set_prefix == "forallvalues:"

    def one(value: str) -> bool:
        hit = any(compare(p, value) for p in wanted)
        return not hit if negated else hit

    if set_prefix == "forallvalues:":
        return all(one(v) for v in present)
    return any(one(v) for v in present)


def _statement_applies(statement: Mapping[str, Any], request: Request) -> bool:
    if "Action" in statement:
        actions = _as_list(statement["Action"])
        if not any(glob_match(a, request.action, case_sensitive=False) for a in actions):
            return False
    elif "NotAction" in statement:
        excluded = _as_list(statement["NotAction"])
        if any(glob_match(a, request.action, case_sensitive=False) for a in excluded):
            return False
    else:
        return False
    if "Resource" in statement:
        if not any(glob_match(r, request.resource) for r in _as_list(statement["Resource"])):
            return False
    elif "NotResource" in statement:
        if any(glob_match(r, request.resource) for r in _as_list(statement["NotResource"])):
            return False
    else:
        return False
    conditions = statement.get("Condition") or {}
    for operator, keys in conditions.items():
        for key, wanted in (keys or {}).items():
            if not _condition_matches(str(operator), str(key), _as_list(wanted), request):
                return False
    return True


def statements(documents: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for document in documents:
        body = document.get("Statement") or []
        found.extend(body if isinstance(body, list) else [body])
    return found


def evaluate(documents: Iterable[Mapping[str, Any]], request: Request) -> Decision:
    allowed = False
    for statement in statements(documents):
        try:
            applies = _statement_applies(statement, request)
        except UnsupportedCondition:
            # An operator we cannot read: a Deny is assumed to apply, an Allow not to.
            applies = statement.get("Effect") == "Deny"
        if not applies:
            continue
        if statement.get("Effect") == "Deny":
            return Decision(False, explicit_deny=True)
        if statement.get("Effect") == "Allow":
            allowed = True
    return Decision(allowed)
