"""End to end: the real `pipectl create` against a local endpoint over HTTP, checked with
the `aws` CLI; then a no-op create, a one-field update and destroy."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipectl.sandbox.server import SandboxServer, start_server
from pipectl.spec.model import Spec
from tests.conftest import aws_calls, run_cli, run_cli_process
from tests.resources.specs import ACCOUNT, make_state, spec_data, task_definition, write_project

pytestmark = pytest.mark.e2e

BUCKET = f"hello-web-artifacts-{ACCOUNT}-us-east-1"


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServer]:
    with start_server(port=0, source_dir=tmp_path) as running:
        # pipectl and the aws CLI sign with the sandbox's token, as its export lines say.
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", running.token)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "sandbox")
        yield running


class AwsCli:
    """The `aws` CLI against the same endpoint, as a user would check the result.

    Its own driver runs in this process: a process per call would cost over a second
    each in interpreter start-up alone.
    """

    def __init__(self, url: str) -> None:
        self.url = url

    def run(self, *args: str) -> tuple[int, str, str]:
        from awscli.clidriver import create_clidriver

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = create_clidriver().main(
                ["--endpoint-url", self.url, "--region", "us-east-1", "--output", "json",
                 *args])
        return int(code), out.getvalue(), err.getvalue()

    def __call__(self, *args: str) -> Any:
        code, out, err = self.run(*args)
        assert code == 0, f"aws {' '.join(args)}: {err}"
        return json.loads(out) if out.strip() else None

    def fails(self, *args: str) -> str:
        code, _, err = self.run(*args)
        assert code != 0, f"aws {' '.join(args)} succeeded"
        return err


def snapshot(aws: AwsCli) -> dict[str, Any]:
    """What a second create must leave exactly as it is."""
    return {
        "pipeline": aws("codepipeline", "get-pipeline", "--name", "hello-web"),
        "project": aws("codebuild", "batch-get-projects", "--names", "hello-web-build"),
        "roles": [aws("iam", "get-role-policy", "--role-name", r, "--policy-name", "pipectl")
                  for r in ("hello-web-codebuild", "hello-web-codepipeline")],
        "repository": aws("ecr", "describe-repositories", "--repository-names", "hello-web"),
        "task": aws("ecs", "list-task-definitions"),
    }


def test_create_converges_updates_one_field_and_destroys(
        server: SandboxServer, tmp_path: Path) -> None:
    aws = AwsCli(server.url)
    subnet = aws("ec2", "describe-subnets")["Subnets"][0]["SubnetId"]
    group = aws("ec2", "describe-security-groups")["SecurityGroups"][0]["GroupId"]
    data = spec_data(deploy={"create_service": {
        "desired_count": 1, "subnets": [subnet], "security_groups": [group],
        "assign_public_ip": True}})
    spec_path = write_project(tmp_path, spec=data)
    expected = make_state(Spec.model_validate(data), task_definition())
    endpoint = ["--endpoint-url", server.url]

    # --- create, in a real process --------------------------------------------------
    created = run_cli_process([*endpoint, "create"], cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert "Done: 19 created." in created.stdout

    pipeline = aws("codepipeline", "get-pipeline", "--name", "hello-web")["pipeline"]
    # Once through the installed `aws` executable itself: the same answer.
    binary = subprocess.run(
        [str(Path(sys.executable).with_name("aws")), "--endpoint-url", server.url,
         "--region", "us-east-1", "--output", "json", "codepipeline", "get-pipeline",
         "--name", "hello-web"],
        capture_output=True, text=True, timeout=60, check=False)
    assert binary.returncode == 0, binary.stderr
    assert json.loads(binary.stdout)["pipeline"] == pipeline
    assert pipeline["pipelineType"] == "V2"
    assert pipeline["executionMode"] == "QUEUED"
    assert pipeline["roleArn"] == f"arn:aws:iam::{ACCOUNT}:role/hello-web-codepipeline"
    assert pipeline["artifactStore"] == {"type": "S3", "location": BUCKET}
    actions = {s["name"]: s["actions"][0] for s in pipeline["stages"]}
    assert list(actions) == ["Source", "Build", "Deploy"]
    assert actions["Source"]["actionTypeId"] == {
        "category": "Source", "owner": "AWS", "provider": "CodeStarSourceConnection",
        "version": "1"}
    assert actions["Source"]["configuration"] == {
        "ConnectionArn": data["source"]["connection_arn"], "FullRepositoryId": "acme/hello-web",
        "BranchName": "main", "OutputArtifactFormat": "CODE_ZIP", "DetectChanges": "true"}
    assert actions["Build"]["actionTypeId"]["provider"] == "CodeBuild"
    assert actions["Build"]["configuration"] == {"ProjectName": "hello-web-build"}
    assert actions["Deploy"]["actionTypeId"]["provider"] == "ECS"
    assert actions["Deploy"]["configuration"] == {
        "ClusterName": "hello-cluster", "ServiceName": "hello-web",
        "FileName": "imagedefinitions.json", "DeploymentTimeout": "15"}
    assert [a["name"] for a in actions["Deploy"]["inputArtifacts"]] == ["BuildArtifact"]

    project = aws("codebuild", "batch-get-projects", "--names", "hello-web-build")["projects"][0]
    env = project["environment"]
    assert (env["type"], env["image"], env["computeType"], env["privilegedMode"]) == (
        "LINUX_CONTAINER", "aws/codebuild/standard:7.0", "BUILD_GENERAL1_SMALL", True)
    assert {v["name"]: (v["type"], v["value"]) for v in env["environmentVariables"]} == {
        "REPOSITORY_URI": ("PLAINTEXT", f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/hello-web"),
        "CONTAINER_NAME": ("PLAINTEXT", "web"), "LOG_LEVEL": ("PLAINTEXT", "info"),
        "API_TOKEN": ("PARAMETER_STORE", "/hello/token")}
    assert project["source"]["type"] == project["artifacts"]["type"] == "CODEPIPELINE"
    assert project["source"]["buildspec"] == "buildspec.yml"
    assert project["serviceRole"] == f"arn:aws:iam::{ACCOUNT}:role/hello-web-codebuild"
    assert project["timeoutInMinutes"] == 30
    assert project["cache"] == {"type": "LOCAL",
                                "modes": ["LOCAL_DOCKER_LAYER_CACHE", "LOCAL_SOURCE_CACHE"]}

    repo = aws("ecr", "describe-repositories", "--repository-names", "hello-web")
    repo = repo["repositories"][0]
    # Every image tag is immutable but the BuildKit cache's, which each build rewrites.
    assert repo["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert repo["imageTagMutabilityExclusionFilters"] == [
        {"filterType": "WILDCARD", "filter": "buildcache"}]
    assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
    lifecycle = aws("ecr", "get-lifecycle-policy", "--repository-name", "hello-web")
    assert json.loads(lifecycle["lifecyclePolicyText"]) == expected.repository.lifecycle_policy

    assert aws("s3api", "get-bucket-versioning", "--bucket", BUCKET)["Status"] == "Enabled"
    encryption = aws("s3api", "get-bucket-encryption", "--bucket", BUCKET)
    rule = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = aws("s3api", "get-public-access-block", "--bucket", BUCKET)
    assert block["PublicAccessBlockConfiguration"] == expected.bucket.public_access_block
    policy = aws("s3api", "get-bucket-policy", "--bucket", BUCKET)["Policy"]
    assert json.loads(policy) == expected.bucket.policy

    for role in (expected.codebuild_role, expected.pipeline_role):
        got = aws("iam", "get-role-policy", "--role-name", role.name, "--policy-name", "pipectl")
        assert got["PolicyDocument"] == role.policy
        trust = aws("iam", "get-role", "--role-name", role.name)["Role"]
        assert trust["AssumeRolePolicyDocument"] == role.trust_policy
        assert {"Key": "pipectl:pipeline", "Value": "hello-web"} in trust["Tags"]

    service = aws("ecs", "describe-services", "--cluster", "hello-cluster",
                  "--services", "hello-web")["services"][0]
    assert service["launchType"] == "FARGATE"
    # The task's awslogs group exists before any task starts, with the spec's retention
    # (the task definition no longer asks the awslogs driver to create it).
    [log_group] = aws("logs", "describe-log-groups",
                      "--log-group-name-prefix", "/ecs/hello-web")["logGroups"]
    assert (log_group["logGroupName"], log_group["retentionInDays"]) == ("/ecs/hello-web", 30)
    # So does the ScaleUp action's, which CodePipeline would make with no retention.
    [action_group] = aws("logs", "describe-log-groups", "--log-group-name-prefix",
                         "/aws/codepipeline/hello-web")["logGroups"]
    assert action_group["retentionInDays"] == 30
    log_tags = aws("logs", "list-tags-for-resource", "--resource-arn",
                   log_group["logGroupArn"])["tags"]
    assert log_tags == {"pipectl:pipeline": "hello-web", "team": "web"}
    assert service["networkConfiguration"]["awsvpcConfiguration"]["subnets"] == [subnet]

    # --- a second create changes nothing and only reads ------------------------------
    os.chdir(tmp_path)
    before = snapshot(aws)
    again = run_cli([*endpoint, "-v", "create"])
    assert again.exit_code == 0, again.output
    assert "Nothing to change" in again.stdout
    made = aws_calls(again.stderr)
    assert made, again.stderr
    assert all(op.split(":")[1].startswith(("Get", "List", "Describe", "BatchGet"))
               for op in made), made
    assert snapshot(aws) == before
    assert before["pipeline"]["pipeline"]["version"] == 1

    # --- one changed field: one diff in plan, applied by update (UpdateProject) -------
    spec_path.write_text(spec_path.read_text().replace(
        "build:\n", "build:\n  compute_type: BUILD_GENERAL1_MEDIUM\n", 1))
    plan = run_cli([*endpoint, "plan", "--detailed-exitcode"])
    assert plan.exit_code == 5, plan.output
    diff_lines = [line.strip() for line in plan.stdout.splitlines() if " -> " in line]
    assert diff_lines == ["environment.computeType: BUILD_GENERAL1_SMALL -> "
                          "BUILD_GENERAL1_MEDIUM"]
    assert "1 to update, 18 unchanged" in plan.stdout
    updated = run_cli([*endpoint, "-v", "update"])
    assert updated.exit_code == 0, updated.output
    assert {op for op in aws_calls(updated.stderr) if op.endswith("UpdateProject")} == {
        "codebuild:UpdateProject"}
    project = aws("codebuild", "batch-get-projects", "--names", "hello-web-build")["projects"][0]
    assert project["environment"]["computeType"] == "BUILD_GENERAL1_MEDIUM"
    assert run_cli([*endpoint, "plan", "--detailed-exitcode"]).exit_code == 0

    # --- destroy --yes removes what was created, but keeps the logs ----------------
    aws("logs", "create-log-stream", "--log-group-name", "/ecs/hello-web",
        "--log-stream-name", "web/web/0123456789abcdef")  # as a task that ran writes them
    destroyed = run_cli([*endpoint, "destroy", "--yes"])
    assert destroyed.exit_code == 0, destroyed.output
    assert "10 deleted, 1 kept." in destroyed.stdout
    assert ("Kept CloudWatch log group /ecs/hello-web: it holds logs; --force deletes it "
            "with its contents.") in destroyed.stdout
    assert aws("logs", "describe-log-groups", "--log-group-name-prefix",
               "/ecs/hello-web")["logGroups"]
    assert aws("codepipeline", "list-pipelines")["pipelines"] == []
    assert aws("logs", "describe-log-groups", "--log-group-name-prefix",
               "/aws/codepipeline/hello-web")["logGroups"] == []  # no run wrote to it
    assert aws("codebuild", "batch-get-projects", "--names", "hello-web-build")["projects"] == []
    assert aws("ecr", "describe-repositories")["repositories"] == []
    assert "NoSuchEntity" in aws.fails("iam", "get-role", "--role-name", "hello-web-codebuild")
    assert aws("s3api", "list-buckets")["Buckets"] == []
    services = aws("ecs", "describe-services", "--cluster", "hello-cluster",
                   "--services", "hello-web")
    assert all(s["status"] == "INACTIVE" for s in services["services"])
    forced = run_cli([*endpoint, "destroy", "--yes", "--force"])
    assert forced.exit_code == 0, forced.output
    assert aws("logs", "describe-log-groups", "--log-group-name-prefix",
               "/ecs/hello-web")["logGroups"] == []
