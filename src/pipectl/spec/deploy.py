"""``deploy``: the ECS service the image rolls out to, and how it rolls out."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from pipectl.spec import names as rules
from pipectl.spec.model_base import Model, check_name, inside_repository, invalid
from pipectl.spec.rollout import NO_ALARMS, CircuitBreaker, DeployAlarms, alarms_from_list


class CreateService(Model):
    """Create the cluster and a Fargate service if they are missing."""

    desired_count: int = Field(1, ge=0, le=1000, description="Tasks to run.")
    subnets: list[str] = Field(min_length=1, max_length=16,
                               description="Subnet ids (subnet-...) for the tasks.")
    security_groups: list[str] = Field(default_factory=list, max_length=5,
                                       description="Security group ids (sg-...).")
    assign_public_ip: bool = Field(False, description="Public subnets without NAT need it.")
    port: int = Field(80, ge=1, le=65535,
                      description="Container port the service exposes. Default: deploy.port.")

    @field_validator("subnets")
    @classmethod
    def _subnets(cls, v: list[str]) -> list[str]:
        for i, s in enumerate(v):
            if not rules.SUBNET_ID.match(s):
                raise invalid(f"'{s}' is not a subnet id", "expected subnet-0123456789abcdef0",
                              at=(i,))
        return v

    @field_validator("security_groups")
    @classmethod
    def _groups(cls, v: list[str]) -> list[str]:
        for i, s in enumerate(v):
            if not rules.SECURITY_GROUP_ID.match(s):
                raise invalid(f"'{s}' is not a security group id",
                              "expected sg-0123456789abcdef0", at=(i,))
        return v


class DeploySettings(Model):
    cluster: str = Field(description="ECS cluster.")
    service: str = Field(description="ECS service the new image rolls out to.")
    container: str = Field(description="Container in the task definition that gets the image.")
    task_definition: str = Field(
        "config/task_definition.json", min_length=1,
        description="Task definition JSON (RegisterTaskDefinition input), relative to the "
                    "repository root.",
    )
    timeout_minutes: int = Field(15, ge=1, le=60,
                                 description="Deploy action timeout, 1-60 minutes.")
    port: int = Field(80, ge=1, le=65535, description="Port the service answers on.")
    create_service: CreateService | None = Field(
        None, description="Create the cluster and a Fargate service if they are missing.")
    circuit_breaker: CircuitBreaker = Field(
        default_factory=CircuitBreaker,
        description="ECS's deployment circuit breaker (default: on, with rollback).")
    alarms: DeployAlarms | None = Field(
        None, description="CloudWatch alarms ECS watches during a deployment: a list of "
                          "names, or names and rollback.")
    minimum_healthy_percent: int = Field(
        100, ge=0, le=100, description="Tasks that must keep running during a deployment, in "
                                       "percent of the desired count.")
    maximum_percent: int = Field(
        200, ge=100, description="Tasks allowed to run during a deployment, in percent of the "
                                 "desired count.")
    log_retention_days: int | None = Field(
        30, description="Days CloudWatch Logs keeps the task's logs (the awslogs-group of the "
                        "task definition, which pipectl creates with create_service); null: "
                        "never expire.")

    @field_validator("task_definition")
    @classmethod
    def _task_definition_inside(cls, v: str) -> str:
        return inside_repository(v)

    @field_validator("cluster", "service")
    @classmethod
    def _ecs(cls, v: str) -> str:
        return check_name(v, rules.ECS_NAME, "ECS", "1-255 letters, digits, '_' and '-'")

    @field_validator("container")
    @classmethod
    def _container(cls, v: str) -> str:
        # ECS's rule, and what keeps imagedefinitions.json well formed (no '"' in a name).
        return check_name(v, rules.ECS_NAME, "ECS container",
                          "1-255 letters, digits, '_' and '-'")

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, v: int | None) -> int | None:
        if v is not None and v not in rules.LOG_RETENTION_DAYS:
            allowed = ", ".join(map(str, rules.LOG_RETENTION_DAYS))
            raise invalid(f"{v} is not a retention CloudWatch Logs offers",
                          f"one of {allowed} days, or null to keep the logs forever")
        return v

    @field_validator("alarms", mode="before")
    @classmethod
    def _alarm_list(cls, v: Any) -> Any:
        return alarms_from_list(v)

    @model_validator(mode="after")
    def _rollout_settings(self) -> DeploySettings:
        rollout = ("circuit_breaker", "alarms", "minimum_healthy_percent", "maximum_percent")
        given = [f for f in rollout if f in self.model_fields_set]
        if given and self.create_service is None:
            raise invalid(f"deploy.{given[0]} is set on the service pipectl creates, and "
                          "deploy.create_service is not set",
                          "add deploy.create_service, or set it on your service with "
                          "`aws ecs update-service --deployment-configuration ...`",
                          at=(given[0],))
        if "log_retention_days" in self.model_fields_set and self.create_service is None:
            raise invalid("deploy.log_retention_days is set on the log group pipectl creates "
                          "with the service, and deploy.create_service is not set",
                          "add deploy.create_service, or set it on your log group with "
                          "`aws logs put-retention-policy`", at=("log_retention_days",))
        if self.maximum_percent <= self.minimum_healthy_percent:
            raise invalid(f"deploy.maximum_percent ({self.maximum_percent}) must be above "
                          f"deploy.minimum_healthy_percent ({self.minimum_healthy_percent})",
                          "else ECS can neither start a new task nor stop an old one",
                          at=("maximum_percent",))
        return self

    @model_validator(mode="after")
    def _one_port(self) -> DeploySettings:
        created = self.create_service
        if created is not None and "port" in created.model_fields_set \
                and "port" in self.model_fields_set and created.port != self.port:
            raise invalid(f"deploy.port ({self.port}) and deploy.create_service.port "
                          f"({created.port}) disagree", "keep one of them",
                          at=("create_service", "port"))
        return self

    def deployment_configuration(self) -> dict[str, Any]:
        """The service's deploymentConfiguration, as CreateService and UpdateService take it."""
        return {
            "deploymentCircuitBreaker": self.circuit_breaker.request(),
            "alarms": self.alarms.request() if self.alarms else dict(NO_ALARMS),
            "minimumHealthyPercent": self.minimum_healthy_percent,
            "maximumPercent": self.maximum_percent,
        }

    @property
    def service_port(self) -> int:
        """The port the service answers on: create_service.port if given, else deploy.port."""
        created = self.create_service
        if created is not None and "port" in created.model_fields_set:
            return created.port
        return self.port
