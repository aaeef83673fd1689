"""What an import produces: the files' contents and what the spec could not hold."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

#: Why a setting is reported: pipectl leaves it as it is, or its next create/update
#: changes it (the plan shows that change).
LEFT_AS_IS = "the spec cannot hold it; pipectl leaves it as it is"
CHANGED_BY_CREATE = "the spec cannot hold it; the next `pipectl create` or `update` changes it"


@dataclass(frozen=True)
class Unexpressible:
    """One live setting the spec cannot describe."""

    resource: str  # e.g. "CodeBuild project hello-build"
    field: str  # the field as AWS names it, e.g. "logsConfig.s3Logs.status"
    value: Any
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"resource": self.resource, "field": self.field, "value": self.value,
                "why": self.why}

    def __str__(self) -> str:
        value = self.value if isinstance(self.value, str) else json.dumps(self.value,
                                                                           default=str)
        return f"{self.resource}: {self.field} = {value}: {self.why}"


@dataclass
class Notes:
    """Collects what the translation could not express, per resource."""

    items: list[Unexpressible] = field(default_factory=list)

    def add(self, resource: str, field_path: str, value: Any, why: str = LEFT_AS_IS) -> None:
        self.items.append(Unexpressible(resource, field_path, value, why))


@dataclass(frozen=True)
class ImportedPipeline:
    """The files of an adopted pipeline, ready to write."""

    pipeline: str
    spec: dict[str, Any]  # the spec as data, in the order it is written
    task_definition: dict[str, Any]  # RegisterTaskDefinition's input
    buildspec: str | None  # the project's inline buildspec, if it has one
    warnings: tuple[Unexpressible, ...] = ()
