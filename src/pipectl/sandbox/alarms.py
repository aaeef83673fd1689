"""The CloudWatch alarms a service deployment watches, read from moto's CloudWatch.

``aws cloudwatch set-alarm-state`` (or ``pipectl sandbox fault deploy --alarm``) puts an
alarm into ALARM; a rollout of a service whose ``deploymentConfiguration.alarms`` names
it fails on its next step, and rolls back when the configuration says ``rollback``. Only
ALARM does: an alarm in OK or INSUFFICIENT_DATA (a new alarm's state) lets it go on.

moto creates every alarm in OK, and PutMetricAlarm on an existing one replaces it with a
new alarm in OK. CloudWatch's API reference, PutMetricAlarm: "When this operation
creates an alarm, the alarm state is immediately set to INSUFFICIENT_DATA. [...] When
you update an existing alarm, its state is left unchanged, but the update completely
overwrites the previous configuration of the alarm."
:func:`new_alarms_start_without_data` makes moto do so, for the sandbox.
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


#: The state CloudWatch gives an alarm PutMetricAlarm (or PutCompositeAlarm) creates.
NEW_ALARM_STATE = "INSUFFICIENT_DATA"
#: What an update by PutMetricAlarm leaves as it was: the state and its history.
_STATE_FIELDS = ("state_value", "state_reason", "state_reason_data",
                 "state_updated_timestamp", "history")


def new_alarms_start_without_data() -> None:
    """Patch moto's CloudWatch backend once (idempotent): a new alarm starts in
    INSUFFICIENT_DATA, an updated one keeps its state. (An alarm on a PromQL query
    starts in OK on AWS; moto 5.2.5 has no PromQL alarm, nor PutCompositeAlarm.)"""
    from moto.cloudwatch.models import CloudWatchBackend

    if getattr(CloudWatchBackend, "_pipectl_alarm_states", False):
        return
    create_or_replace = CloudWatchBackend.put_metric_alarm

    def put_metric_alarm(self: Any, *args: Any, **kwargs: Any) -> Any:
        name = kwargs["name"] if "name" in kwargs else args[0]
        before = self.alarms.get(name)
        alarm = create_or_replace(self, *args, **kwargs)
        if before is None:
            alarm.state_value = NEW_ALARM_STATE
        else:
            for field in _STATE_FIELDS:
                setattr(alarm, field, getattr(before, field))
        return alarm

    setattr(CloudWatchBackend, "put_metric_alarm", put_metric_alarm)  # noqa: B010
    setattr(CloudWatchBackend, "_pipectl_alarm_states", True)  # noqa: B010
