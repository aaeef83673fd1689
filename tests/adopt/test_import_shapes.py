"""import on moto (in-process): round trips, refusals (planted links among them), and the
report of what a spec cannot hold."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from moto import mock_aws

from pipectl.errors import ExitStatus
from tests.adopt import console
from tests.conftest import run_cli
from tests.moto_fixes import report_event_bridge
from tests.resources.specs import spec_data, task_definition, write_project


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], Any]]:
    import boto3

    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    report_event_bridge(monkeypatch)
    with mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        yield lambda service: session.client(service)


@pytest.fixture
def network(client: Callable[[str], Any]) -> dict[str, Any]:
    ec2 = client("ec2")
    return {"desired_count": 1,
            "subnets": [ec2.describe_subnets()["Subnets"][0]["SubnetId"]],
            "security_groups": [ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]],
            "assign_public_ip": True}


def _import_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                      *args: str) -> tuple[Any, Path]:
    target = tmp_path / "imported"
    target.mkdir()
    monkeypatch.chdir(target)
    return run_cli(["import", name, *args]), target


ROUND_TRIPS = {
    "github-v2-queued": {"deploy": {"log_retention_days": 365}},
    "github-v2-triggers": {"pipeline": {"triggers": {
        "push": [{"branches": {"includes": ["main"], "excludes": ["wip/*"]},
                  "file_paths": {"includes": ["src/**"]}}, {"tags": {"includes": ["v*"]}}],
        "pull_request": [{"branches": {"includes": ["main"]}, "events": ["OPEN"]}]}}},
    # V1: no Commands action to scale a new service up, so pipectl creates none.
    "codecommit-v1": {"source": {"provider": "codecommit", "repository": "hello-web",
                                 "branch": "release"},
                      "pipeline": {"type": "V1", "execution_mode": "SUPERSEDED"},
                      "deploy": {"create_service": None}},
    "s3-v2-variables": {"source": {"provider": "s3", "bucket": "hello-web-source",
                                   "key": "app/source.zip"},
                        "pipeline": {"type": "V2", "execution_mode": "PARALLEL",
                                     "variables": {"STAGE": "prod"}},
                        "deploy": {"log_retention_days": None},
                        "build": {"cache": "none", "compute_type": "BUILD_GENERAL1_MEDIUM",
                                  "env": {"PRICE": "$$5"}},
                        "image": {"keep_images": 12, "immutable_tags": False},
                        "artifacts": {"bucket": "hello-web-artifacts-elsewhere"}},
}


@pytest.mark.parametrize("variant", sorted(ROUND_TRIPS))
def test_a_pipectl_pipeline_imports_to_a_spec_that_plans_no_change(
        variant: str, client: Callable[[str], Any], network: dict[str, Any], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    variant_deploy = ROUND_TRIPS[variant].get("deploy", {})
    sections = {**ROUND_TRIPS[variant], "deploy": {"create_service": network, **variant_deploy}}
    source = ROUND_TRIPS[variant].get("source", {})
    if source.get("provider") == "s3":  # the source bucket is the user's: it exists
        client("s3").create_bucket(Bucket=source["bucket"])
    owned = sections["deploy"]["create_service"] is not None
    if not owned:  # the service exists before, made by its owner
        client("ecs").create_cluster(clusterName="hello-cluster")
        client("ecs").register_task_definition(**task_definition())
        client("ecs").create_service(cluster="hello-cluster", serviceName="hello-web",
                                     taskDefinition="hello-web", desiredCount=1)
    original = tmp_path / "original"
    write_project(original, spec=spec_data(**sections))
    monkeypatch.chdir(original)
    created = run_cli(["create"])
    assert created.exit_code == 0, created.output

    result, target = _import_elsewhere(tmp_path, monkeypatch, "hello-web")
    assert result.exit_code == 0, result.output
    assert "live settings the spec cannot hold" not in result.stdout, result.stdout
    spec = yaml.safe_load((target / "config/pipeline.yml").read_text())
    assert "role_arn" not in spec["build"] and "role_arn" not in spec["pipeline"]
    # The desired count too: the service waits at 0 for its first run, whose ScaleUp
    # action raises it to the spec's count; import reads that count back.
    assert spec["deploy"].get("create_service") == (network if owned else None)
    # The task's log group keeps its retention (null: never expire).
    assert spec["deploy"].get("log_retention_days", 30) == \
        ROUND_TRIPS[variant].get("deploy", {}).get("log_retention_days", 30)
    assert spec["pipeline"].get("triggers") == \
        ROUND_TRIPS[variant].get("pipeline", {}).get("triggers")
    assert not (target / "buildspec.yml").exists()  # the project reads it from the source
    planned = run_cli(["plan", "--detailed-exitcode"])
    assert planned.exit_code == 0, planned.output
    assert "No changes: AWS matches the spec." in planned.stdout


def test_a_second_log_group_kept_otherwise_is_reported_and_the_spec_holds_the_first(
        client: Callable[[str], Any], network: dict[str, Any], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    task = task_definition()
    sidecar = {**task["containerDefinitions"][0], "name": "sidecar", "essential": False,
               "portMappings": []}
    sidecar["logConfiguration"] = {"logDriver": "awslogs", "options": {
        **sidecar["logConfiguration"]["options"], "awslogs-group": "/ecs/hello-web-sidecar"}}
    task["containerDefinitions"].append(sidecar)
    original = tmp_path / "original"
    write_project(original, spec=spec_data(deploy={"create_service": network,
                                                   "log_retention_days": 90}), task=task)
    monkeypatch.chdir(original)
    created = run_cli(["create"])
    assert created.exit_code == 0, created.output
    client("logs").put_retention_policy(logGroupName="/ecs/hello-web-sidecar",
                                        retentionInDays=7)

    result, target = _import_elsewhere(tmp_path, monkeypatch, "hello-web", "-o", "json")
    assert result.exit_code == 0, result.output
    assert [w for w in json.loads(result.stdout)["warnings"]
            if w["resource"].startswith("CloudWatch")] == [{
                "resource": "CloudWatch log group /ecs/hello-web-sidecar",
                "field": "retentionInDays", "value": 7,
                "why": "the spec cannot hold it; the next `pipectl create` or `update` "
                       "changes it"}]
    spec = yaml.safe_load((target / "config/pipeline.yml").read_text())
    assert spec["deploy"]["log_retention_days"] == 90


def test_a_third_stage_is_refused_and_listed(
        client: Callable[[str], Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    approval = {"name": "Approval", "actions": [{
        "name": "Approve", "actionTypeId": {"category": "Approval", "owner": "AWS",
                                            "provider": "Manual", "version": "1"}}]}
    stages = console.stages()
    stages[1]["actions"].append({**stages[1]["actions"][0], "name": "Lint", "runOrder": 2,
                                 "outputArtifacts": [{"name": "LintArtifact"}]})
    console.make_console_pipeline(client, pipeline={
        "stages": [stages[0], stages[1], approval, stages[2]]})
    result, target = _import_elsewhere(tmp_path, monkeypatch, console.NAME)
    assert result.exit_code == ExitStatus.INVALID_INPUT, result.output
    assert ("error: pipeline hello-console has what a pipectl spec cannot describe: "
            "action Build/Lint (Build CodeBuild); stage Approval: Approve (Approval AWS/Manual), "
            "where a spec has one Deploy action (ECS); stage Deploy (actions: Deploy)"
            ) in result.stderr
    assert "hint: pipectl manages Source -> Build (CodeBuild) -> Deploy (ECS)" in result.stderr
    assert list(target.iterdir()) == []
    as_json = run_cli(["import", console.NAME, "-o", "json"])
    error = json.loads(as_json.stdout)
    assert error["ok"] is False and error["exit_code"] == 2
    assert "stage Approval" in error["error"]["message"]


def test_a_missing_pipeline_is_named(client: Callable[[str], Any], in_tmp: Path) -> None:
    result = run_cli(["import", "nope"])
    assert result.exit_code == ExitStatus.AWS_ERROR
    assert "error: pipeline nope does not exist in us-east-1" in result.stderr


SECRET = "hunter2-s3cr3t"


def test_every_setting_the_spec_cannot_hold_is_reported(
        client: Callable[[str], Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stages = console.stages()
    stages[0]["actions"][0]["namespace"] = "SourceVariables"
    stages[2]["actions"][0]["configuration"]["FileName"] = "images.json"
    console.make_console_pipeline(client, pipeline={"stages": stages}, project={
        "queuedTimeoutInMinutes": 60,
        "logsConfig": {"cloudWatchLogs": {"status": "ENABLED", "groupName": "builds"}},
        "environment": {
            "type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL", "privilegedMode": True,
            "environmentVariables": [
                {"name": "REPOSITORY_URI", "value": console.REPOSITORY_URI},
                {"name": "DB_PASSWORD", "value": SECRET, "type": "PLAINTEXT"}]},
    })
    ecr = client("ecr")
    ecr.put_image_tag_mutability(repositoryName=console.REPOSITORY,
                                 imageTagMutability="IMMUTABLE")
    rules = {"rules": [{"rulePriority": 1, "description": "old ones",
                        "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                                      "countUnit": "days", "countNumber": 14},
                        "action": {"type": "expire"}}]}
    ecr.put_lifecycle_policy(repositoryName=console.REPOSITORY,
                             lifecyclePolicyText=json.dumps(rules))

    result, target = _import_elsewhere(tmp_path, monkeypatch, console.NAME, "-o", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    warnings = {(w["resource"], w["field"]): w for w in report["warnings"]}
    pipeline = f"CodePipeline pipeline {console.NAME}"
    project = f"CodeBuild project {console.PROJECT}"
    repository = f"ECR repository {console.REPOSITORY}"
    assert set(warnings) == {
        (pipeline, "stages[0].actions.Source.namespace"),
        (pipeline, "stages[2].actions.Deploy.configuration.FileName"),
        (project, "queuedTimeoutInMinutes"),
        (project, "logsConfig.cloudWatchLogs.groupName"),
        (project, "environment.environmentVariables.DB_PASSWORD"),
        (repository, "imageTagMutability"),
        (repository, "lifecyclePolicy"),
    }, sorted(warnings)
    assert warnings[(pipeline, "stages[0].actions.Source.namespace")]["value"] == \
        "SourceVariables"
    assert warnings[(project, "queuedTimeoutInMinutes")] == {
        "resource": project, "field": "queuedTimeoutInMinutes", "value": 60,
        "why": "the spec cannot hold it; the next `pipectl create` or `update` changes it"}
    assert warnings[(repository, "lifecyclePolicy")]["value"] == rules
    assert "leaves it as it is" in warnings[(repository, "lifecyclePolicy")]["why"]
    assert "store it in SSM" in warnings[(project, "environment.environmentVariables."
                                                   "DB_PASSWORD")]["why"]
    assert report["files"][0] == {"path": "config/pipeline.yml", "action": "written",
                                  "what": "the spec"}

    (target / "config/pipeline.yml").unlink()
    text = run_cli(["import", console.NAME, "--force"])
    assert text.exit_code == 0, text.output
    assert "7 live settings the spec cannot hold:" in text.stdout
    assert (f"  warning: {project}: queuedTimeoutInMinutes = 60: the spec cannot hold it; "
            "the next `pipectl create` or `update` changes it") in text.stdout
    spec_text = (target / "config/pipeline.yml").read_text()
    assert "DB_PASSWORD" not in spec_text
    plan = run_cli(["plan"])
    for output in (result.stdout, text.output, spec_text, plan.output):
        assert SECRET not in output
    assert "DB_PASSWORD.value: (hidden) -> (none)" in plan.stdout


def test_pipeline_variables_a_spec_refuses_are_reported_not_written(
        client: Callable[[str], Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    console.make_console_pipeline(client, pipeline={"pipelineType": "V2", "variables": [
        {"name": "DEPLOY_TOKEN", "defaultValue": SECRET}, {"name": "STAGE"},
        {"name": "TARGET", "defaultValue": "eu"}]})
    result, target = _import_elsewhere(tmp_path, monkeypatch, console.NAME, "-o", "json")
    assert result.exit_code == 0, result.output
    assert SECRET not in result.stdout
    warnings = {w["field"]: w for w in json.loads(result.stdout)["warnings"]}
    assert set(warnings) == {"variables.DEPLOY_TOKEN", "variables.STAGE"}
    assert "never holds a secret in plain text" in warnings["variables.DEPLOY_TOKEN"]["why"]
    spec = yaml.safe_load((target / "config/pipeline.yml").read_text())
    assert spec["pipeline"]["variables"] == {"TARGET": "eu"}
    assert run_cli(["validate"]).exit_code == 0


#: The "Docker sample for CodeBuild" way: the project names the repository in its own
#: variables (no REPOSITORY_URI), the buildspec builds the image URI from them.
SAMPLE_REGISTRY = "$AWS_ACCOUNT_ID.dkr.ecr.$AWS_DEFAULT_REGION.amazonaws.com"
SAMPLE_IMAGE = f"{SAMPLE_REGISTRY}/$IMAGE_REPO_NAME:$IMAGE_TAG"
SAMPLE_LOGIN = ("aws ecr get-login-password --region $AWS_DEFAULT_REGION"
                f" | docker login --username AWS --password-stdin {SAMPLE_REGISTRY}")
SAMPLE_BUILDSPEC = f"""version: 0.2
phases:
  pre_build:
    commands:
      - {SAMPLE_LOGIN}
  build:
    commands:
      - docker build -t {SAMPLE_IMAGE} .
  post_build:
    commands:
      - docker push {SAMPLE_IMAGE}
      - printf '[{{"name":"app","imageUri":"%s"}}]' {SAMPLE_IMAGE} > imagedefinitions.json
