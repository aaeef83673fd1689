"""Adoption: resources that existed before pipectl managed them keep existing after it.

A resource the plan finds without ``pipectl:pipeline=<name>`` (made in the console, or
brought in by ``pipectl import``) is tagged with it *and* ``pipectl:adopted=true`` by the
next ``create``; ``destroy`` keeps adopted resources unless ``--include-adopted``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pipectl.plan.base import Planner
from pipectl.plan.model import Observed
from pipectl.resources.common import ADOPTED_TAG, MANAGED_TAG

ADOPTED_VALUE = "true"


def is_adopted(observed: Observed) -> bool:
    return ADOPTED_TAG in observed.tags


def adopt(planner: Planner[Any], desired: Any, observed: Observed,
          pipeline: str) -> tuple[Any, str]:
    """``desired`` with the adoption tag when ``observed`` is (or becomes) adopted, and the
    note that explains it to the user ("" when nothing needs saying)."""
    tags = getattr(desired, "tags", None)
    if not isinstance(tags, dict) or "tags" not in planner.fields(desired):
        return desired, ""  # a resource without tags of its own (a policy, a setting)
    if is_adopted(observed):
        # Keep the tag in the desired set: some APIs replace the whole set on update.
        return dataclasses.replace(desired, tags={**tags, ADOPTED_TAG: ADOPTED_VALUE}), ""
    if observed.tags.get(MANAGED_TAG) == pipeline or not planner.adoptable(desired, observed):
        return desired, ""
    note = (f"adopt: it exists and pipectl did not create it; tagging it "
            f"{MANAGED_TAG}={pipeline} and {ADOPTED_TAG}={ADOPTED_VALUE}, so destroy keeps it "
            "unless --include-adopted")
    return dataclasses.replace(desired, tags={**tags, ADOPTED_TAG: ADOPTED_VALUE}), note
