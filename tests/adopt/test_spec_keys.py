"""The spec keys that describe what exists: existing roles, bucket, inline buildspec."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from pipectl.errors import ExitStatus
from tests.conftest import run_cli
from tests.resources.specs import ACCOUNT, spec_data, write_project

ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/made-by-hand"


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    with mock_aws():
        yield


def test_existing_roles_bucket_and_no_lifecycle_policy_plan_nothing_of_pipectls_own(
        moto: None, in_tmp: Path) -> None:
    import boto3

    boto3.client("s3").create_bucket(Bucket="made-by-hand")
    boto3.client("iam").create_role(
        RoleName="made-by-hand", Path="/service-role/", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"Service": "codepipeline.amazonaws.com"}}]}))
    write_project(in_tmp, spec=spec_data(
        deploy={"create_service": None}, build={"role_arn": ROLE},
        pipeline={"role_arn": ROLE}, image={"keep_images": None},
        artifacts={"bucket": "made-by-hand", "existing": True}))
    result = run_cli(["plan", "-o", "json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    steps = {r["kind"]: r for r in plan["resources"]}
    assert list(steps) == ["s3-bucket", "ecr-repository", "codebuild-project", "codepipeline"]
    assert steps["s3-bucket"]["action"] == "update"
    assert steps["s3-bucket"]["note"].startswith("adopt: it exists")
    created = run_cli(["create"])
    assert created.exit_code == 0, created.output
    project = boto3.client("codebuild").batch_get_projects(
        names=["hello-web-build"])["projects"][0]
    assert project["serviceRole"] == ROLE
    assert boto3.client("codepipeline").get_pipeline(name="hello-web")["pipeline"][
        "roleArn"] == ROLE
    assert [r["RoleName"] for r in boto3.client("iam").list_roles()["Roles"]] == [
        "made-by-hand"]
    tags = boto3.client("s3").get_bucket_tagging(Bucket="made-by-hand")["TagSet"]
    assert {"Key": "pipectl:adopted", "Value": "true"} in tags


def test_an_existing_bucket_that_is_missing_is_an_error(moto: None, in_tmp: Path) -> None:
    write_project(in_tmp, spec=spec_data(artifacts={"bucket": "not-there", "existing": True}))
    result = run_cli(["plan"])
    assert result.exit_code == ExitStatus.AWS_ERROR, result.output
    assert "error: artifact bucket not-there does not exist, but artifacts.existing says it " \
        "does" in result.stderr
    assert "hint: fix artifacts.bucket, or drop artifacts.existing" in result.stderr


def test_inline_buildspec_puts_the_file_in_the_project(moto: None, in_tmp: Path) -> None:
    import boto3

    write_project(in_tmp, spec=spec_data(deploy={"create_service": None}, build={
        "inline_buildspec": True, "buildspec": "ci/build.yml"}))
    missing = run_cli(["plan"])
    assert missing.exit_code == ExitStatus.INVALID_INPUT
    assert "error: build.buildspec: ci/build.yml does not exist" in missing.stderr
    (in_tmp / "ci").mkdir()
    (in_tmp / "ci/build.yml").write_text("version: 0.2\nphases: {}\n")
    assert run_cli(["create"]).exit_code == 0
    project = boto3.client("codebuild").batch_get_projects(
        names=["hello-web-build"])["projects"][0]
    assert project["source"]["buildspec"] == "version: 0.2\nphases: {}\n"
    assert run_cli(["plan", "--detailed-exitcode"]).exit_code == 0
    (in_tmp / "ci/build.yml").write_text("version: 0.2\nphases: {build: {}}\n")
    changed = run_cli(["plan"])
    assert "source.buildspec: version: 0.2" in changed.stdout
