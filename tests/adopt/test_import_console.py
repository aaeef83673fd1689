"""Adopting a pipeline made the console way: import, validate, plan, create, destroy.

Against the sandbox (moto's server over HTTP), driven through the real CLI.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from pipectl.errors import ExitStatus
from pipectl.sandbox.server import SandboxServer
from tests.adopt import console
from tests.conftest import aws_calls, run_cli

READS = ("Get", "List", "Describe", "BatchGet")
#: What adopting may call: tags only (CodeBuild has no TagResource: UpdateProject with
#: the tags alone, checked below by reading the project back).
TAG_CALLS = {"codepipeline:TagResource", "ecr:TagResource", "s3:PutBucketTagging",
             "codebuild:UpdateProject"}


def snapshot(client: Callable[[str], Any]) -> dict[str, Any]:
    """Everything adopting must leave as it is (tags apart)."""
    project = client("codebuild").batch_get_projects(names=[console.PROJECT])["projects"][0]
    pipeline = client("codepipeline").get_pipeline(name=console.NAME)["pipeline"]
    repository = client("ecr").describe_repositories(
        repositoryNames=[console.REPOSITORY])["repositories"][0]
    service = client("ecs").describe_services(
        cluster=console.CLUSTER, services=[console.SERVICE])["services"][0]
    return {
        "project": {k: v for k, v in project.items() if k not in ("tags", "lastModified")},
        "pipeline": {k: v for k, v in pipeline.items() if k != "version"},
        "repository": repository,
        "service": (service["taskDefinition"], service["desiredCount"]),
        "roles": [client("iam").get_role(RoleName=r)["Role"]["Arn"]
                  for r in (console.BUILD_ROLE, console.PIPELINE_ROLE)],
    }


def test_console_pipeline_is_adopted_without_surprises(
        sandbox: SandboxServer, client: Callable[[str], Any], workdir: Path) -> None:
    console.make_console_pipeline(client)
    before = snapshot(client)
    endpoint = ["--endpoint-url", sandbox.url]

    imported = run_cli([*endpoint, "import", console.NAME])
    assert imported.exit_code == 0, imported.output
    assert "written  config/pipeline.yml" in imported.stdout
    assert "written  config/task_definition.json" in imported.stdout
    assert "written  buildspec.yml  (the project's inline buildspec)" in imported.stdout
    spec = yaml.safe_load((workdir / "config/pipeline.yml").read_text())
    assert spec["source"] == {"provider": "github", "connection_arn": console.CONNECTION,
                              "repository": "acme/hello-console", "branch": "main",
                              "detect_changes": True}
    assert spec["build"]["project"] == console.PROJECT
    assert spec["build"]["inline_buildspec"] is True
    assert spec["build"]["role_arn"] == console.BUILD_ROLE_ARN
    assert spec["build"]["env"] == {"REPOSITORY_URI": console.REPOSITORY_URI}
    assert spec["build"]["image_variables"] is False
    assert spec["image"] == {"scan_on_push": False, "immutable_tags": False,
                             "keep_images": None}
    assert spec["deploy"] == {"cluster": console.CLUSTER, "service": console.SERVICE,
                              "container": "app",
                              "task_definition": "config/task_definition.json",
                              "timeout_minutes": 60, "port": 8080}
    assert spec["artifacts"] == {"bucket": console.BUCKET, "existing": True}
    assert spec["pipeline"] == {"type": "V1", "execution_mode": "SUPERSEDED",
                                "role_arn": console.PIPELINE_ROLE_ARN}
    assert (workdir / "buildspec.yml").read_text() == console.INLINE_BUILDSPEC
    task = json.loads((workdir / "config/task_definition.json").read_text())
    assert task["family"] == console.FAMILY
    assert not {"taskDefinitionArn", "revision", "status", "requiresAttributes",
                "compatibilities", "registeredAt", "registeredBy"} & set(task)

    validated = run_cli(["validate"])
    assert validated.exit_code == 0, validated.output

    planned = run_cli([*endpoint, "plan", "-o", "json"])
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.stdout)
    actions = {(r["kind"], r["action"]) for r in plan["resources"]}
    assert not {a for _, a in actions} & {"create", "delete"}, actions
    # Nothing of pipectl's own is made: no role, no bucket setting, no lifecycle policy.
    assert {r["kind"] for r in plan["resources"]} == {
        "s3-bucket", "ecr-repository", "codebuild-project", "codepipeline"}
    for resource in plan["resources"]:
        assert resource["action"] == "update", resource
        assert {c["field"] for c in resource["changes"]} == {
            "tags.pipectl:pipeline", "tags.pipectl:adopted"}, resource
        assert resource["note"].startswith("adopt: it exists and pipectl did not create it")
    text = run_cli([*endpoint, "plan"])
    assert "adopt: it exists and pipectl did not create it; tagging it " \
        "pipectl:pipeline=hello-console and pipectl:adopted=true" in text.stdout

    created = run_cli([*endpoint, "-v", "create"])
    assert created.exit_code == 0, created.output
    changing = {op for op in aws_calls(created.stderr)
                if not op.split(":")[1].startswith(READS)}
    assert changing and changing <= TAG_CALLS, changing
    assert snapshot(client) == before
    project = client("codebuild").batch_get_projects(names=[console.PROJECT])["projects"][0]
    assert {t["key"]: t["value"] for t in project["tags"]} == {
        "pipectl:pipeline": "hello-console", "pipectl:adopted": "true"}
    again = run_cli([*endpoint, "plan", "--detailed-exitcode"])
    assert again.exit_code == 0, again.output

    destroyed = run_cli([*endpoint, "destroy", "--yes"])
    assert destroyed.exit_code == 0, destroyed.output
    assert "Nothing to delete for pipeline hello-console." in destroyed.stdout
    for kept in (f"kept CodePipeline pipeline {console.NAME}",
                 f"kept CodeBuild project {console.PROJECT}",
                 f"kept ECR repository {console.REPOSITORY}", f"kept S3 bucket {console.BUCKET}"):
        assert f"{kept}: adopted: it existed before pipectl managed it; --include-adopted " \
            "deletes it" in destroyed.stdout, destroyed.stdout
    assert snapshot(client) == before


def test_include_adopted_deletes_what_was_adopted(
        sandbox: SandboxServer, client: Callable[[str], Any], workdir: Path) -> None:
    console.make_console_pipeline(client)
    endpoint = ["--endpoint-url", sandbox.url]
    assert run_cli([*endpoint, "import", console.NAME]).exit_code == 0
    assert run_cli([*endpoint, "create"]).exit_code == 0
    destroyed = run_cli([*endpoint, "destroy", "--yes", "--include-adopted"])
    assert destroyed.exit_code == 0, destroyed.output
    assert client("codepipeline").list_pipelines()["pipelines"] == []
    assert client("codebuild").batch_get_projects(names=[console.PROJECT])["projects"] == []
    # Roles given by ARN were never pipectl's to delete, nor was the ECS service.
    assert client("iam").get_role(RoleName=console.BUILD_ROLE)
    assert client("ecs").describe_services(
        cluster=console.CLUSTER, services=[console.SERVICE])["services"][0]["status"] == "ACTIVE"


def test_existing_files_are_never_overwritten_without_force(
        sandbox: SandboxServer, client: Callable[[str], Any], workdir: Path) -> None:
    console.make_console_pipeline(client)
    endpoint = ["--endpoint-url", sandbox.url]
    (workdir / "buildspec.yml").write_text("mine\n")
    refused = run_cli([*endpoint, "import", console.NAME])
    assert refused.exit_code == ExitStatus.INVALID_INPUT
    assert "error: buildspec.yml already exists; import overwrites nothing" in refused.stderr
    assert "hint: pass --force to overwrite it," in refused.stderr
    assert (workdir / "buildspec.yml").read_text() == "mine\n"
    assert not (workdir / "config").exists()
    (workdir / "config").mkdir()
    (workdir / "config" / "pipeline.yml").write_text("mine too\n")
    both = run_cli([*endpoint, "import", console.NAME])
    assert both.exit_code == ExitStatus.INVALID_INPUT
    assert "error: config/pipeline.yml, buildspec.yml already exist; import overwrites " \
        "nothing" in both.stderr
    assert "hint: pass --force to overwrite them," in both.stderr
    assert (workdir / "config" / "pipeline.yml").read_text() == "mine too\n"
    forced = run_cli([*endpoint, "import", console.NAME, "--force"])
    assert forced.exit_code == 0, forced.output
    assert "overwritten  buildspec.yml" in forced.stdout
    assert (workdir / "buildspec.yml").read_text() == console.INLINE_BUILDSPEC


def test_round_trip_keeps_the_rollout_settings_of_a_service_pipectl_created(
        sandbox: SandboxServer, client: Callable[[str], Any], tmp_path: Path,
        monkeypatch: Any) -> None:
    from tests.resources.specs import spec_data, write_project

    ec2 = client("ec2")
    network = {"subnets": [ec2.describe_subnets()["Subnets"][0]["SubnetId"]],
               "security_groups": [
                   ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]],
               "desired_count": 2, "assign_public_ip": True}
    original = tmp_path / "original"
    write_project(original, spec=spec_data(deploy={
        "create_service": network, "circuit_breaker": {"enable": True, "rollback": False},
        "minimum_healthy_percent": 50, "maximum_percent": 150}))
    endpoint = ["--endpoint-url", sandbox.url]
    monkeypatch.chdir(original)
    assert run_cli([*endpoint, "create"]).exit_code == 0
    imported_dir = tmp_path / "imported"
    imported_dir.mkdir()
    monkeypatch.chdir(imported_dir)
    imported = run_cli([*endpoint, "import", "hello-web"])
    assert imported.exit_code == 0, imported.output
    deploy = yaml.safe_load((imported_dir / "config/pipeline.yml").read_text())["deploy"]
    assert deploy["create_service"] == network
    assert (deploy["circuit_breaker"], deploy["minimum_healthy_percent"],
            deploy["maximum_percent"]) == ({"enable": True, "rollback": False}, 50, 150)
    planned = run_cli([*endpoint, "plan", "--detailed-exitcode"])
    assert planned.exit_code == 0, planned.output
