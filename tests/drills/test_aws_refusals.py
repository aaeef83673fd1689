"""Drill: AWS refuses the caller. Exit 3, one clear message naming what, never a traceback."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pipectl.aws.errors import translate
from tests.conftest import CliResult, run_cli_process
from tests.drills.project import Project
from tests.drills.refusals import INVALID_ACCESS_KEY, deny


def assert_clear_aws_error(result: CliResult, *names: str) -> None:
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    for name in names:
        assert name in errors[0], (name, errors[0])


def test_access_denied_on_one_create_operation_names_it_and_the_resource(
    project: Project,
) -> None:
    with deny(project.sandbox, "codebuild:CreateProject") as refused:
        result = project.cli("create")
    assert refused
    assert_clear_aws_error(result, "access denied", "codebuild:CreateProject",
                           project.spec.names.project)
    assert "hint:" in result.stderr and "codebuild:CreateProject" in result.stderr
    # What was created before the refusal stays, and a re-run takes it from there.
    assert project.spec.names.repository in project.inventory()["repositories"]


def test_access_denied_on_a_read_during_plan(project: Project) -> None:
    with deny(project.sandbox, "ecr:DescribeRepositories"):
        result = project.cli("plan", "-o", "json")
    assert_clear_aws_error(result, "ecr:DescribeRepositories", project.spec.names.repository)
    error = json.loads(result.stdout)
    assert error["ok"] is False and error["exit_code"] == 3
    assert error["error"]["operation"] == "ecr:DescribeRepositories"
    assert error["error"]["resource"] == project.spec.names.repository


def test_invalid_credentials(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    # The sandbox itself refuses every access key but its token, as AWS refuses a key
    # it does not know.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", INVALID_ACCESS_KEY)
    result = project.cli("create")
    assert_clear_aws_error(result, "rejected the credentials", "sts:GetCallerIdentity")
    assert "aws configure" in result.stderr or "profile" in result.stderr


def no_credentials_environ(tmp_path: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("AWS_ACCESS_KEY", "AWS_SECRET", "AWS_SESSION",
                                    "AWS_CONTAINER_", "AWS_WEB_IDENTITY", "AWS_ROLE_"))}
    environ.update({
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",  # else botocore asks the instance metadata
    })
    return environ


def test_missing_credentials_in_a_real_process(project: Project, tmp_path: Path) -> None:
    """The installed command, as a user runs it in a shell with no AWS set-up at all."""
    done = run_cli_process(
        ["--endpoint-url", project.url, "-c", str(project.spec_path), "plan"],
        env=no_credentials_environ(tmp_path), timeout=60,
    )
    result = CliResult(done.returncode, done.stdout, done.stderr)
    # The first call plan makes names the operation that needed the credentials.
    assert_clear_aws_error(result, "no usable AWS credentials", "sts:GetCallerIdentity")
    assert "aws configure" in done.stderr
    # The sandbox it suggests is started without the options of the failed command.
    assert "`pipectl sandbox start`, then `pipectl --sandbox ...`" in done.stderr


def test_missing_credentials_name_the_operation_of_an_unwrapped_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call outside ``aws_call`` (so translated at the CLI's boundary, with no operation
    given), made in a worker thread as parallel reads are: the message still names it."""
    import boto3

    for name, value in no_credentials_environ(tmp_path).items():
        monkeypatch.setenv(name, value)
    for name in [k for k in os.environ if k.startswith(("AWS_ACCESS_KEY", "AWS_SECRET",
                                                         "AWS_SESSION"))]:
        monkeypatch.delenv(name)
    client = boto3.session.Session().client(
        "codepipeline", region_name="us-east-1", endpoint_url="http://127.0.0.1:9")
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(client.get_pipeline_state, name="hello-web")
        try:
            future.result()
        except Exception as exc:  # what the CLI's boundary catches
            error = translate(exc)
        else:  # pragma: no cover
            pytest.fail("a call without credentials succeeded")
    assert error.exit_status == 3
    assert error.message == ("no usable AWS credentials were found (needed to call "
                             "codepipeline:GetPipelineState)")
    assert getattr(error, "operation", None) == "codepipeline:GetPipelineState"
