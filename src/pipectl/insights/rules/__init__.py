"""One module per recommendation; each returns None without evidence."""

from __future__ import annotations

from pipectl.insights.rules import (
    build_cache,
    compute_type,
    deregistration,
    execution_mode,
    health_check,
    image_pull,
    provisioning,
    rollout_batches,
    triggers,
)
from pipectl.insights.rules.base import Context, Rule

RULES: tuple[Rule, ...] = (
    build_cache.check,
    compute_type.check,
    provisioning.check,
    image_pull.check,
    health_check.check,
    deregistration.check,
    rollout_batches.check,
    triggers.check,
    execution_mode.check,
)

__all__ = ["RULES", "Context", "Rule"]
