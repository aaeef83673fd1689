"""Read every resource (in parallel) and compare it with the desired state: the plan."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar, cast

from pipectl.aws.session import AwsSession
from pipectl.plan.adoption import adopt
from pipectl.plan.base import Planner
from pipectl.plan.model import Action, Observed, Plan, Step
from pipectl.plan.registry import PLANNERS
from pipectl.resources.common import MANAGED_TAG
from pipectl.resources.desired import DesiredState

MAX_PARALLEL_READS = 8

T = TypeVar("T")

Target = tuple[Planner[Any], Any]


def targets(state: DesiredState, planners: Sequence[Planner[Any]] = PLANNERS) -> list[Target]:
    return [(p, d) for p in planners for d in p.targets(state)]


def read_all(aws: AwsSession, wanted: Sequence[Target]) -> list[Observed | None]:
    """Each resource's read, in parallel: the reads are independent, and clients are
    thread-safe (AwsSession creates them under a lock)."""
    return _parallel([partial(planner.read, aws, desired) for planner, desired in wanted])


def _parallel(jobs: Sequence[Callable[[], T]]) -> list[T]:
    if not jobs:
        return []
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_READS, len(jobs))) as pool:
        return list(pool.map(lambda job: job(), jobs))


def make_plan(aws: AwsSession, state: DesiredState) -> Plan:
    wanted = targets(state)
    # The planners' warnings (reads of other resources; most return at once) and the
    # reads, in one parallel round.
    jobs: list[Callable[[], Any]] = [
        *(partial(planner.warning, aws, desired) for planner, desired in wanted),
        *(partial(planner.read, aws, desired) for planner, desired in wanted)]
    answers = _parallel(jobs)
    warnings = cast(list[str], answers[:len(wanted)])
    observed_all = cast(list[Observed | None], answers[len(wanted):])
    steps: list[Step] = []
    for (planner, desired), observed, warning in zip(wanted, observed_all, warnings,
                                                     strict=True):
        name = planner.name(desired)
        if planner.retired:
            if observed is not None and observed.tags.get(MANAGED_TAG) == state.pipeline_name:
                steps.append(Step(planner.kind, planner.title, name, Action.DELETE,
                                  desired=desired, observed=observed,
                                  note=planner.retired_note,
                                  requests=tuple(planner.delete(desired, observed))))
            continue
        if observed is None:
            steps.append(Step(planner.kind, planner.title, name, Action.CREATE, (), desired,
                              note=_joined(planner.create_note(desired), warning),
                              requests=tuple(planner.create(desired))))
            continue
        desired, note = adopt(planner, desired, observed, state.pipeline_name)
        diffs = tuple(planner.compare(desired, observed))
        if not diffs:
            steps.append(Step(planner.kind, planner.title, name, Action.NO_CHANGE, (), desired,
                              observed, warning))
            continue
        steps.append(Step(planner.kind, planner.title, name, Action.UPDATE, diffs, desired,
                          observed, _joined(note, warning),
                          tuple(planner.update(desired, observed, list(diffs)))))
    return Plan(state.pipeline_name, tuple(steps))


def _joined(*notes: str) -> str:
    return "; ".join(n for n in notes if n)
