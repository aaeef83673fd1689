"""validate and create read a task definition file the same way (describe output, nulls)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipectl.aws.session import AwsSession
from tests.conftest import run_cli
from tests.resources.specs import spec_data, task_definition, write_project

DESCRIBE_ONLY = {"taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/"
                 "hello-web:7", "revision": 7, "status": "ACTIVE",
                 "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.logging-driver"
                                         ".awslogs"}],
                 "compatibilities": ["EC2", "FARGATE"], "registeredAt": "2024-05-01T10:00:00Z",
                 "registeredBy": "arn:aws:iam::123456789012:role/admin"}


def registered(aws: AwsSession) -> dict[str, Any]:
    found: dict[str, Any] = aws.client("ecs").describe_task_definition(
        taskDefinition="hello-web")["taskDefinition"]
    return found


def test_describe_output_validates_with_one_warning_and_registers(
    aws: AwsSession, in_tmp: Path, network: dict[str, Any]
) -> None:
    # What `aws ecs describe-task-definition > config/task_definition.json` writes.
    wrapped = {"taskDefinition": {**task_definition(), **DESCRIBE_ONLY},
               "tags": [{"key": "team", "value": "web"}]}
    write_project(in_tmp, spec=spec_data(deploy={"create_service": network}), task=wrapped)
    (in_tmp / "buildspec.yml").write_text(
        (Path(__file__).parents[2] / "buildspec.yml").read_text())
    result = run_cli(["validate"])
    assert result.exit_code == 0, result.output
    assert "warnings (1):" in result.stdout
    assert ("config/task_definition.json:33:5: taskDefinition.taskDefinitionArn: output of "
            "describe-task-definition: pipectl drops the \"taskDefinition\" wrapper and these "
            "keys (ECS sets them): taskDefinitionArn, revision, status, requiresAttributes, "
            "compatibilities, registeredAt, registeredBy") in result.stdout
    created = run_cli(["create"])
    assert created.exit_code == 0, created.output
    assert registered(aws)["containerDefinitions"][0]["name"] == "web"


def test_a_console_export_gets_one_finding_for_its_nulls_and_registers(
    aws: AwsSession, in_tmp: Path, network: dict[str, Any]
) -> None:
    doc = task_definition()
    doc.update({"taskRoleArn": None, "ipcMode": None, "pidMode": None,
                "proxyConfiguration": None, "ephemeralStorage": None})
    doc["containerDefinitions"][0].update({"user": None, "workingDirectory": None,
                                           "healthCheck": None})
    write_project(in_tmp, spec=spec_data(deploy={"create_service": network}), task=doc)
    (in_tmp / "buildspec.yml").write_text(
        (Path(__file__).parents[2] / "buildspec.yml").read_text())
    result = run_cli(["validate", "-o", "json"])
    assert result.exit_code == 0, result.output
    findings = json.loads(result.stdout)
    assert [f["code"] for f in findings] == ["nulls"]
    assert findings[0]["severity"] == "warning"
    assert findings[0]["message"].startswith(
        "8 fields are null (a console export?); pipectl drops them: taskRoleArn, "
        "containerDefinitions[0].user, ")
    created = run_cli(["create"])
    assert created.exit_code == 0, created.output
    assert "user" not in registered(aws)["containerDefinitions"][0]


def test_a_placeholder_role_is_refused_by_validate_and_create_alike(
    aws: AwsSession, in_tmp: Path, network: dict[str, Any]
) -> None:
    doc = {**task_definition(), "executionRoleArn": "{{EXEC_ROLE}}"}
    write_project(in_tmp, spec=spec_data(deploy={"create_service": network}), task=doc)
    validate = run_cli(["validate"])
    assert validate.exit_code == 2
    assert "executionRoleArn: executionRoleArn is neither an IAM role ARN nor a role name" \
        in validate.stdout
    create = run_cli(["create"])
    assert create.exit_code == 2
    assert "executionRoleArn is neither an IAM role ARN nor a role name" in create.stderr
    assert aws.client("iam").list_roles()["Roles"] == []  # nothing half-created
