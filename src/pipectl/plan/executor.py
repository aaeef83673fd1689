"""Apply a plan in dependency order, yielding an event before and after every change."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pipectl.plan.base import ApplyContext
from pipectl.plan.model import Action, Plan, Step
from pipectl.plan.registry import planner_for


@dataclass(frozen=True)
class Progress:
    step: Step
    done: bool  # False: about to start; True: finished
    seconds: float = 0.0


def apply_plan(plan: Plan, ctx: ApplyContext) -> Iterator[Progress]:
    """Create or update every step that needs it, in order.

    Stopping half-way (an error, Ctrl-C) leaves a state the next plan reads as it is:
    re-running converges, and creates treat "already exists" as "converge it".
    """
    for step in plan.steps:
        if not step.changes:
            continue
        planner = planner_for(step.kind)
        yield Progress(step, done=False)
        started = ctx.clock()
        if step.action is Action.CREATE:
            planner.create(ctx, step.desired)
        elif step.action is Action.UPDATE:
            assert step.observed is not None
            planner.update(ctx, step.desired, step.observed, list(step.diffs))
        elif step.action is Action.DELETE:
            assert step.observed is not None
            planner.delete(ctx, step.desired, step.observed)
        yield Progress(step, done=True, seconds=ctx.clock() - started)
