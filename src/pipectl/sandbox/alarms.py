"""The CloudWatch alarms a service deployment watches, read from moto's CloudWatch.

``aws cloudwatch set-alarm-state`` (or ``pipectl sandbox fault deploy --alarm``) puts an
alarm into ALARM; a rollout of a service whose ``deploymentConfiguration.alarms`` names
it fails on its next step, and rolls back when the configuration says ``rollback``.
"""

from __future__ import annotations

from typing import Any


def _backend(account: str, region: str) -> Any:
    from moto.cloudwatch.models import cloudwatch_backends

    return cloudwatch_backends[account][region]


def in_alarm(account: str, region: str, names: list[str]) -> list[str]:
    """The alarms among ``names`` whose state is ALARM (unknown names are not)."""
    if not names:
        return []
    alarms = _backend(account, region).alarms
    return [n for n in names if n in alarms and alarms[n].state_value == "ALARM"]


def set_state(account: str, region: str, name: str, state: str, reason: str) -> None:
    """SetAlarmState; an alarm that does not exist yet is made first (a fault may name
    one the user has not created)."""
    backend = _backend(account, region)
    if name not in backend.alarms:
        backend.put_metric_alarm(
            name=name, namespace="AWS/ECS", metric_name="CPUUtilization",
            comparison_operator="GreaterThanThreshold", evaluation_periods=1, period=60,
            threshold=90.0, statistic="Average", description="made by a pipectl sandbox fault",
            dimensions=[], alarm_actions=[],
        )
    backend.set_alarm_state(name, reason, None, state)