artifacts:
  files: imagedefinitions.json
"""


def test_without_repository_uri_the_task_definitions_image_names_the_repository(
        client: Callable[[str], Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repository = "acme/web-images"  # not the name pipectl would derive (hello-console)
    console.make_console_pipeline(client, repository=repository, project={
        "source": {"type": "CODEPIPELINE", "buildspec": SAMPLE_BUILDSPEC,
                   "location": console.NAME},
        "environment": {
            "type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL", "privilegedMode": True,
            "environmentVariables": [
                {"name": "AWS_ACCOUNT_ID", "value": console.ACCOUNT, "type": "PLAINTEXT"},
                {"name": "IMAGE_REPO_NAME", "value": repository, "type": "PLAINTEXT"},
                {"name": "IMAGE_TAG", "value": "latest", "type": "PLAINTEXT"}]},
    })
    client("ecr").put_image_scanning_configuration(
        repositoryName=repository, imageScanningConfiguration={"scanOnPush": True})

    result, target = _import_elsewhere(tmp_path, monkeypatch, console.NAME, "-o", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert not [w for w in report["warnings"] if w["field"] == "image repository"], report
    spec = yaml.safe_load((target / "config/pipeline.yml").read_text())
    # The repository the service's image is in, with its settings read from ECR.
    assert spec["image"] == {"repository": repository, "scan_on_push": True,
                             "immutable_tags": False, "keep_images": None}
    assert spec["build"]["env"] == {"AWS_ACCOUNT_ID": console.ACCOUNT,
                                    "IMAGE_REPO_NAME": repository, "IMAGE_TAG": "latest"}
    assert spec["build"]["image_variables"] is False
    assert run_cli(["validate"]).exit_code == 0
    planned = run_cli(["plan", "-o", "json"])
    assert planned.exit_code == 0, planned.output
    resources = json.loads(planned.stdout)["resources"]
    ecr = [r for r in resources if r["kind"] == "ecr-repository"]
    assert [(r["name"], r["action"]) for r in ecr] == [(repository, "update")], ecr
    assert {c["field"] for c in ecr[0]["changes"]} == {"tags.pipectl:pipeline",
                                                       "tags.pipectl:adopted"}
    assert not {r["action"] for r in resources} & {"create", "delete"}, resources


def _planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The directory the user imports into, and one outside it that a link leads to."""
    target, outside = tmp_path / "imported", tmp_path / "outside"
    target.mkdir()
    outside.mkdir()
    monkeypatch.chdir(target)
    return target, outside


