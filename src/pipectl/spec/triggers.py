"""``pipeline.triggers``: V2 git triggers (push and pull request filters) on the source.

The shape follows CodePipeline's ``PipelineTriggerDeclaration`` (botocore's model):
at most 3 push and 3 pull-request filters, at most 8 patterns in each list, patterns
1-255 characters. A push filter takes tags, or branches (with file paths); a file path
filter needs a branch filter beside it (CodePipeline rejects it alone).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from pipectl.spec.model_base import Model, invalid

MAX_FILTERS = 3
MAX_PATTERNS = 8


class Patterns(Model):
    includes: list[str] = Field(default_factory=list,
                                description="Glob patterns that start a run (at most 8).")
    excludes: list[str] = Field(default_factory=list,
                                description="Glob patterns that never start one; they win "
                                "over includes (at most 8).")

    @field_validator("includes", "excludes")
    @classmethod
    def _patterns(cls, v: list[str]) -> list[str]:
        if len(v) > MAX_PATTERNS:
            raise invalid(f"at most {MAX_PATTERNS} patterns are allowed")
        for index, pattern in enumerate(v):
            if not 1 <= len(pattern) <= 255:
                raise invalid("a pattern must be 1-255 characters", at=(index,))
        return v

    @model_validator(mode="after")
    def _not_empty(self) -> Patterns:
        if not self.includes and not self.excludes:
            raise invalid("give includes, excludes or both", "or leave the filter out")
        return self

    def declaration(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in (("includes", self.includes),
                                         ("excludes", self.excludes)) if v}


class PushFilter(Model):
    branches: Patterns | None = Field(None, description="Branches whose pushes start a run.")
    tags: Patterns | None = Field(None, description="Git tags whose pushes start a run.")
    file_paths: Patterns | None = Field(None, description="Files a push must touch (with "
                                        "branches).")

    @model_validator(mode="after")
    def _combination(self) -> PushFilter:
        if self.tags is not None and (self.branches is not None or self.file_paths is not None):
            raise invalid("a push filter on tags cannot also filter branches or file paths",
                           "make it a separate push filter", at=("tags",))
        if self.file_paths is not None and self.branches is None:
            raise invalid("a file_paths filter needs branches beside it",
                           "add branches: {includes: [main]}", at=("file_paths",))
        if self.tags is None and self.branches is None:
            raise invalid("a push filter needs branches or tags")
        return self

    def declaration(self) -> dict[str, object]:
        return _filter_declaration(self.branches, self.tags, self.file_paths)


PullRequestEvent = Literal["OPEN", "UPDATED", "CLOSED"]


def _default_events() -> list[PullRequestEvent]:
    return ["OPEN", "UPDATED"]


class PullRequestFilter(Model):
    events: list[PullRequestEvent] = Field(
        default_factory=_default_events,
        description="Pull request events that start a run.")
    branches: Patterns = Field(description="Destination branches of the pull requests.")
    file_paths: Patterns | None = Field(None, description="Files the pull request must touch.")

    @field_validator("events")
    @classmethod
    def _events(cls, v: list[PullRequestEvent]) -> list[PullRequestEvent]:
        if not v or len(set(v)) != len(v):
            raise invalid("events: one to three of OPEN, UPDATED, CLOSED, each once")
        return v

    def declaration(self) -> dict[str, object]:
        return {"events": list(self.events),
                **_filter_declaration(self.branches, None, self.file_paths)}


class Triggers(Model):
    push: list[PushFilter] = Field(default_factory=list,
                                   description="Push filters (at most 3).")
    pull_request: list[PullRequestFilter] = Field(default_factory=list,
                                                  description="Pull request filters (at most "
                                                  "3).")

    @field_validator("push", "pull_request")
    @classmethod
    def _count(cls, v: list[object]) -> list[object]:
        if len(v) > MAX_FILTERS:
            raise invalid(f"at most {MAX_FILTERS} filters are allowed")
        return v

    @model_validator(mode="after")
    def _something(self) -> Triggers:
        if not self.push and not self.pull_request:
            raise invalid("triggers need push or pull_request filters",
                           "or leave pipeline.triggers out for a run on every push to "
                           "source.branch")
        return self

    def declaration(self, source_action: str) -> list[dict[str, object]]:
        """``triggers`` of CreatePipeline / UpdatePipeline."""
        git: dict[str, object] = {"sourceActionName": source_action}
        if self.push:
            git["push"] = [f.declaration() for f in self.push]
        if self.pull_request:
            git["pullRequest"] = [f.declaration() for f in self.pull_request]
        return [{"providerType": "CodeStarSourceConnection", "gitConfiguration": git}]


def _filter_declaration(branches: Patterns | None, tags: Patterns | None,
                        file_paths: Patterns | None) -> dict[str, object]:
    found: dict[str, object] = {}
    if branches is not None:
        found["branches"] = branches.declaration()
    if tags is not None:
        found["tags"] = tags.declaration()
    if file_paths is not None:
        found["filePaths"] = file_paths.declaration()
    return found
