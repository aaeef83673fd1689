"""Offline checks of the task definition file (the input of ECS RegisterTaskDefinition).

The shape comes from botocore's ECS service model, so a new ECS parameter is known
as soon as botocore knows it. On top of the shape: what ECS itself would refuse at
registration (containers without a name or image, Fargate rules) and secrets written
in plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipectl.errors import Finding, Location, SpecError
from pipectl.spec.json_source import load_json
from pipectl.spec.names import ECS_NAME, SECRET_LIKE
from pipectl.spec.service_model import input_shape
from pipectl.spec.shape_check import ShapeChecker, kind_of
from pipectl.spec.taskdef_health import health_check_findings
from pipectl.spec.taskdef_input import TaskDefinitionInput, normalise
from pipectl.spec.taskdef_roles import role_findings
from pipectl.spec.yaml_source import FieldPath, SourceMap, dotted_path, read_text

UNKNOWN_KEY_HINTS = {
    "taskDefinition": "describe-task-definition output is taken only when \"taskDefinition\" "
    "is the object's one task definition (no containerDefinitions beside it)"}

#: Values ECS registers that botocore's enums leave out. The log driver "none" (no logs):
#: the ECS agent offers it on EC2 instances (ECS_AVAILABLE_LOGGING_DRIVERS defaults to
#: ["json-file","none"]), AWS's own CDK writes it (aws_ecs.NoneLogDriver), and
#: describe-task-definition returns task definitions registered with it.
EXTRA_ENUM_VALUES = {"LogDriver": frozenset({"none"})}

# Fargate task sizes: CPU units -> the memory sizes (MiB) allowed with it
# (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html).
FARGATE_SIZES: dict[int, tuple[int, ...] | range] = {
    256: (512, 1024, 2048),
    512: range(1024, 4097, 1024),
    1024: range(2048, 8193, 1024),
    2048: range(4096, 16385, 1024),
    4096: range(8192, 30721, 1024),
    8192: range(16384, 61441, 4096),
    16384: range(32768, 122881, 8192),
}
#: The task-level cpu ECS takes outside Fargate (EC2, external), in CPU units.
EC2_TASK_CPU = (128, 196608)
#: The log drivers Fargate takes ("For tasks on Fargate, the supported log drivers are
#: awslogs, splunk, and awsfirelens": LogConfiguration in the ECS API reference).
FARGATE_LOG_DRIVERS = ("awslogs", "splunk", "awsfirelens")
_VCPU = re.compile(r"(?i)\s*(\d*\.?\d+)\s*vcpu\s*\Z")
_GB = re.compile(r"(?i)\s*(\d*\.?\d+)\s*gb\s*\Z")


@dataclass(frozen=True)
class Container:
    name: str
    index: int
    data: dict[str, Any]


@dataclass(frozen=True)
class TaskDefinitionDocument:
    path: Path
    data: dict[str, Any]  # what pipectl registers (pipectl.spec.taskdef_input)
    source: SourceMap
    prefix: FieldPath = ()  # where ``data`` sits in the file

    @property
    def containers(self) -> list[Container]:
        defs = self.data.get("containerDefinitions")
        if not isinstance(defs, list):
            return []
        return [Container(str(c.get("name")), i, c) for i, c in enumerate(defs)
                if isinstance(c, dict) and isinstance(c.get("name"), str)]

    def container(self, name: str) -> Container | None:
        return next((c for c in self.containers if c.name == name), None)

    def locate(self, path: FieldPath, *, prefer_key: bool = False) -> Location:
        return self.source.locate((*self.prefix, *path), prefer_key=prefer_key)

    @property
    def is_fargate(self) -> bool:
        compat = self.data.get("requiresCompatibilities")
        return isinstance(compat, list) and "FARGATE" in compat


def check_task_definition(
    path: Path, display: str, *, fargate_service: bool
) -> tuple[TaskDefinitionDocument | None, list[Finding]]:
    """Read and check the task definition; ``fargate_service``: pipectl creates the service."""
    try:
        data, source, findings = load_json(read_text(path, "task definition"), display)
    except SpecError as exc:
        return None, exc.findings
    taken = normalise(data)
    data = taken.data
    if not isinstance(data, dict):
        return None, [*findings, Finding(
            "error", f"a task definition is a JSON object; this file holds {kind_of(data)}",
            Location(display, 1, 1), hint='start from {"family": ..., "containerDefinitions": '
            '[...]}', code="wrong-type")]
    shape_name, shapes = input_shape("ecs", "RegisterTaskDefinition")
    checker = ShapeChecker(shapes, source, unknown_key_hints=UNKNOWN_KEY_HINTS,
                           extra_enum_values=EXTRA_ENUM_VALUES)
    findings += checker.check(shape_name, data, taken.prefix)
    document = TaskDefinitionDocument(path, data, source, taken.prefix)
    findings += _taken_out(document, taken)
    findings += _containers(document)
    findings += _family(document)
    findings += role_findings(document)
    findings += health_check_findings(document)
    findings += _awslogs_create_group(document, pipectl_creates_group=fargate_service)
    if fargate_service or document.is_fargate:
        findings += _fargate(document, fargate_service)
    else:
        findings += _task_cpu(document)
    return document, findings


def _task_cpu(doc: TaskDefinitionDocument) -> list[Finding]:
    """Outside Fargate the task-level cpu is optional, but ECS takes only 128 to 196608
    units (RegisterTaskDefinition's "cpu": "Supported values are between 128 CPU units
    (0.125 vCPUs) and 196608 CPU units (192 vCPUs)")."""
    cpu = doc.data.get("cpu")
    units = _cpu_units(cpu)
    if units is None or EC2_TASK_CPU[0] <= units <= EC2_TASK_CPU[1]:
        return []
    return [Finding("error", f"task cpu {cpu!r} is outside what ECS takes: "
                    f"{EC2_TASK_CPU[0]} to {EC2_TASK_CPU[1]} CPU units",
                    doc.locate(("cpu",)), hint='e.g. "cpu": "256" (a quarter vCPU), or leave '
                    "the task-level cpu out", code="task-cpu")]


def _taken_out(doc: TaskDefinitionDocument, taken: TaskDefinitionInput) -> list[Finding]:
    """One warning per kind of thing pipectl leaves out of the registration."""
    out: list[Finding] = []
    if taken.prefix or taken.dropped_keys:
        where = doc.locate((taken.dropped_keys[0],), prefer_key=True) if taken.dropped_keys \
            else doc.source.locate(taken.prefix, prefer_key=True)
        parts = [f'the "{taken.prefix[0]}" wrapper'] if taken.prefix else []
        if taken.dropped_keys:
            parts.append(f"these keys (ECS sets them): {', '.join(taken.dropped_keys)}")
        out.append(Finding(
            "warning", f"output of describe-task-definition: pipectl drops {' and '.join(parts)}",
            where,
            hint="nothing to do; remove them to keep the file as RegisterTaskDefinition takes it",
            code="describe-output"))
    if taken.nulls:
        shown = [dotted_path(p) for p in taken.nulls]
        listed = ", ".join(shown[:8]) + (f" and {len(shown) - 8} more" if len(shown) > 8 else "")
        out.append(Finding(
            "warning", f"{len(shown)} field{'s are' if len(shown) > 1 else ' is'} null (a "
            f"console export?); pipectl drops {'them' if len(shown) > 1 else 'it'}: {listed}",
            doc.locate(taken.nulls[0], prefer_key=True),
            hint="nothing to do; ECS applies its defaults to fields left out", code="nulls"))
    return out


def _family(doc: TaskDefinitionDocument) -> list[Finding]:
    """ECS's family rule; the family also names the task definition ARN in the policies."""
    family = doc.data.get("family")
    if not isinstance(family, str) or ECS_NAME.match(family):
        return []  # absent or not a string: the shape check says so
    return [Finding("error", "family must be 1-255 letters, digits, '_' and '-' (no '*')",
                    doc.locate(("family",)), hint='for example: "family": "hello-web"',
                    code="invalid-value")]


def _containers(doc: TaskDefinitionDocument) -> list[Finding]:
    out: list[Finding] = []
    defs = doc.data.get("containerDefinitions")
    if not isinstance(defs, list):
        return out
    if not defs:
        out.append(Finding("error", "no containers", doc.locate(("containerDefinitions",)),
                           hint="add the container that runs your image", code="missing"))
    seen: dict[str, int] = {}
    for i, container in enumerate(defs):
        if not isinstance(container, dict):
            continue  # the shape check reported it
        path: FieldPath = ("containerDefinitions", i)
        for key in ("name", "image"):
            if key not in container:
                where = doc.locate(path)
                out.append(Finding(
                    "error", f"required field '{key}' is missing (ECS refuses a container "
                    f"without one)", Location(where.file, where.line, where.column,
                                              dotted_path((*path, key))),
                    hint=f'add "{key}"', code="missing"))
        name = container.get("name")
        if isinstance(name, str):
            if name in seen:
                out.append(Finding(
                    "error", f"two containers are named '{name}'",
                    doc.locate((*path, "name")), hint="container names must be unique",
                    code="duplicate-container"))
            seen.setdefault(name, i)
        out += _plain_secrets(doc, container, path)
    return out


def _plain_secrets(doc: TaskDefinitionDocument, container: dict[str, Any],
                   path: FieldPath) -> list[Finding]:
    out: list[Finding] = []
    environment = container.get("environment")
    if not isinstance(environment, list):
        return out
    for j, entry in enumerate(environment):
        if not isinstance(entry, dict):
            continue
        name, value = entry.get("name"), entry.get("value")
        if isinstance(name, str) and SECRET_LIKE.search(name) and value not in (None, ""):
            out.append(Finding(
                "warning", f"'{name}' looks like a secret written in plain text",
                doc.locate((*path, "environment", j, "value")),
                hint=f'move it to "secrets": [{{"name": "{name}", "valueFrom": '
                     f'"arn:aws:ssm:REGION:ACCOUNT:parameter/...'
                     f'"}}] (SSM Parameter Store or Secrets Manager)',
                code="plain-secret"))
    return out


def _awslogs_create_group(doc: TaskDefinitionDocument, *,
                          pipectl_creates_group: bool) -> list[Finding]:
    """``awslogs-create-group`` works only if the execution role may ``logs:CreateLogGroup``,
    which the stock ecsTaskExecutionRole may not: the task then fails to start. A warning,
    as a role of the user's own may have it."""
    out: list[Finding] = []
    hint = ("remove it: pipectl creates the group, with deploy.log_retention_days"
            if pipectl_creates_group else
            "remove it and create the group (`aws logs create-log-group`), or give the "
            "execution role logs:CreateLogGroup")
    for container in doc.containers:
        config = container.data.get("logConfiguration")
        options = config.get("options") if isinstance(config, dict) else None
        if isinstance(options, dict) and "awslogs-create-group" in options:
            out.append(Finding(
                "warning", "awslogs-create-group needs logs:CreateLogGroup on the execution "
                "role, which the stock ecsTaskExecutionRole lacks (the task fails to start)",
                doc.locate(("containerDefinitions", container.index, "logConfiguration",
                            "options", "awslogs-create-group"), prefer_key=True),
                hint=hint, code="awslogs-create-group"))
    return out


def _fargate(doc: TaskDefinitionDocument, fargate_service: bool) -> list[Finding]:
    """What ECS refuses for Fargate, which is what `deploy.create_service` creates."""
    out: list[Finding] = []
    data = doc.data
    why = "deploy.create_service runs it on Fargate" if fargate_service else \
        "requiresCompatibilities says FARGATE"

    def add(path: FieldPath, message: str, hint: str, *, severity: str = "error",
            at_key: bool = False) -> None:
        out.append(Finding(severity, message, doc.locate(path, prefer_key=at_key),
                           hint=hint, code="fargate"))

    def missing(key: str, message: str, hint: str, *, severity: str = "error") -> None:
        where = doc.locate(())
        out.append(Finding(severity, message, Location(where.file, where.line, where.column,
                                                       key), hint=hint, code="fargate"))

    compat = data.get("requiresCompatibilities")
    if fargate_service and not (isinstance(compat, list) and "FARGATE" in compat):
        if compat is None:
            missing("requiresCompatibilities", f"required for Fargate ({why})",
                    'add "requiresCompatibilities": ["FARGATE"]')
        else:
            add(("requiresCompatibilities",), f"must include FARGATE ({why})",
                'set "requiresCompatibilities": ["FARGATE"]')
    mode = data.get("networkMode")
    if mode is None:
        missing("networkMode", f"required for Fargate ({why})", 'add "networkMode": "awsvpc"')
    elif mode in ("bridge", "host", "none"):  # a misspelt mode has its own finding
        add(("networkMode",), f"Fargate needs networkMode awsvpc; got {mode!r} ({why})",
            'set "networkMode": "awsvpc"')
    cpu, memory = data.get("cpu"), data.get("memory")
    for key, value in (("cpu", cpu), ("memory", memory)):
        if value is None:
            missing(key, f"Fargate needs the task-level {key} ({why})",
                    '"cpu": "256", "memory": "512" is the smallest size')
    units, mib = _cpu_units(cpu), _memory_mib(memory)
    if units is not None and mib is not None:
        allowed = FARGATE_SIZES.get(units)
        if allowed is None:
            add(("cpu",), f"{cpu!r} is not a Fargate CPU size",
                f"Fargate CPU units: {', '.join(map(str, FARGATE_SIZES))}")
        elif mib not in allowed:
            sizes = (f"{', '.join(map(str, allowed[:-1]))} or {allowed[-1]} MiB"
                     if isinstance(allowed, tuple) else
                     f"{allowed.start}-{allowed.stop - 1} MiB in steps of {allowed.step}")
            add(("memory",), f"memory {memory!r} does not fit cpu {cpu!r} on Fargate",
                f"with cpu {units}: {sizes}")
    if "executionRoleArn" not in data:
        uses_awslogs = any(
            isinstance(c.data.get("logConfiguration"), dict)
            and c.data["logConfiguration"].get("logDriver") == "awslogs"
            for c in doc.containers)
        if uses_awslogs:
            missing("executionRoleArn", "Fargate needs an execution role for the awslogs "
                    "log driver", 'add "executionRoleArn": "arn:aws:iam::ACCOUNT:role/'
                    'ecsTaskExecutionRole"')
        else:
            missing("executionRoleArn", "no execution role: Fargate tasks cannot pull the "
                    "image from a private ECR repository without one",
                    'add "executionRoleArn" (a role with AmazonECSTaskExecutionRolePolicy)',
                    severity="warning")
    for container in doc.containers:
        logging = container.data.get("logConfiguration")
        driver = logging.get("logDriver") if isinstance(logging, dict) else None
        if isinstance(driver, str) and driver not in FARGATE_LOG_DRIVERS:
            add(("containerDefinitions", container.index, "logConfiguration", "logDriver"),
                f"Fargate takes the log drivers {', '.join(FARGATE_LOG_DRIVERS)}; got "
                f"{driver!r} ({why})", 'use "awslogs", or leave logConfiguration out')
        mappings = container.data.get("portMappings")
        if not isinstance(mappings, list):
            continue
        for k, mapping in enumerate(mappings):
            if not isinstance(mapping, dict):
                continue
            host, port = mapping.get("hostPort"), mapping.get("containerPort")
            if host is not None and port is not None and host != port:
                add(("containerDefinitions", container.index, "portMappings", k, "hostPort"),
                    f"with awsvpc, hostPort must equal containerPort ({port}); got {host}",
                    '"hostPort" can be left out')
    return out


def _cpu_units(value: Any) -> int | None:
    if isinstance(value, str):
        if value.strip().isdigit():
            return int(value)
        match = _VCPU.match(value)
        if match:
            return int(float(match.group(1)) * 1024)
    return None


def _memory_mib(value: Any) -> int | None:
    if isinstance(value, str):
        if value.strip().isdigit():
            return int(value)
        match = _GB.match(value)
        if match:
            return int(float(match.group(1)) * 1024)
    return None
