"""Read every resource (in parallel) and compare it with the desired state: the plan."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pipectl.aws.session import AwsSession
from pipectl.plan.adoption import adopt
from pipectl.plan.base import Planner
from pipectl.plan.model import Action, Observed, Plan, Step
from pipectl.plan.registry import PLANNERS
from pipectl.resources.desired import DesiredState

MAX_PARALLEL_READS = 8

Target = tuple[Planner[Any], Any]


def targets(state: DesiredState, planners: Sequence[Planner[Any]] = PLANNERS) -> list[Target]:
    return [(p, d) for p in planners for d in p.targets(state)]


def read_all(aws: AwsSession, wanted: Sequence[Target]) -> list[Observed | None]:
    """Each resource's read, in parallel: the reads are independent, and clients are
    thread-safe (AwsSession creates them under a lock)."""
    if not wanted:
        return []
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_READS, len(wanted))) as pool:
        return list(pool.map(lambda t: t[0].read(aws, t[1]), wanted))


def make_plan(aws: AwsSession, state: DesiredState) -> Plan:
    wanted = targets(state)
    steps: list[Step] = []
    for (planner, desired), observed in zip(wanted, read_all(aws, wanted), strict=True):
        name = planner.name(desired)
        if observed is None:
            steps.append(Step(planner.kind, planner.title, name, Action.CREATE, (), desired,
                              note=planner.create_note(desired),
                              requests=tuple(planner.create(desired))))
            continue
        desired, note = adopt(planner, desired, observed, state.pipeline_name)
        diffs = tuple(planner.compare(desired, observed))
        if not diffs:
            steps.append(Step(planner.kind, planner.title, name, Action.NO_CHANGE, (), desired,
                              observed))
            continue
        steps.append(Step(planner.kind, planner.title, name, Action.UPDATE, diffs, desired,
                          observed, note,
                          tuple(planner.update(desired, observed, list(diffs)))))
    return Plan(state.pipeline_name, tuple(steps))
