"""Task definition rules beyond the corpus: Fargate sizes, shape limits, EC2 leniency."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipectl.spec.load import sort_findings
from pipectl.spec.taskdef import check_task_definition


def fargate(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
        "cpu": "256", "memory": "512",
        "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
        "containerDefinitions": [{"name": "web", "image": "web:1",
                                  "portMappings": [{"containerPort": 80}]}],
    }
    doc.update(overrides)
    return doc


def check(tmp_path: Path, doc: Any, *, fargate_service: bool = True) -> list[str]:
    path = tmp_path / "td.json"
    path.write_text(json.dumps(doc, indent=2))
    _, findings = check_task_definition(path, "td.json", fargate_service=fargate_service)
    return [f"{f.severity}: {f.location.path if f.location else ''}: {f.message}"
            for f in sort_findings(findings)]


@pytest.mark.parametrize(("cpu", "memory"), [
    ("256", "512"), ("256", "2048"), ("512", "4096"), ("1 vCPU", "2 GB"), ("1024", "8192"),
    ("4096", "30720"), ("8192", "61440"), ("16384", "122880"), (".25 vcpu", "1GB"),
])
def test_fargate_sizes_that_exist(tmp_path: Path, cpu: str, memory: str) -> None:
    assert check(tmp_path, fargate(cpu=cpu, memory=memory)) == []


@pytest.mark.parametrize(("cpu", "memory", "field"), [
    ("256", "3072", "memory"), ("512", "512", "memory"), ("8192", "18432", "memory"),
    ("256", "1536", "memory"), (".25 vCPU", "1.5 GB", "memory"),
    ("384", "1024", "cpu"),
])
def test_fargate_sizes_that_do_not(tmp_path: Path, cpu: str, memory: str, field: str) -> None:
    findings = check(tmp_path, fargate(cpu=cpu, memory=memory))
    assert len(findings) == 1 and findings[0].startswith(f"error: {field}: ")


def test_no_execution_role_is_a_warning_without_awslogs(tmp_path: Path) -> None:
    doc = fargate()
    del doc["executionRoleArn"]
    assert check(tmp_path, doc) == [
        "warning: executionRoleArn: no execution role: Fargate tasks cannot pull the image "
        "from a private ECR repository without one"]


def test_an_ec2_task_definition_is_not_held_to_fargate_rules(tmp_path: Path) -> None:
    doc = {"family": "web", "networkMode": "bridge",
           "containerDefinitions": [{"name": "web", "image": "web:1", "memory": 256,
                                     "portMappings": [{"containerPort": 80, "hostPort": 0}]}]}
    assert check(tmp_path, doc, fargate_service=False) == []


def test_shape_limits_and_types_come_from_botocore(tmp_path: Path) -> None:
    doc = fargate(tags=[{"key": "k" * 129, "value": "v"}], ephemeralStorage={"sizeInGiB": "21"})
    doc["containerDefinitions"][0]["essential"] = "yes"
    doc["containerDefinitions"][0]["dnsServers"] = "10.0.0.2"
    assert check(tmp_path, doc) == [  # in file order
        "error: containerDefinitions[0].essential: expected true or false; got a string 'yes'",
        "error: containerDefinitions[0].dnsServers: expected a list; got a string '10.0.0.2'",
        "error: tags[0].key: allows at most 128 characters; has 129",
        "error: ephemeralStorage.sizeInGiB: expected an integer; got a string '21'",
    ]


def test_two_containers_with_one_name(tmp_path: Path) -> None:
    doc = fargate()
    doc["containerDefinitions"].append({"name": "web", "image": "web:2"})
    assert check(tmp_path, doc) == [
        "error: containerDefinitions[1].name: two containers are named 'web'"]


def test_256_cpu_takes_only_512_1024_or_2048_mib(tmp_path: Path) -> None:
    assert check(tmp_path, fargate(memory="1536")) == [
        "error: memory: memory '1536' does not fit cpu '256' on Fargate"]
    path = tmp_path / "td.json"
    _, findings = check_task_definition(path, "td.json", fargate_service=True)
    assert findings[0].hint == "with cpu 256: 512, 1024 or 2048 MiB"


@pytest.mark.parametrize(("value", "problem"), [
    ("{{EXEC_ROLE}}", "is neither an IAM role ARN nor a role name"),
    ("<role>", "is neither an IAM role ARN nor a role name"),
    ("ECS_TASK_EXECUTION_ROLE", "reads as a placeholder (capitals and underscores)"),
    ("arn:aws:iam::<account-id>:role/ecsTaskExecutionRole", "is not an IAM role ARN"),
    ("arn:aws:iam::ACCOUNT_ID:role/ecsTaskExecutionRole", "is not an IAM role ARN"),
    ("arn:aws:iam::123456789012:role/*", "is not an IAM role ARN"),
    ("arn:aws:s3:::bucket", "is not an IAM role ARN"),
])
@pytest.mark.parametrize("key", ["taskRoleArn", "executionRoleArn"])
def test_role_fields_that_are_placeholders(tmp_path: Path, key: str, value: str,
                                           problem: str) -> None:
    findings = check(tmp_path, fargate(**{key: value}))
    assert len(findings) == 1
    assert findings[0].startswith(f"error: {key}: {key} {problem}")


@pytest.mark.parametrize("value", [
    "ecsTaskExecutionRole", "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
    "arn:aws:iam::123456789012:role/service-role/my.app+role@x", "my_app_role",
    "arn:aws-cn:iam::123456789012:role/web",
])
def test_role_fields_that_are_roles(tmp_path: Path, value: str) -> None:
    assert check(tmp_path, fargate(taskRoleArn=value)) == []


@pytest.mark.parametrize("driver", ["awslogs", "json-file", "none"])
def test_log_drivers_on_ec2_include_none(tmp_path: Path, driver: str) -> None:
    """"none" is missing from botocore's enum, yet ECS registers it (the agent offers it)."""
    doc = {"family": "bot", "containerDefinitions": [{
        "name": "bot", "image": "bot:1", "memory": 128,
        "logConfiguration": {"logDriver": driver}}]}
    assert check(tmp_path, doc, fargate_service=False) == []
    doc["containerDefinitions"][0]["logConfiguration"]["logDriver"] = "nonne"
    assert check(tmp_path, doc, fargate_service=False) == [
        "error: containerDefinitions[0].logConfiguration.logDriver: expected one of "
        "json-file, syslog, journald, gelf, fluentd, awslogs, splunk, awsfirelens; got 'nonne'"]


