"""The exception hierarchy and the exit-code table, defined once.

Every failure pipectl reports is a :class:`PipectlError`. The CLI's single error
boundary (``pipectl.cli.main``) turns it into a message on stderr and the exit
code of its class; nothing else calls ``sys.exit``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ExitStatus(enum.IntEnum):
    SUCCESS = 0
    RUN_FAILED = 1  # the run or deployment failed (failed, stopped, rolled back)
    INVALID_INPUT = 2  # usage, spec, buildspec or task definition
    AWS_ERROR = 3  # credentials, permissions, missing resource, exhausted retries
    TIMED_OUT = 4  # timed out waiting
    CHANGES_PENDING = 5  # `plan --detailed-exitcode`: the plan is not empty
    INTERNAL_ERROR = 70  # a bug in pipectl (EX_SOFTWARE); --debug shows the traceback
    INTERRUPTED = 130  # Ctrl-C; the run goes on in AWS


@dataclass(frozen=True)
class Location:
    """Where in a file a problem is: ``file:line:column`` plus a field path."""

    file: str
    line: int | None = None
    column: int | None = None
    path: str | None = None  # dotted field path, e.g. ``build.compute_type``

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where


class PipectlError(Exception):
    """Base of every error pipectl reports. ``hint`` says what to do about it."""

    exit_status: ExitStatus = ExitStatus.AWS_ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InvalidInput(PipectlError):
    """Bad usage, spec, buildspec or task definition (exit 2)."""

    exit_status = ExitStatus.INVALID_INPUT


@dataclass(frozen=True)
class Finding:
    """One problem found in the user's input: an error or a warning."""

    severity: str  # "error" | "warning"
    message: str
    location: Location | None = None
    hint: str | None = None
    code: str = "invalid"

    def to_dict(self) -> dict[str, object]:
        loc = self.location
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "file": loc.file if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
            "field": loc.path if loc else None,
            "hint": self.hint,
        }

    def __str__(self) -> str:
        head = f"{self.location}: " if self.location else ""
        field = f"{self.location.path}: " if self.location and self.location.path else ""
        return f"{head}{field}{self.message}"


class SpecError(InvalidInput):
    """The spec (or a file it points to) is invalid; carries every finding."""

    def __init__(self, findings: list[Finding]) -> None:
        errors = [f for f in findings if f.severity == "error"]
        first = errors[0] if errors else findings[0]
        super().__init__(str(first), hint=first.hint)
        self.findings = findings


class AwsError(PipectlError):
    """AWS refused or failed (exit 3). Names the operation and the resource."""

    exit_status = ExitStatus.AWS_ERROR

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        resource: str | None = None,
        code: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.operation = operation
        self.resource = resource
        self.code = code


class NotFound(AwsError):
    """A resource pipectl needs does not exist in AWS."""


class NothingToActOn(PipectlError):
    """What the command acts on is not there: no run in progress to stop, no failed stage
    to retry, no sandbox running (exit 3, like a missing resource)."""

    exit_status = ExitStatus.AWS_ERROR


class RunFailed(PipectlError):
    """The run or deployment failed, was stopped, superseded or rolled back (exit 1)."""

    exit_status = ExitStatus.RUN_FAILED


class WaitTimedOut(PipectlError):
    """Gave up waiting (exit 4)."""

    exit_status = ExitStatus.TIMED_OUT


class Interrupted(PipectlError):
    """Ctrl-C. ``hint`` carries the command that re-attaches."""

    exit_status = ExitStatus.INTERRUPTED