def _refused(result: Any, message: str, link: str) -> None:
    assert result.exit_code == ExitStatus.INVALID_INPUT, result.output
    assert f"error: {message}; import never writes through one" in result.stderr
    assert f"hint: remove the link ({link}), or run `pipectl import` in another " \
        "directory" in result.stderr
    assert "Traceback" not in result.output


def test_a_dangling_link_is_refused_and_its_target_not_created(
        client: Callable[[str], Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    console.make_console_pipeline(client)
    target, outside = _planted(tmp_path, monkeypatch)
    (target / "buildspec.yml").symlink_to(outside / "planted")
    for args in ([], ["--force"]):
        result = run_cli(["import", console.NAME, *args])
        _refused(result, "buildspec.yml is a symbolic link", "buildspec.yml")
        assert not (outside / "planted").exists()
        # All or none: the spec and task definition, checked fine, were not written either.
        assert sorted(p.name for p in target.iterdir()) == ["buildspec.yml"]


def test_force_leaves_a_linked_file_and_its_target_alone(
        client: Callable[[str], Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    console.make_console_pipeline(client)
    target, outside = _planted(tmp_path, monkeypatch)
    (outside / "task.json").write_text("precious\n")
    (target / "config").mkdir()
    (target / "config" / "task_definition.json").symlink_to(outside / "task.json")
    result = run_cli(["import", console.NAME, "--force", "-o", "json"])
    _refused(result, "config/task_definition.json is a symbolic link",
             "config/task_definition.json")
    assert json.loads(result.stdout)["exit_code"] == ExitStatus.INVALID_INPUT
    assert (outside / "task.json").read_text() == "precious\n"
    assert (target / "config" / "task_definition.json").is_symlink()
    assert sorted(p.name for p in (target / "config").iterdir()) == ["task_definition.json"]
    assert not (target / "buildspec.yml").exists()


def test_a_linked_config_directory_is_refused(
        client: Callable[[str], Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    console.make_console_pipeline(client)
    target, outside = _planted(tmp_path, monkeypatch)
    (target / "config").symlink_to(outside, target_is_directory=True)
    result = run_cli(["import", console.NAME, "--force"])
    _refused(result, "config/pipeline.yml is in config, which is a symbolic link", "config")
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in target.iterdir()) == ["config"]