@pytest.mark.parametrize("driver", ["json-file", "none", "syslog"])
def test_fargate_takes_three_log_drivers(tmp_path: Path, driver: str) -> None:
    doc = fargate()
    doc["containerDefinitions"][0]["logConfiguration"] = {"logDriver": driver}
    assert check(tmp_path, doc) == [
        "error: containerDefinitions[0].logConfiguration.logDriver: Fargate takes the log "
        f"drivers awslogs, splunk, awsfirelens; got {driver!r} (deploy.create_service runs "
        "it on Fargate)"]


@pytest.mark.parametrize(("cpu", "finding"), [
    ("128", None), ("196608", None), ("1 vCPU", None), ("10", "'10'"), ("196609", "'196609'"),
    (".1 vcpu", "'.1 vcpu'"),
])
def test_task_cpu_outside_fargate(tmp_path: Path, cpu: str, finding: str | None) -> None:
    doc = {"family": "app", "cpu": cpu, "memory": "512", "requiresCompatibilities": ["EC2"],
           "containerDefinitions": [{"name": "app", "image": "app:1"}]}
    expected = [] if finding is None else [
        f"error: cpu: task cpu {finding} is outside what ECS takes: 128 to 196608 CPU units"]
    assert check(tmp_path, doc, fargate_service=False) == expected


def test_a_member_the_model_deprecates_is_a_warning(tmp_path: Path) -> None:
    doc = fargate(inferenceAccelerators=[{"deviceName": "eia", "deviceType": "eia2.medium"}])
    assert check(tmp_path, doc) == [
        "warning: inferenceAccelerators: 'inferenceAccelerators' is deprecated: This feature "
        "is no longer available."]


@pytest.mark.parametrize(("command", "first"), [
    (["curl -f http://localhost/"], "starts with 'curl -f http://localhost/'"),
    (["curl", "-f", "http://localhost/"], "starts with 'curl'"),
    (["cmd-shell", "curl -f http://localhost/"], "starts with 'cmd-shell'"),
    ([], "is empty"),
])
def test_a_health_check_command_without_cmd_or_cmd_shell_is_a_warning(
        tmp_path: Path, command: list[str], first: str) -> None:
    doc = fargate()
    doc["containerDefinitions"][0]["healthCheck"] = {"command": command, "interval": 30}
    at = "command[0]" if command else "command"
    assert check(tmp_path, doc) == [
        f"warning: containerDefinitions[0].healthCheck.{at}: the health check command of "
        f"container 'web' {first}, not CMD or CMD-SHELL: ECS registers it, but the check "
        "does not run the command"]


@pytest.mark.parametrize("command", [
    ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], ["CMD", "curl", "-f", "http://x/"],
])
def test_a_health_check_command_with_cmd_or_cmd_shell_is_fine(
        tmp_path: Path, command: list[str]) -> None:
    doc = fargate()
    doc["containerDefinitions"][0]["healthCheck"] = {"command": command}
    assert check(tmp_path, doc) == []
