"""Secrets never become plain values, and messages never quote them (or files).

The values stand in for real credentials: each test fails if any of them shows up in
what pipectl prints (stdout, stderr, ``-o json``) or would store.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipectl.sandbox.server import SandboxServer
from tests.conftest import run_cli
from tests.drills.project import Project
from tests.drills.workspace import spec_document, task_definition, write_workspace

SECRET_KEY = "wJalrSecretKeyValue0123456789EXAMPLEKEY"
SESSION = "SessTokSecret456SessTokSecret456"
GITHUB = "ghp_0123456789abcdefTOKENVALUE"

# Relative paths in the spec (buildspec, task definition) are read from the project root.
pytestmark = pytest.mark.usefixtures("in_tmp")


def workspace(root: Path, **changes: Any) -> Path:
    document = spec_document()
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = document
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return write_workspace(root, document)


@pytest.fixture
def secret_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION)
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB)
    monkeypatch.setenv("DEPLOY_REGION", SESSION)


def assert_secret_free(text: str) -> None:
    for secret in (SECRET_KEY, SESSION, GITHUB, SESSION[:12], GITHUB[:12]):
        assert secret not in text, text


@pytest.mark.usefixtures("secret_environment")
@pytest.mark.parametrize(("field", "value", "where"), [
    ("build__env", {"FOO": "${AWS_SECRET_ACCESS_KEY}"}, "build.env.FOO"),
    ("tags", {"owner": "${AWS_SECRET_ACCESS_KEY}"}, "tags.owner"),
    ("pipeline__variables", {"RELEASE": "v1-${GITHUB_TOKEN}"}, "pipeline.variables.RELEASE"),
    ("image__repository", "${AWS_SESSION_TOKEN:-hello}", "image.repository"),
])
def test_a_secret_variable_is_refused_in_every_plain_field(
    tmp_path: Path, field: str, value: Any, where: str
) -> None:
    spec = workspace(tmp_path, **{field: value})
    for command in (["validate"], ["validate", "-o", "json"], ["plan"]):
        result = run_cli(["-c", str(spec), *command])
        assert result.exit_code == 2, result.output
        assert where in result.output
        assert "whose name says it holds a secret" in result.output
        assert_secret_free(result.output)


def test_a_pipeline_variable_with_a_secret_name_is_refused(tmp_path: Path) -> None:
    spec = workspace(tmp_path, pipeline__variables={"API_TOKEN": "abc123"})
    result = run_cli(["-c", str(spec), "validate"])
    assert result.exit_code == 2
    assert "pipeline.variables.API_TOKEN" in result.output
    assert "looks like a secret given in plain text" in result.output


@pytest.mark.usefixtures("secret_environment")
def test_messages_name_the_variable_not_its_value(tmp_path: Path) -> None:
    spec = workspace(tmp_path, region="${DEPLOY_REGION}")
    for output in ("text", "json"):
        result = run_cli(["-c", str(spec), "-o", output, "validate"])
        assert result.exit_code == 2
        assert "${DEPLOY_REGION}" in result.output and "not an AWS region" in result.output
        assert_secret_free(result.output)


def test_a_long_value_from_the_spec_is_quoted_short(tmp_path: Path) -> None:
    spec = workspace(tmp_path, build__compute_type="BUILD_GENERAL1_" + "X" * 500)
    result = run_cli(["-c", str(spec), "validate"])
    assert result.exit_code == 2
    assert "X" * 60 not in result.output
    assert "BUILD_GENERAL1_XXXX" in result.output


def test_a_buildspec_that_is_not_yaml_is_never_quoted(tmp_path: Path) -> None:
    spec = workspace(tmp_path)
    (tmp_path / "buildspec.yml").write_text(GITHUB + "\n")
    result = run_cli(["-c", str(spec), "validate"])
    assert result.exit_code == 2
    assert "this one is a string" in result.output
    assert_secret_free(result.output)


def test_a_malformed_credential_stays_out_of_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = workspace(tmp_path)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION + "\nX")
    result = run_cli(["-c", str(spec), "--endpoint-url", "http://127.0.0.1:9", "status"])
    assert result.exit_code == 3, result.output
    assert "Invalid header value (redacted)" in result.stderr
    assert_secret_free(result.output)


def test_endpoint_userinfo_is_not_repeated_in_hints(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    # A pipeline never created: the hint suggests `pipectl create` with the options in
    # effect, the endpoint among them, but without the user and password in its URL.
    spec = workspace(tmp_path)
    endpoint = sandbox.url.replace("http://", "http://me:Pa55w0rdSecret@")
    result = run_cli(["-c", str(spec), "--endpoint-url", endpoint, "status"])
    assert result.exit_code == 3, result.output
    assert "Pa55w0rdSecret" not in result.output
    assert f"--endpoint-url 'http://***@{endpoint.rpartition('@')[2]}' create`" in result.stderr


def test_plan_masks_the_values_of_secret_looking_names(
    project: Project, sandbox: SandboxServer
) -> None:
    assert project.cli("create").exit_code == 0
    task = task_definition("drill-web")
    task["containerDefinitions"][0]["environment"] = [
        {"name": "DB_PASSWORD", "value": "hunter2-plain-text"},
        {"name": "LOG_LEVEL", "value": "debug"},
    ]
    (project.spec_path.parent / "task_definition.json").write_text(json.dumps(task))
    document = yaml.safe_load(project.spec_path.read_text())
    document["build"]["env"]["LOG_LEVEL"] = "debug"
    project.spec_path.write_text(yaml.safe_dump(document))
    for output in ("text", "json"):
        plan = project.cli("plan", "-o", output)
        assert plan.exit_code == 0, plan.output
        assert "hunter2" not in plan.output
        assert "(hidden)" in plan.output
        assert "debug" in plan.output  # what is no secret is still shown
