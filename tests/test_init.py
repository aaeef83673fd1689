"""`pipectl init`: scaffolds a project that validates, never clobbers, asks only at a terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pipectl.scaffolding import default_name
from tests.conftest import REPO_ROOT, run_cli

SCAFFOLD = REPO_ROOT / "src" / "pipectl" / "scaffold"
TEMPLATES = {"pipeline.yml", "task_definition.json"}
#: What the user must not have set for the placeholders to apply.
PLACEHOLDER_VARIABLES = ("GITHUB_CONNECTION_ARN", "GITHUB_REPOSITORY", "SUBNET_ID",
                         "SECURITY_GROUP_ID", "AWS_REGION")


def scaffold_files() -> set[str]:
    """The files init copies as they are: the buildspec, the Dockerfile and its context."""
    return {str(p.relative_to(SCAFFOLD)) for p in SCAFFOLD.rglob("*")
            if p.is_file() and p.name not in TEMPLATES and "__pycache__" not in p.parts}


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch, in_tmp: Path) -> dict[str, str]:
    # A checkout of its own, so that no git remote around the temp directory counts.
    (in_tmp / ".git").mkdir()
    for name in PLACEHOLDER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    import os

    return dict(os.environ)


def test_init_writes_every_file_and_the_result_validates(in_tmp: Path,
                                                         environ: dict[str, str]) -> None:
    result = run_cli(["init"], environ=environ)
    assert result.exit_code == 0, result.output
    expected = {"config/pipeline.yml", "config/task_definition.json", *scaffold_files()}
    assert {"buildspec.yml", "Dockerfile"} <= expected
    for name in expected:
        assert (in_tmp / name).is_file(), name
        assert f"written  {name}\n" in result.stdout
    for name in scaffold_files():
        assert (in_tmp / name).read_bytes() == (SCAFFOLD / name).read_bytes()
    assert "replace before `pipectl create` (marked REPLACE)" in result.stdout
    assert "executionRoleArn" in result.stdout
    assert result.stderr == ""  # no question was asked

    validated = run_cli(["validate"], environ=environ)
    assert validated.exit_code == 0, validated.output
    assert "warnings" not in validated.stdout
    name = default_name(in_tmp)  # the directory's name, made valid
    assert name.startswith("test-init-writes")
    assert f"pipeline {name}: github your-org/{name}@main" in validated.stdout


def test_the_placeholders_are_marked_and_can_come_from_the_environment(
    in_tmp: Path, environ: dict[str, str]
) -> None:
    assert run_cli(["init", "--name", "shop"], environ=environ).exit_code == 0
    spec = (in_tmp / "config/pipeline.yml").read_text()
    assert ('  # REPLACE: your CodeConnections connection to GitHub (or export '
            'GITHUB_CONNECTION_ARN)\n  connection_arn: "${GITHUB_CONNECTION_ARN:-arn:aws:'
            'codeconnections:us-east-1:123456789012:connection/replace-me}"') in spec
    environ |= {"GITHUB_CONNECTION_ARN": "arn:aws:codestar-connections:eu-west-1:"
                "210987654321:connection/real", "GITHUB_REPOSITORY": "acme/shop",
                "SUBNET_ID": "subnet-0aaaabbbbccccdddd"}
    result = run_cli(["validate"], environ=environ)
    assert result.exit_code == 0, result.output
    assert "github acme/shop@main" in result.stdout


def test_options_go_into_the_files(in_tmp: Path, environ: dict[str, str]) -> None:
    result = run_cli([
        "init", "--name", "shop", "--region", "eu-west-2", "--github-repo", "acme/shop",
        "--connection-arn", "arn:aws:codeconnections:eu-west-2:123456789012:connection/c1",
        "--branch", "release", "--repository", "team/shop", "--cluster", "prod",
        "--service", "shop-web", "--container", "app", "--port", "8080",
        "--subnet", "subnet-0aaaabbbbccccdddd", "--subnet", "subnet-0eeeeffff00001111",
        "--security-group", "sg-0aaaabbbbccccdddd",
        "--execution-role-arn", "arn:aws:iam::123456789012:role/shop-exec",
    ], environ=environ)
    assert result.exit_code == 0, result.output
    assert "replace before" not in result.stdout  # nothing left to replace
    spec = yaml.safe_load((in_tmp / "config/pipeline.yml").read_text())
    assert spec["name"] == "shop" and spec["region"] == "eu-west-2"
    assert spec["source"] == {
        "provider": "github", "repository": "acme/shop", "branch": "release",
        "connection_arn": "arn:aws:codeconnections:eu-west-2:123456789012:connection/c1"}
    assert spec["image"]["repository"] == "team/shop"
    assert spec["deploy"]["cluster"] == "prod" and spec["deploy"]["service"] == "shop-web"
    assert spec["deploy"]["container"] == "app" and spec["deploy"]["port"] == 8080
    assert spec["deploy"]["create_service"]["subnets"] == [
        "subnet-0aaaabbbbccccdddd", "subnet-0eeeeffff00001111"]
    taskdef = json.loads((in_tmp / "config/task_definition.json").read_text())
    container = taskdef["containerDefinitions"][0]
    assert container["name"] == "app"
    assert container["portMappings"] == [{"containerPort": 8080, "protocol": "tcp"}]
    assert container["healthCheck"]["command"][-1] == "http://127.0.0.1:8080/health"
    assert "note: the scaffolded Dockerfile serves on port 80, not 8080" in result.stdout
    assert taskdef["executionRoleArn"] == "arn:aws:iam::123456789012:role/shop-exec"
    assert container["logConfiguration"]["options"]["awslogs-region"] == "eu-west-2"
    validated = run_cli(["validate"], environ=environ)
    assert validated.exit_code == 0, validated.output
    assert "ECS prod/shop-web (container app, port 8080)" in validated.stdout


def test_names_that_ecs_would_refuse_are_derived_safely(in_tmp: Path,
                                                        environ: dict[str, str]) -> None:
    assert run_cli(["init", "--name", "Shop.Web"], environ=environ).exit_code == 0
    result = run_cli(["validate"], environ=environ)
    assert result.exit_code == 0, result.output
    assert "CodeBuild Shop-Web-build -> ECR shop.web -> ECS Shop-Web/Shop-Web" in result.stdout


def test_without_create_service(in_tmp: Path, environ: dict[str, str]) -> None:
    assert run_cli(["init", "--no-create-service"], environ=environ).exit_code == 0
    spec = yaml.safe_load((in_tmp / "config/pipeline.yml").read_text())
    assert "create_service" not in spec["deploy"]
    assert run_cli(["validate"], environ=environ).exit_code == 0


def test_init_twice_keeps_the_files_and_force_overwrites(in_tmp: Path,
                                                         environ: dict[str, str]) -> None:
    assert run_cli(["init", "--name", "first"], environ=environ).exit_code == 0
    spec = in_tmp / "config/pipeline.yml"
    dockerfile = in_tmp / "Dockerfile"
    dockerfile.write_text("FROM scratch\n")

    again = run_cli(["init", "--name", "second"], environ=environ)
    assert again.exit_code == 0, again.output
    assert "skipped  config/pipeline.yml (exists; --force overwrites it)" in again.stdout
    assert "skipped  Dockerfile (exists; --force overwrites it)" in again.stdout
    assert "name: first\n" in spec.read_text()
    assert dockerfile.read_text() == "FROM scratch\n"

    (in_tmp / "buildspec.yml").unlink()
    partial = run_cli(["init", "--name", "second"], environ=environ)
    assert "written  buildspec.yml" in partial.stdout
    assert "name: first\n" in spec.read_text()

    forced = run_cli(["init", "--name", "second", "--force"], environ=environ)
    assert forced.exit_code == 0, forced.output
    assert "overwritten  config/pipeline.yml" in forced.stdout
    assert "name: second\n" in spec.read_text()
    assert dockerfile.read_bytes() == (SCAFFOLD / "Dockerfile").read_bytes()


def test_without_a_terminal_init_never_asks(in_tmp: Path, environ: dict[str, str]) -> None:
    result = run_cli(["init"], environ=environ, stdin="typed-name\n", tty=False)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "typed-name" not in (in_tmp / "config/pipeline.yml").read_text()


def test_at_a_terminal_init_asks_for_what_it_was_not_given(in_tmp: Path,
                                                           environ: dict[str, str]) -> None:
    answers = "shop\n\nacme/shop\narn:aws:codeconnections:us-east-1:123456789012:connection/x\n"
    result = run_cli(["init"], environ=environ, stdin=answers, tty=True)
    assert result.exit_code == 0, result.output
    assert f"Pipeline name [{default_name(in_tmp)}]: " in result.stderr
    assert "AWS region [us-east-1]: " in result.stderr
    assert "GitHub repository (owner/repo): " in result.stderr
    assert "CodeConnections connection ARN: " in result.stderr
    spec = yaml.safe_load((in_tmp / "config/pipeline.yml").read_text())
    assert spec["name"] == "shop" and spec["region"] == "us-east-1"
    assert spec["source"]["repository"] == "acme/shop"
    assert spec["source"]["connection_arn"].endswith(":connection/x")
    assert run_cli(["validate"], environ=environ).exit_code == 0


def test_at_a_terminal_options_are_not_asked_again_and_bad_answers_are(
    in_tmp: Path, environ: dict[str, str]
) -> None:
    result = run_cli(["init", "--name", "shop", "--region", "eu-west-1"], environ=environ,
                     stdin="not a repo\nacme/shop\n\n", tty=True)
    assert result.exit_code == 0, result.output
    assert "Pipeline name" not in result.stderr and "AWS region" not in result.stderr
    assert "'not a repo' is not valid (owner/repo, for example acme/hello-web)" in result.stderr
    assert result.stderr.count("GitHub repository (owner/repo): ") == 2
    spec = (in_tmp / "config/pipeline.yml").read_text()
    assert "repository: acme/shop" in spec
    assert "${GITHUB_CONNECTION_ARN:-" in spec  # left blank: a placeholder


def test_at_a_terminal_end_of_input_takes_the_defaults(in_tmp: Path,
                                                       environ: dict[str, str]) -> None:
    result = run_cli(["init"], environ=environ, stdin="", tty=True)
    assert result.exit_code == 0, result.output
    assert run_cli(["validate"], environ=environ).exit_code == 0


def test_no_input_never_asks_even_at_a_terminal(in_tmp: Path, environ: dict[str, str]) -> None:
    result = run_cli(["init", "--no-input"], environ=environ, stdin="x\n", tty=True)
    assert result.exit_code == 0
    assert result.stderr == ""


def test_the_github_repository_comes_from_the_origin_remote(in_tmp: Path,
                                                            environ: dict[str, str]) -> None:
    (in_tmp / ".git" / "config").write_text(
        '[core]\n\tbare = false\n[remote "origin"]\n\turl = git@github.com:acme/web-shop.git\n'
        '\tfetch = +refs/heads/*:refs/remotes/origin/*\n')
    assert run_cli(["init"], environ=environ).exit_code == 0
    assert "repository: acme/web-shop\n" in (in_tmp / "config/pipeline.yml").read_text()


@pytest.mark.parametrize(("args", "message"), [
    (["--name", "my shop"], "--name: 'my shop' is not valid"),
    (["--name", "x"], "--name (the ECR repository derived from it): 'x' is not valid"),
    (["--github-repo", "shop"], "--github-repo: 'shop' is not valid"),
    (["--connection-arn", "arn:aws:iam::1:role/x"], "--connection-arn:"),
    (["--subnet", "subnet-1"], "--subnet: 'subnet-1' is not valid"),
    (["--region", "mars-1"], "--region: 'mars-1' is not valid"),
    (["--port", "0"], "--port"),
])
def test_invalid_options_are_refused_before_writing(in_tmp: Path, environ: dict[str, str],
                                                    args: list[str], message: str) -> None:
    result = run_cli(["init", *args], environ=environ)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not (in_tmp / "config").exists()


def test_json_output_lists_each_file(in_tmp: Path, environ: dict[str, str]) -> None:
    result = run_cli(["init", "-o", "json"], environ=environ)
    assert result.exit_code == 0
    files = json.loads(result.stdout)
    assert files[0] == {"path": "config/pipeline.yml", "action": "written",
                        "replace": ["connection_arn (GITHUB_CONNECTION_ARN)",
                                    "github_repository (GITHUB_REPOSITORY)",
                                    "deploy.create_service.subnets (SUBNET_ID)",
                                    "deploy.create_service.security_groups (SECURITY_GROUP_ID)"]}
    assert {f["path"] for f in files} >= {"config/task_definition.json", "buildspec.yml",
                                          "Dockerfile"}


def test_the_spec_goes_where_config_points(in_tmp: Path, environ: dict[str, str]) -> None:
    assert run_cli(["-c", "ops/pipeline.yml", "init"], environ=environ).exit_code == 0
    assert (in_tmp / "ops/pipeline.yml").is_file()
    assert run_cli(["-c", "ops/pipeline.yml", "validate"], environ=environ).exit_code == 0
