"""The verdict over one look: has the run ended, how, and why. Pure: it reads nothing,
it weighs what the look (:mod:`pipectl.runs.look`) saw."""

from __future__ import annotations

from dataclasses import dataclass

from pipectl.runs.model import Outcome, RunSnapshot


@dataclass(frozen=True)
class DeployCheck:
    """A succeeded pipeline's deployment to one ECS service, as the look found it."""

    cluster: str
    service: str
    exists: bool
    completed: bool | None = None  # None: ECS is still rolling it out
    #: Why the service, its deployment completed, cannot start its tasks (None: it can).
    failure: str | None = None


@dataclass(frozen=True)
class Seen:
    """What one look saw: the snapshot, and the facts beyond it the verdict weighs."""

    snapshot: RunSnapshot
    #: (cluster, service) whose deployment the circuit breaker or an alarm rolled back.
    rolled_back: tuple[str, str] | None = None
    #: How that deployment failed, as the service deployment says (None: not known).
    rollback_failure: str | None = None
    #: False when the service deployment says it failed without being rolled back.
    rollback_confirmed: bool = True
    #: The checks of a succeeded pipeline's deployments, up to the first that decides.
    checks: tuple[DeployCheck, ...] = ()
    #: The execution that holds a stage now, when it is not ours.
    newer_execution: str | None = None


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    reason: str
    #: Whether the result carries a failure diagnosis (which action, phase, log, hint).
    diagnosed: bool


def verdict(seen: Seen) -> Verdict | None:
    """How the run ended, or None while it goes on."""
    snapshot = seen.snapshot
    status = snapshot.status
    if seen.rolled_back is not None:
        service = seen.rolled_back[1]
        waiting = (" (CodePipeline still says InProgress: it waits for its own timeout)"
                   if status == "InProgress" else "")
        if seen.rollback_failure:
            outcome = Outcome.ROLLED_BACK if seen.rollback_confirmed else Outcome.FAILED
            return Verdict(outcome, seen.rollback_failure + waiting, diagnosed=True)
        return Verdict(
            Outcome.ROLLED_BACK,
            f"the deployment to ECS service {service} failed and was rolled back by the "
            f"deployment circuit breaker" + waiting,
            diagnosed=True,
        )
    if status == "Succeeded":
        return _deployed(seen.checks)
    if status == "Failed":
        return Verdict(Outcome.FAILED, _failure_reason(snapshot), diagnosed=True)
    if status in ("Stopped", "Cancelled"):
        return Verdict(Outcome.STOPPED, f"the run was {status.lower()}", diagnosed=True)
    if status == "Superseded":
        newer = f" ({seen.newer_execution})" if seen.newer_execution else ""
        return Verdict(Outcome.SUPERSEDED, "a newer run superseded this one" + newer,
                       diagnosed=False)
    return None


def _deployed(checks: tuple[DeployCheck, ...]) -> Verdict | None:
    """Succeeded in CodePipeline; succeeded for pipectl once the new deployment completed
    (one that failed makes the look report a rollback, which the verdict weighs first)."""
    for check in checks:
        if not check.exists:
            return Verdict(Outcome.FAILED, f"ECS service {check.service} in cluster "
                           f"{check.cluster} does not exist", diagnosed=True)
        if check.failure is not None:
            return Verdict(Outcome.FAILED, check.failure, diagnosed=True)
        if check.completed is None:
            return None  # the pipeline is done but ECS is still rolling out: keep looking
    return Verdict(Outcome.SUCCEEDED, "the pipeline succeeded and the new deployment "
                   "completed" if checks else "the pipeline succeeded", diagnosed=False)


def _failure_reason(snapshot: RunSnapshot) -> str:
    for action in snapshot.actions():
        if action.status in ("Failed", "Abandoned"):
            detail = action.error_message or action.summary or "failed"
            return f"{action.stage}/{action.name} failed: {detail}"
    failed = next((s.name for s in snapshot.stages if s.status == "Failed"), None)
    return f"stage {failed} failed" if failed else "the run failed"
