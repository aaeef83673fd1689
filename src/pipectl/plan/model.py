"""The plan: per resource, what will happen and which fields differ."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipectl.plan.requests import Instruction


class Action(str, enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    NO_CHANGE = "no-change"
    DELETE = "delete"
    KEEP = "keep"  # destroy leaves it alone (see the step's note)


@dataclass(frozen=True)
class FieldDiff:
    """One field that differs; ``None`` means absent on that side."""

    field: str
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class Observed:
    """What AWS reports about one resource, reduced to comparable fields."""

    fields: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    #: Facts the update or delete needs (an ARN, a version, the running image).
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    kind: str  # the planner's kind, e.g. "iam-role"
    title: str  # for people, e.g. "IAM role"
    name: str
    action: Action
    diffs: tuple[FieldDiff, ...] = ()
    desired: Any = None
    observed: Observed | None = None
    note: str = ""
    #: What the executor sends to apply the step (the planner's create, update or delete).
    requests: tuple[Instruction, ...] = ()

    @property
    def changes(self) -> bool:
        return self.action is not Action.NO_CHANGE and self.action is not Action.KEEP

    def to_dict(self, *, calls: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "resource": self.title,
            "kind": self.kind,
            "name": self.name,
            "action": self.action.value,
            "changes": [d.to_dict() for d in self.diffs],
        }
        if self.note:
            data["note"] = self.note
        if calls and self.changes:
            data["calls"] = [r.to_dict() for r in self.requests]
        return data


@dataclass(frozen=True)
class Plan:
    pipeline: str
    steps: tuple[Step, ...]

    @property
    def pending(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.changes)

    @property
    def has_changes(self) -> bool:
        return bool(self.pending)

    def step(self, kind: str, name: str | None = None) -> Step:
        for s in self.steps:
            if s.kind == kind and (name is None or s.name == name):
                return s
        raise KeyError(f"{kind} {name or ''}".strip())

    def counts(self) -> dict[str, int]:
        out = {a.value: 0 for a in Action}
        for s in self.steps:
            out[s.action.value] += 1
        return {k: v for k, v in out.items() if v}

    def to_dict(self, *, calls: bool = False) -> dict[str, Any]:
        """``calls``: each changing resource also lists the AWS calls applying sends."""
        return {
            "pipeline": self.pipeline,
            "changes_pending": self.has_changes,
            "summary": self.counts(),
            "resources": [s.to_dict(calls=calls) for s in self.steps],
        }
