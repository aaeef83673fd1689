"""A watched run's result as pipectl's exit status: the one place outcomes become errors."""

from __future__ import annotations

from pipectl.errors import Interrupted, PipectlError, RunFailed, WaitTimedOut
from pipectl.runs.model import RunResult


def reattach_command(execution_id: str) -> str:
    return f"pipectl watch {execution_id}"


def verdict_error(result: RunResult) -> PipectlError | None:
    """None for success; RunFailed (exit 1) or WaitTimedOut (exit 4) otherwise."""
    if result.ok:
        return None
    if result.outcome == "timed_out":
        return WaitTimedOut(
            f"gave up waiting for run {result.execution_id}: {result.reason}",
            hint="the run goes on in AWS; follow it with "
            f"`{reattach_command(result.execution_id)}`",
        )
    hint = result.diagnosis.hint if result.diagnosis else None
    if hint is None and result.outcome == "failed":
        hint = "the build's full log: `pipectl logs`; the pipeline's state: `pipectl status`"
    if hint is None and result.outcome == "superseded":
        hint = "follow the newer run with `pipectl watch`"
    return RunFailed(f"run {result.execution_id} {result.outcome.replace('_', ' ')}: "
                     f"{result.reason}", hint=hint)


def interrupted(execution_id: str) -> Interrupted:
    return Interrupted(
        f"stopped watching run {execution_id}; the run goes on in AWS",
        hint=f"re-attach with `{reattach_command(execution_id)}`",
    )
