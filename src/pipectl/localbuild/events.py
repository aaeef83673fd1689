"""What a local build reports as it goes, in order. The CLI renders these; nothing else."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PhaseStarted:
    phase: str


@dataclass(frozen=True)
class CommandStarted:
    phase: str
    command: str
    block: str  # "commands" | "finally"
    line: int | None  # where the command is in the buildspec


@dataclass(frozen=True)
class OutputLine:
    """One line the command printed (stdout and stderr merged, as in CodeBuild's log)."""

    phase: str
    text: str


@dataclass(frozen=True)
class CommandFinished:
    phase: str
    command: str
    exit_code: int
    seconds: float


@dataclass(frozen=True)
class PhaseFinished:
    phase: str
    succeeded: bool
    seconds: float
    failed_command: str | None = None
    failed_line: int | None = None
    exit_code: int | None = None


@dataclass(frozen=True)
class PhaseSkipped:
    phase: str
    reason: str


@dataclass(frozen=True)
class Notice:
    """Something the user should know that is not a failure (what runs differently here)."""

    message: str
    phase: str | None = None


@dataclass(frozen=True)
class ArtifactsChecked:
    base_directory: str
    found: tuple[str, ...]
    missing: tuple[str, ...]  # patterns of artifacts.files that matched no file


@dataclass(frozen=True)
class BuildFinished:
    succeeded: bool
    seconds: float
    failed_phase: str | None = None
    failed_command: str | None = None
    failed_line: int | None = None
    exit_code: int | None = None
    exported: dict[str, str] = field(default_factory=dict)


BuildEvent = (
    PhaseStarted | CommandStarted | OutputLine | CommandFinished | PhaseFinished
    | PhaseSkipped | Notice | ArtifactsChecked | BuildFinished
)

_NAMES = {
    PhaseStarted: "phase_started",
    CommandStarted: "command_started",
    OutputLine: "output",
    CommandFinished: "command_finished",
    PhaseFinished: "phase_finished",
    PhaseSkipped: "phase_skipped",
    Notice: "notice",
    ArtifactsChecked: "artifacts_checked",
    BuildFinished: "build_finished",
}


def event_name(event: BuildEvent) -> str:
    return _NAMES[type(event)]


def event_to_dict(event: BuildEvent) -> dict[str, Any]:
    """The event as one JSON object: ``{"event": "output", "phase": ..., "text": ...}``."""
    data: dict[str, Any] = {"event": event_name(event)}
    for item in dataclasses.fields(event):
        value = getattr(event, item.name)
        data[item.name] = list(value) if isinstance(value, tuple) else value
    return data
