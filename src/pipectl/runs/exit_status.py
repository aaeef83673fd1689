"""A watched run's result as pipectl's exit status: the one place outcomes become errors."""

from __future__ import annotations

from pipectl.errors import AwsError, Interrupted, NotFound, PipectlError, RunFailed, WaitTimedOut
from pipectl.runs.model import Outcome, RunResult
from pipectl.runs.suggest import Suggest, plain_command


def reattach_command(execution_id: str, suggest: Suggest = plain_command) -> str:
    """``pipectl watch ID``, with the settings the watch ran with (``--sandbox``, ``-c``...)."""
    return suggest(f"watch {execution_id}")


def verdict_error(result: RunResult, reattach: str | None = None,
                  suggest: Suggest = plain_command) -> PipectlError | None:
    """None for success; RunFailed (exit 1) or WaitTimedOut (exit 4) otherwise."""
    if result.ok:
        return None
    if result.outcome == Outcome.TIMED_OUT:
        return WaitTimedOut(
            f"gave up waiting for run {result.execution_id}: {result.reason}",
            hint="the run goes on in AWS; follow it with "
            f"`{reattach or reattach_command(result.execution_id)}`",
        )
    diagnosis = result.diagnosis
    if diagnosis is not None and diagnosis.phase:
        # The verdict (the view's, or the JSON result) has the reason, the log tail and
        # the hint: the error says what failed and where, and no fact a second time.
        where = "/".join(p for p in (diagnosis.stage, diagnosis.action) if p)
        return RunFailed(f"run {result.execution_id} failed at {where}, build phase "
                         f"{diagnosis.phase}",
                         hint=f"the verdict above says why; the whole log: `{suggest('logs')}`")
    hint = diagnosis.hint if diagnosis else None
    if hint is None and result.outcome == Outcome.FAILED:
        hint = (f"the build's full log: `{suggest('logs')}`; the pipeline's state: "
                f"`{suggest('status')}`")
    if hint is None and result.outcome == Outcome.SUPERSEDED:
        hint = f"follow the newer run with `{suggest('watch')}`"
    return RunFailed(f"run {result.execution_id} {result.outcome.replace('_', ' ')}: "
                     f"{result.reason}", hint=hint)


def interrupted(execution_id: str, reattach: str | None = None) -> Interrupted:
    return Interrupted(
        f"stopped watching run {execution_id}; the run goes on in AWS",
        hint=f"re-attach with `{reattach or reattach_command(execution_id)}`",
    )


def lost_watch(error: AwsError, execution_id: str, reattach: str | None = None) -> AwsError:
    """An AWS failure that ended a watch (an endpoint gone, credentials expired, access
    denied): the run itself goes on, so the hint also says how to come back to it.
    A run or resource that does not exist is not worth coming back to: left as is."""
    if isinstance(error, NotFound):
        return error
    back = (f"the run goes on in AWS; re-attach with "
            f"`{reattach or reattach_command(execution_id)}`")
    error.hint = f"{error.hint}; {back}" if error.hint else back
    return error
