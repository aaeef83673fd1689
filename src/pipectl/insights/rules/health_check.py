"""Health checks: how long a new task waits to be called healthy.

Behind a load balancer a target is healthy after HealthyThresholdCount checks
HealthCheckIntervalSeconds apart; without one, after the container health check
passes. Either sets the floor of the rollout's "healthy" step.
"""

from __future__ import annotations

from typing import Any

from pipectl.insights.model import Recommendation
from pipectl.insights.rules.base import MIN_SAVING_S, Context, med, seconds

FAST_INTERVAL_S = 10
FAST_THRESHOLD = 2


def check(ctx: Context) -> Recommendation | None:
    healthy = ctx.rollout("healthy")
    if not healthy:
        return None
    waited = med(healthy)
    groups = ctx.evidence.target_groups
    if groups:
        group = groups[0]
        interval = int(group.get("HealthCheckIntervalSeconds") or 30)
        threshold = int(group.get("HealthyThresholdCount") or 5)
        floor = interval * threshold
        target = FAST_INTERVAL_S * FAST_THRESHOLD
        if floor <= target:
            return None
        saving = min(waited, floor) - target
        config = (f"target group {group.get('TargetGroupName', '')}: a check every "
                  f"{interval} s, healthy after {threshold}: at least {floor} s")
        change = (f"the target group's health check: HealthCheckIntervalSeconds "
                  f"{FAST_INTERVAL_S}, HealthyThresholdCount {FAST_THRESHOLD} "
                  "(aws elbv2 modify-target-group)")
    else:
        check_config = _container_health_check(ctx)
        if check_config is None:
            return None
        interval = int(check_config.get("interval") or 30)
        start_period = int(check_config.get("startPeriod") or 0)
        floor = interval + start_period
        target = FAST_INTERVAL_S
        if floor <= target:
            return None
        saving = min(waited, floor) - target
        config = (f"container health check every {interval} s after a start period of "
                  f"{start_period} s")
        change = ("healthCheck in the task definition (deploy.task_definition): "
                  f"interval {FAST_INTERVAL_S}, startPeriod only as long as the app needs "
                  "to start")
    if saving < MIN_SAVING_S:
        return None
    return Recommendation(
        id="health-check",
        title="Faster health checks",
        evidence=(f"new tasks ran {seconds(waited)} before ECS counted them healthy and "
                  f"stopped the old ones (median of {len(healthy)} rollouts)", config),
        change=change,
        saving_s=saving,
        saving_usd=ctx.monthly(saving * ctx.pipeline_rate_per_s()),
    )


def _container_health_check(ctx: Context) -> dict[str, Any] | None:
    definition = ctx.evidence.task_definition or {}
    for container in definition.get("containerDefinitions") or []:
        config = container.get("healthCheck")
        if config:
            return dict(config)
    return None
