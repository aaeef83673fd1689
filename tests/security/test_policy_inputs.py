"""Inputs that would widen the roles' policies are refused by `validate` (and so by
every command that reads the spec) before anything reaches IAM."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.drills.workspace import spec_document, task_definition, write_workspace

pytestmark = pytest.mark.usefixtures("in_tmp")


def validate(root: Path, document: dict[str, Any], task: dict[str, Any] | None = None
             ) -> str:
    spec = write_workspace(root, document)
    if task is not None:
        (root / "config" / "task_definition.json").write_text(json.dumps(task))
    result = run_cli(["-c", str(spec), "validate"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.mark.parametrize("reference", [
    "ssm:*",
    "ssm:/hello/*",
    "ssm:/hello/tok?n",
    "secretsmanager:arn:aws:secretsmanager:*:123456789012:secret:db",
    "secretsmanager:arn:aws:secretsmanager:us-east-1:*:secret:db",
    "secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:*",
    "secretsmanager:db-*",
])
def test_a_secret_reference_with_a_wildcard_is_refused(in_tmp: Path, reference: str) -> None:
    document = spec_document(secrets={"API_TOKEN": reference})
    output = validate(in_tmp, document)
    assert "build.secrets.API_TOKEN" in output


def test_an_s3_source_key_with_a_wildcard_is_refused(in_tmp: Path) -> None:
    document = spec_document(source={"provider": "s3", "bucket": "acme-sources",
                                     "key": "*"})
    output = validate(in_tmp, document)
    assert "source.key" in output and "without '*' or '?'" in output


@pytest.mark.parametrize("container", ['web","imageUri":"evil.example/x:1', "web*", "we b"])
def test_a_container_name_outside_ecs_rules_is_refused(in_tmp: Path, container: str) -> None:
    document = spec_document()
    document["deploy"]["container"] = container
    output = validate(in_tmp, document)
    assert "deploy.container" in output and "ECS container" in output


def test_a_task_family_with_a_wildcard_is_refused(in_tmp: Path) -> None:
    task = task_definition("drill-web")
    task["family"] = "*"
    output = validate(in_tmp, spec_document(), task)
    assert "family must be 1-255 letters" in output


@pytest.mark.parametrize("role", ["arn:aws:iam::*:role/*",
                                  "arn:aws:iam::123456789012:role/*"])
def test_a_role_arn_with_a_wildcard_is_refused(in_tmp: Path, role: str) -> None:
    task = task_definition("drill-web")
    task["executionRoleArn"] = role
    output = validate(in_tmp, spec_document(), task)
    assert "executionRoleArn" in output and "is not an IAM role ARN" in output


def test_exact_references_still_pass(in_tmp: Path) -> None:
    document = spec_document(secrets={
        "API_TOKEN": "ssm:/hello/token",
        "DB": "secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
              ":password::",
        "OTHER": "secretsmanager:prod/db",
    })
    spec = write_workspace(in_tmp, document)
    result = run_cli(["-c", str(spec), "validate"])
    assert result.exit_code == 0, result.output
