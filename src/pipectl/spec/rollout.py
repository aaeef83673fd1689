"""How ECS rolls a new revision out: ``deploy.circuit_breaker``, ``deploy.alarms`` and the
rolling update's bounds, fields of the service's ``deploymentConfiguration``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from pipectl.spec.model_base import Model, invalid

ThresholdType = Literal["COUNT", "BOUNDED_PERCENT", "UNBOUNDED_PERCENT"]


def botocore_knows_breaker_threshold() -> bool:
    """Whether the installed botocore's ECS model has ``thresholdConfiguration`` (a newer
    circuit breaker setting): only then can pipectl send it."""
    from pipectl.spec.service_model import load_service_model

    shapes = load_service_model("ecs").get("shapes", {})
    return "thresholdConfiguration" in shapes.get("DeploymentCircuitBreaker", {}).get(
        "members", {})


class BreakerThreshold(Model):
    """When the circuit breaker trips (ECS's default: 50 percent of the desired count,
    bounded to 3..200)."""

    type: ThresholdType = Field("BOUNDED_PERCENT", description="COUNT: value is the number of "
                                "failed tasks; the percent types multiply value by the "
                                "desired count.")
    value: int = Field(ge=1, description="The count, or the percentage of the desired count.")


class CircuitBreaker(Model):
    """ECS's deployment circuit breaker: fail a deployment whose tasks keep failing."""

    enable: bool = Field(True, description="Fail a deployment whose tasks keep failing.")
    rollback: bool = Field(True, description="Roll a failed deployment back to the last one "
                           "that completed.")
    threshold: BreakerThreshold | None = Field(
        None, description="When it trips (needs a botocore that knows thresholdConfiguration).")

    @field_validator("threshold")
    @classmethod
    def _known(cls, v: BreakerThreshold | None) -> BreakerThreshold | None:
        if v is not None and not botocore_knows_breaker_threshold():
            raise invalid("the installed botocore does not know the circuit breaker's "
                          "thresholdConfiguration",
                          "upgrade boto3/botocore, or leave threshold out (ECS's default: 50 "
                          "percent of the desired count, 3 to 200 tasks)")
        return v

    @model_validator(mode="after")
    def _rollback_needs_enable(self) -> CircuitBreaker:
        if self.rollback and not self.enable and "rollback" in self.model_fields_set:
            raise invalid("circuit_breaker.rollback needs circuit_breaker.enable",
                          "set enable: true, or rollback: false", at=("rollback",))
        return self

    def request(self) -> dict[str, Any]:
        """DeploymentCircuitBreaker as UpdateService takes it."""
        breaker: dict[str, Any] = {"enable": self.enable,
                                   "rollback": self.rollback and self.enable}
        if self.threshold is not None:
            breaker["thresholdConfiguration"] = {"type": self.threshold.type,
                                                 "value": self.threshold.value}
        return breaker


class DeployAlarms(Model):
    """CloudWatch alarms ECS watches during a deployment: one in ALARM fails it."""

    names: list[str] = Field(min_length=1, description="CloudWatch alarm names.")
    rollback: bool = Field(True, description="Roll a failed deployment back to the last one "
                           "that completed.")

    @field_validator("names")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        for i, name in enumerate(v):
            if not 1 <= len(name) <= 255:
                raise invalid(f"'{name}' is not a CloudWatch alarm name",
                              "alarm names have 1-255 characters", at=(i,))
        if len(set(v)) != len(v):
            raise invalid("an alarm is named twice", "name each alarm once")
        return v

    def request(self) -> dict[str, Any]:
        """DeploymentAlarms as UpdateService takes it."""
        return {"alarmNames": list(self.names), "enable": True, "rollback": self.rollback}


#: No alarms: what the service's configuration says when the spec names none (so a
#: removed ``deploy.alarms`` is removed from the service too).
NO_ALARMS: dict[str, Any] = {"alarmNames": [], "enable": False, "rollback": False}


def alarms_from_list(value: Any) -> Any:
    """``alarms: [a, b]`` is short for ``alarms: {names: [a, b]}`` (rollback on)."""
    if isinstance(value, list):
        return {"names": value}
    return value
