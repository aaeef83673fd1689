"""The load balancer's deregistration delay: how long old tasks drain."""

from __future__ import annotations

from pipectl.insights.model import Recommendation
from pipectl.insights.rules.base import MIN_SAVING_S, Context, med, seconds

ATTRIBUTE = "deregistration_delay.timeout_seconds"
SUGGESTED_S = 30


def check(ctx: Context) -> Recommendation | None:
    groups = ctx.evidence.target_groups
    drains = ctx.rollout("old tasks drained")
    if not groups or not drains:
        return None  # no load balancer: nothing to deregister
    group = groups[0]
    delay = int(str((group.get("attributes") or {}).get(ATTRIBUTE, "300")))
    drained = med(drains)
    if delay <= SUGGESTED_S:
        return None
    saving = min(drained, delay) - SUGGESTED_S
    if saving < MIN_SAVING_S:
        return None
    return Recommendation(
        id="deregistration-delay",
        title="A shorter deregistration delay",
        evidence=(f"old tasks took {seconds(drained)} to drain (median of {len(drains)} "
                  "rollouts)",
                  f"target group {group.get('TargetGroupName', '')}: {ATTRIBUTE} = {delay}"),
        change=(f"the target group attribute {ATTRIBUTE}={SUGGESTED_S} (or the longest "
                "request the service serves): aws elbv2 modify-target-group-attributes"),
        saving_s=saving,
        saving_usd=ctx.monthly(saving * ctx.pipeline_rate_per_s()),
    )
