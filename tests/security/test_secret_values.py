"""Secret values never leave their store: pipectl handles references only.

A spec names an SSM parameter and a Secrets Manager secret in ``build.secrets``; the
sandbox holds distinctive values under those names. Every command a user would run,
in text and JSON, verbose, must never print those values, and neither the CodeBuild
project, the pipeline, the task definition nor the build's log may contain them. The
references themselves do appear where they belong (the project's environment).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipectl.sandbox.server import SandboxServer
from tests.drills.project import Project
from tests.drills.workspace import spec_document, write_workspace

TOKEN_VALUE = "tok-7f1c9a-DRILL-never-print-me"
PASSWORD_VALUE = "pw-e41b22-DRILL-never-print-me"
SECRETS = {"API_TOKEN": "ssm:/drill/token", "DB_PASSWORD": "secretsmanager:drill/db"}


@pytest.fixture
def secret_project(sandbox: SandboxServer, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.chdir(tmp_path)
    project = Project(sandbox, write_workspace(tmp_path, spec_document(secrets=SECRETS)))
    project.client("ssm").put_parameter(Name="/drill/token", Value=TOKEN_VALUE,
                                        Type="SecureString")
    project.client("secretsmanager").create_secret(Name="drill/db", SecretString=PASSWORD_VALUE)
    return project


def dump(data: Any) -> str:
    return json.dumps(data, default=str)


def assert_no_secret(where: str, text: str) -> None:
    for value in (TOKEN_VALUE, PASSWORD_VALUE):
        assert value not in text, f"a secret value appears in {where}"


def test_secret_values_appear_in_no_output_and_no_configuration(
    secret_project: Project,
) -> None:
    project = secret_project
    commands = [
        ("validate",), ("-o", "json", "validate"),
        ("-v", "plan"), ("-v", "plan", "-o", "json"),
        ("-v", "create"), ("-v", "create", "-o", "json"),
        ("-v", "run", "--watch", "--interval", "0.05"),
        ("-v", "run", "--watch", "--interval", "0.05", "-o", "json"),
        ("-v", "status"), ("-v", "status", "-o", "json"),
        ("-v", "logs"), ("-v", "logs", "-o", "json"),
        ("-v", "history", "-o", "json"),
    ]
    for args in commands:
        result = project.cli(*args)
        assert result.exit_code == 0, (args, result.output)
        assert_no_secret(f"`pipectl {' '.join(args)}`", result.output)

    names = project.spec.names
    [build_project] = project.client("codebuild").batch_get_projects(
        names=[names.project])["projects"]
    assert_no_secret("the CodeBuild project", dump(build_project))
    variables = {v["name"]: v for v in build_project["environment"]["environmentVariables"]}
    assert variables["API_TOKEN"] == {"name": "API_TOKEN", "value": "/drill/token",
                                      "type": "PARAMETER_STORE"}
    assert variables["DB_PASSWORD"] == {"name": "DB_PASSWORD", "value": "drill/db",
                                        "type": "SECRETS_MANAGER"}

    pipeline = project.client("codepipeline").get_pipeline(name=names.pipeline)
    assert_no_secret("the pipeline", dump(pipeline))
    ecs = project.client("ecs")
    for arn in ecs.list_task_definitions()["taskDefinitionArns"]:
        assert_no_secret(arn, dump(ecs.describe_task_definition(taskDefinition=arn)))

    logs = project.client("logs")
    group = f"/aws/codebuild/{names.project}"
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert streams, "the build wrote no log"
    for stream in streams:
        events = logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"],
                                     startFromHead=True)["events"]
        assert_no_secret(f"the build log {stream['logStreamName']}",
                         "\n".join(e["message"] for e in events))
