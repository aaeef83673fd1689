"""What pipectl registers from a task definition file, decided once for validate and create.

People save task definitions from ``aws ecs describe-task-definition`` (often the
whole ``{"taskDefinition": {...}}`` answer) or export them from the console (dozens
of ``null`` fields). RegisterTaskDefinition refuses the keys only ECS sets, and
botocore refuses ``null`` for any parameter, so pipectl unwraps the answer and drops
both; ``validate`` reports each kind once, as a warning, and checks what remains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipectl.spec.yaml_source import FieldPath

#: What DescribeTaskDefinition returns and RegisterTaskDefinition does not take.
DESCRIBE_ONLY_KEYS = ("taskDefinitionArn", "revision", "status", "requiresAttributes",
                      "compatibilities", "registeredAt", "registeredBy", "deregisteredAt",
                      "deleteRequestedAt")
WRAPPER = "taskDefinition"


@dataclass(frozen=True)
class TaskDefinitionInput:
    """The RegisterTaskDefinition input, and what was taken out of the file to get it."""

    data: Any
    prefix: FieldPath = ()  # ("taskDefinition",) when the file is describe output
    dropped_keys: tuple[str, ...] = ()  # ECS-set keys, in file order
    nulls: tuple[FieldPath, ...] = field(default_factory=tuple)  # relative to ``prefix``


def normalise(data: Any) -> TaskDefinitionInput:
    """The task definition inside ``data``, without ECS-set keys and ``null`` values."""
    prefix: FieldPath = ()
    if isinstance(data, dict) and isinstance(data.get(WRAPPER), dict) \
            and "containerDefinitions" not in data:
        data, prefix = data[WRAPPER], (WRAPPER,)
    if not isinstance(data, dict):
        return TaskDefinitionInput(data, prefix)
    dropped = tuple(k for k in data if k in DESCRIBE_ONLY_KEYS)
    nulls: list[FieldPath] = []
    kept = _without_nulls({k: v for k, v in data.items() if k not in dropped}, (), nulls)
    return TaskDefinitionInput(kept, prefix, dropped, tuple(nulls))


def _without_nulls(value: Any, path: FieldPath, nulls: list[FieldPath]) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if item is None:
                nulls.append((*path, key))
            else:
                out[key] = _without_nulls(item, (*path, key), nulls)
        return out
    if isinstance(value, list):
        # A null list item is not an absent field: it stays, and the shape check reports it.
        return [_without_nulls(item, (*path, i), nulls) for i, item in enumerate(value)]
    return value
