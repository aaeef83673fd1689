"""minimumHealthyPercent / maximumPercent: how many waves a rolling update takes.

ECS may run up to desired x maximumPercent tasks and must keep desired x
minimumHealthyPercent healthy: each wave replaces the difference. More than one wave
repeats placement, pull, start and health checks.
"""

from __future__ import annotations

import math

from pipectl.insights.model import ROLLOUT, Recommendation
from pipectl.insights.rules.base import MIN_SAVING_S, Context, med, seconds


def waves(desired: int, minimum_percent: int, maximum_percent: int) -> int:
    if desired <= 0:
        return 1
    ceiling = math.floor(desired * maximum_percent / 100)
    floor = math.ceil(desired * minimum_percent / 100)
    per_wave = max(1, ceiling - floor)
    return math.ceil(desired / per_wave)


def check(ctx: Context) -> Recommendation | None:
    service = ctx.evidence.service
    if not service:
        return None
    config = service.get("deploymentConfiguration") or {}
    desired = int(service.get("desiredCount") or 0)
    maximum = int(config.get("maximumPercent") or 200)
    minimum = int(config.get("minimumHealthyPercent") or 100)
    count = waves(desired, minimum, maximum)
    rollouts = [sum(s.duration for s in run.steps if s.kind == ROLLOUT)
                for run in ctx.runs if any(s.kind == ROLLOUT for s in run.steps)]
    if count <= 1 or not rollouts:
        return None
    rollout = med(rollouts)
    saving = rollout * (1 - 1 / count)
    if saving < MIN_SAVING_S:
        return None
    return Recommendation(
        id="rollout-waves",
        title="Replace every task in one wave",
        evidence=(f"desired {desired}, minimumHealthyPercent {minimum}, maximumPercent "
                  f"{maximum}: {count} waves of replacement",
                  f"the rollout took {seconds(rollout)} (median of {len(rollouts)})"),
        change=("the service's deploymentConfiguration: maximumPercent 200 with "
                "minimumHealthyPercent 100 (aws ecs update-service --deployment-"
                "configuration maximumPercent=200,minimumHealthyPercent=100)"),
        saving_s=saving,
        saving_usd=ctx.monthly(saving * ctx.pipeline_rate_per_s()),
    )
