"""Semantic comparison: reduce both sides to a canonical form, then diff field by field.

AWS hands documents back differently from how they went in: IAM reorders keys and
turns one-element lists into strings (or the reverse), URL-encodes policies on the
wire, fills in defaults (runOrder 1, empty artifact lists). Canonical forms absorb all
that, so an unchanged spec yields an empty plan.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

from pipectl.plan.masking import masked
from pipectl.plan.model import FieldDiff

_LIST_KEYS = ("Action", "NotAction", "Resource", "NotResource")


def parse_document(document: Any) -> Any:
    """A policy as IAM/S3/ECR return it: a dict, JSON text, or URL-encoded JSON text."""
    if isinstance(document, str):
        text = document.strip()
        if text.startswith("%7B") or text.startswith("%7b"):
            text = urllib.parse.unquote(text)
        return json.loads(text)
    return document


def _as_sorted_list(value: Any) -> list[Any]:
    items = value if isinstance(value, list) else [value]
    return sorted({json.dumps(i, sort_keys=True): i for i in items}.values(),
                  key=lambda i: json.dumps(i, sort_keys=True))


def _canonical_statement(stmt: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in stmt.items():
        if key in _LIST_KEYS:
            out[key] = _as_sorted_list(value)
        elif key in ("Principal", "NotPrincipal") and isinstance(value, Mapping):
            out[key] = {k: _as_sorted_list(v) for k, v in value.items()}
        elif key == "Condition" and isinstance(value, Mapping):
            out[key] = {
                op: {k: _as_sorted_list(v) for k, v in (cond or {}).items()}
                for op, cond in value.items()
            }
        else:
            out[key] = value
    return out


def canonical_policy(document: Any) -> dict[str, Any]:
    """An IAM-style policy in a form where equal policies compare equal.

    Statements with unique ``Sid``s become a mapping by Sid (so a diff names the
    statement); otherwise a sorted list.
    """
    doc = parse_document(document) or {}
    statements = doc.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    canon = [_canonical_statement(s) for s in statements]
    sids = [s.get("Sid") for s in canon]
    body: Any
    if all(isinstance(s, str) and s for s in sids) and len(set(sids)) == len(sids):
        body = {str(s["Sid"]): {k: v for k, v in s.items() if k != "Sid"} for s in canon}
    else:
        body = sorted(canon, key=lambda s: json.dumps(s, sort_keys=True))
    out: dict[str, Any] = {"Statement": body}
    if "Version" in doc:
        out["Version"] = doc["Version"]
    return out


def _named_items(value: list[Any]) -> bool:
    names = [i.get("name") for i in value if isinstance(i, Mapping)]
    return (bool(value) and len(names) == len(value)
            and all(isinstance(n, str) for n in names) and len(set(names)) == len(names))


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings to dotted paths; lists of uniquely named items are keyed by name."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and _named_items(value):
        return flatten({str(i["name"]): {k: v for k, v in i.items() if k != "name"}
                        for i in value}, prefix)
    if isinstance(value, list) and value and all(isinstance(i, Mapping) for i in value):
        # e.g. lifecycle rules: by position, so a diff names the one value that moved
        out = {}
        for index, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{index}]"))
        return out
    return {prefix: value}


def diff_fields(desired: Mapping[str, Any], observed: Mapping[str, Any]) -> list[FieldDiff]:
    """Field-level differences, in the desired state's field order."""
    want, have = flatten(desired), flatten(observed)
    keys = list(want) + [k for k in have if k not in want]
    return [
        FieldDiff(k, *masked(k, have.get(k), want.get(k)))
        for k in keys
        if have.get(k) != want.get(k)
        and not _empty_parent(k, have, want)
        and not _empty_parent(k, want, have)
    ]


def _empty_parent(key: str, side: dict[str, Any], other: dict[str, Any]) -> bool:
    """An empty list or mapping on one side whose items the other side lists one by one.

    ``[]`` flattens to itself while ``[{...}]`` flattens to ``key[0].field`` rows; those
    rows already say what changed, so the bare ``key: [] -> None`` row would be noise.
    """
    return (
        side.get(key) in ([], {})
        and key not in other
        and any(k.startswith((f"{key}[", f"{key}.")) for k in other)
    )


def shaped_like(observed: Any, desired: Any) -> Any:
    """``observed`` reduced to the keys ``desired`` has, recursively.

    For documents where AWS adds many defaults (a task definition's containers get
    ``essential``, ``mountPoints``, ``cpu: 0``...): only what the spec states is compared.
    """
    if isinstance(desired, Mapping) and isinstance(observed, Mapping):
        return {k: shaped_like(observed[k], v) for k, v in desired.items() if k in observed}
    if isinstance(desired, list) and isinstance(observed, list) and len(desired) == len(observed):
        return [shaped_like(o, d) for o, d in zip(observed, desired, strict=True)]
    return observed
