"""Plan the deletion of what pipectl created: reverse dependency order, tags checked.

A resource is deleted only if it carries ``pipectl:pipeline=<name>``; one that existed
before pipectl managed it (``pipectl:adopted``) is kept unless ``include_adopted``; the
bucket and the repository are kept when they hold data, unless ``force``. Everything
kept is in the plan with the reason.
"""

from __future__ import annotations

from typing import Any

from pipectl.aws.session import AwsSession
from pipectl.plan.adoption import is_adopted
from pipectl.plan.base import Planner
from pipectl.plan.model import Action, Plan, Step
from pipectl.plan.planner import read_all, targets
from pipectl.plan.registry import PLANNERS
from pipectl.resources.common import MANAGED_TAG
from pipectl.resources.desired import DesiredState


def destroy_plan(aws: AwsSession, state: DesiredState, *, force: bool,
                 include_adopted: bool = False) -> Plan:
    deletable: list[Planner[Any]] = [p for p in reversed(PLANNERS) if not p.sub_resource]
    wanted = targets(state, deletable)
    steps: list[Step] = []
    for (planner, desired), observed in zip(wanted, read_all(aws, wanted), strict=True):
        if observed is None:
            continue  # nothing there: nothing to delete
        owner = observed.tags.get(MANAGED_TAG)
        note = ""
        if owner != state.pipeline_name:
            note = f"not tagged {MANAGED_TAG}={state.pipeline_name}" + (
                f" (tagged for {owner})" if owner else "")
        elif is_adopted(observed) and not include_adopted:
            note = "adopted: it existed before pipectl managed it; --include-adopted deletes it"
        elif not force:
            data = planner.holds_data(aws, desired, observed)
            note = f"{data}; --force deletes it with its contents" if data else ""
        steps.append(Step(planner.kind, planner.title, planner.name(desired),
                          Action.KEEP if note else Action.DELETE, desired=desired,
                          observed=observed, note=note,
                          requests=() if note else tuple(planner.delete(desired, observed))))
    return Plan(state.pipeline_name, tuple(steps))
