"""A buildspec as the three readers of it need it: commands with their lines, phases, env."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipectl.buildspec.rules import CURRENT_VERSION, OnFailure
from pipectl.errors import Location
from pipectl.spec.yaml_source import SourceMap


@dataclass(frozen=True)
class Command:
    text: str
    line: int | None  # 1-based line in the buildspec
    location: Location | None = None


@dataclass(frozen=True)
class Phase:
    name: str  # install | pre_build | build | post_build
    commands: tuple[Command, ...] = ()
    finally_commands: tuple[Command, ...] = ()
    on_failure: OnFailure | None = None  # None: CodeBuild's default
    runtime_versions: dict[str, Any] = field(default_factory=dict)
    run_as: str | None = None

    @property
    def phase_type(self) -> str:
        return self.name.upper()


@dataclass(frozen=True)
class Buildspec:
    file: str  # as findings and logs name it
    version: str = CURRENT_VERSION
    shell: str = "sh"
    variables: dict[str, str] = field(default_factory=dict)
    parameter_store: tuple[str, ...] = ()  # names only: the values stay in AWS
    secrets_manager: tuple[str, ...] = ()
    exported_variables: tuple[str, ...] = ()
    phases: tuple[Phase, ...] = ()
    artifact_files: tuple[str, ...] = ()
    base_directory: str | None = None
    source: SourceMap | None = None

    @property
    def one_shell(self) -> bool:
        """0.2: one shell for the whole build; 0.1: a new shell for every command."""
        return self.version != "0.1"

    def phase(self, name: str) -> Phase | None:
        return next((p for p in self.phases if p.name == name), None)

    def commands(self) -> list[Command]:
        return [c for p in self.phases for c in (*p.commands, *p.finally_commands)]
