"""The reference pipeline at the repository root: buildspec.yml, Dockerfile, app/, config/.

Linted with the real tools (shellcheck and hadolint come with the dev extra), checked
against the contract with pipectl's CodeBuild project, and kept identical to the copies
``pipectl init`` writes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from pipectl.buildspec.model import Buildspec
from pipectl.buildspec.reader import load_buildspec as read_buildspec_file
from pipectl.spec.load import load_spec
from tests.conftest import REPO_ROOT, run_cli
from tests.system_tools import FROM_DEV_EXTRA, require_tool

SCAFFOLD = REPO_ROOT / "src" / "pipectl" / "scaffold"
#: What the buildspec may take from outside: the project's variables and CodeBuild's own.
CONTRACT = {"REPOSITORY_URI", "CONTAINER_NAME", "AWS_DEFAULT_REGION"}
#: Variables that must not leak from the machine running the tests into the spec.
SPEC_VARIABLES = ("GITHUB_CONNECTION_ARN", "GITHUB_REPOSITORY", "GITHUB_BRANCH", "SUBNET_ID_A",
                  "SUBNET_ID_B", "SECURITY_GROUP_ID", "AWS_REGION", "PIPECTL_CONFIG")


def tool(name: str) -> str:
    """A linter of the dev extra (shellcheck, hadolint), from the venv running the tests."""
    return require_tool(name, install=FROM_DEV_EXTRA)


def clean_environ() -> dict[str, str]:
    env = dict(os.environ)
    for name in SPEC_VARIABLES:
        env.pop(name, None)
    return env


def load_buildspec(path: Path, display: str = "buildspec.yml") -> Buildspec:
    return read_buildspec_file(path, display)[0]


def buildspec_script() -> str:
    """Every command of the buildspec, in run order, as the one bash script they form."""
    spec = load_buildspec(REPO_ROOT / "buildspec.yml", "buildspec.yml")
    assert spec.shell == "bash"
    out = ["#!/usr/bin/env bash"]
    out += [f"export {name}='{value}'" for name, value in spec.variables.items()]
    for phase in spec.phases:
        for command in (*phase.commands, *phase.finally_commands):
            out.append(f"# {phase.name}, buildspec.yml:{command.line}")
            out.append(command.text.rstrip("\n"))
    return "\n".join(out) + "\n"


# --- buildspec.yml ---------------------------------------------------------------------------


def test_buildspec_commands_pass_shellcheck(tmp_path: Path) -> None:
    script = tmp_path / "buildspec.sh"
    script.write_text(buildspec_script())
    result = subprocess.run([tool("shellcheck"), "--shell=bash", "--severity=style", str(script)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_would_catch_a_broken_command(tmp_path: Path) -> None:
    # The check above means something only if shellcheck flags what it should.
    script = tmp_path / "broken.sh"
    script.write_text(buildspec_script() + 'docker push $IMAGE_URI\n')
    result = subprocess.run([tool("shellcheck"), "--shell=bash", str(script)],
                            capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "SC2086" in result.stdout


def test_buildspec_uses_only_what_the_codebuild_project_and_codebuild_provide() -> None:
    script = buildspec_script()
    spec = load_buildspec(REPO_ROOT / "buildspec.yml")
    assigned = set(re.findall(r"(?:^|[\s;])([A-Z_][A-Z0-9_]*)=", script, re.MULTILINE))
    referenced = set(re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)", script))
    outside = referenced - assigned - set(spec.variables)
    assert outside, "the buildspec should read REPOSITORY_URI and CONTAINER_NAME"
    unexpected = {v for v in outside if v not in CONTRACT and not v.startswith("CODEBUILD_")}
    assert unexpected == set()
    assert {"REPOSITORY_URI", "CONTAINER_NAME"} <= outside
    # Nothing account- or region-specific is written in the file.
    assert not re.search(r"\b\d{12}\b", script)
    assert not re.search(r"\b[a-z]{2}-[a-z]+-\d\b", script)


def test_buildspec_phases_guards_and_artifacts() -> None:
    spec = load_buildspec(REPO_ROOT / "buildspec.yml")
    assert [p.name for p in spec.phases] == ["pre_build", "build", "post_build"]
    assert all(p.on_failure is not None and p.on_failure.action == "ABORT" for p in spec.phases)
    post_build = spec.phase("post_build")
    assert post_build is not None
    assert "CODEBUILD_BUILD_SUCCEEDING" in post_build.commands[0].text
    assert spec.artifact_files == ("imagedefinitions.json",)


# --- Dockerfile and the app ------------------------------------------------------------------


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run([tool("hadolint"), "--no-color", str(REPO_ROOT / "Dockerfile")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_would_catch_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN cd /app && pip install flask\n")
    result = subprocess.run([tool("hadolint"), "--no-color", str(bad)],
                            capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # :latest


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (REPO_ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def test_dockerfile_pins_a_public_ecr_base_and_builds_in_few_layers() -> None:
    instructions = dockerfile_instructions()
    bases = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert len(bases) == 1
    assert re.fullmatch(r"public\.ecr\.aws/[\w./-]+:[\w.-]+", bases[0]), bases[0]
    assert not bases[0].endswith(":latest")
    layers = [k for k, _ in instructions if k in ("RUN", "COPY", "ADD")]
    assert len(layers) <= 2
    assert ("ARG", "COMMIT=unknown") in instructions
    assert ("EXPOSE", "80") in instructions
    assert any(k == "HEALTHCHECK" and "/health" in rest for k, rest in instructions)
    secret_like = re.compile(r"(?i)(secret|passw|token|api_?key|credential)")
    assert not [rest for k, rest in instructions if k in ("ARG", "ENV") and
                secret_like.search(rest)]


def test_dockerignore_lets_through_what_the_dockerfile_copies() -> None:
    patterns = (REPO_ROOT / ".dockerignore").read_text().split()
    sources = [rest.split()[0] for k, rest in dockerfile_instructions() if k == "COPY"]
    assert sources
    for source in sources:
        excluded = "*" in patterns and f"!{source}" not in patterns
        assert not excluded, f"{source} is excluded from the build context"
        assert (REPO_ROOT / source).is_file()


def test_init_scaffolds_are_the_reference_files() -> None:
    for name in ("buildspec.yml", "Dockerfile", "app/default.conf.template"):
        assert (SCAFFOLD / name).read_bytes() == (REPO_ROOT / name).read_bytes(), (
            f"src/pipectl/scaffold/{name} differs from {name}: copy it over")


# --- config/ ---------------------------------------------------------------------------------


def test_pipeline_spec_loads_with_its_defaults() -> None:
    spec = load_spec(REPO_ROOT / "config" / "pipeline.yml", clean_environ())
    assert spec.region == "us-east-1"
    assert spec.source.provider == "github"
    assert spec.build.buildspec == "buildspec.yml"
    assert spec.build.privileged is True
    assert spec.deploy.task_definition == "config/task_definition.json"
    assert spec.deploy.create_service is not None
    assert spec.deploy.create_service.port == 80
    assert spec.deploy.create_service.subnets


def test_pipeline_spec_takes_the_replaced_values_from_the_environment() -> None:
    env = clean_environ()
    env["GITHUB_CONNECTION_ARN"] = ("arn:aws:codestar-connections:eu-west-1:111122223333:"
                                    "connection/abc-123")
    env["GITHUB_REPOSITORY"] = "acme/shop"
    env["SUBNET_ID_A"] = "subnet-0aaaaaaaaaaaaaaaa"
    spec = load_spec(REPO_ROOT / "config" / "pipeline.yml", env)
    assert spec.source.connection_arn == env["GITHUB_CONNECTION_ARN"]  # type: ignore[union-attr]
    assert spec.source.repository == "acme/shop"
    assert spec.deploy.create_service is not None
    assert spec.deploy.create_service.subnets[0] == "subnet-0aaaaaaaaaaaaaaaa"


def test_task_definition_is_fargate_and_matches_the_spec() -> None:
    spec = load_spec(REPO_ROOT / "config" / "pipeline.yml", clean_environ())
    task = json.loads((REPO_ROOT / spec.deploy.task_definition).read_text())
    assert task["networkMode"] == "awsvpc"
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert (task["cpu"], task["memory"]) == ("256", "512")
    assert re.fullmatch(r"arn:aws:iam::\d{12}:role/[\w+=,.@-]+", task["executionRoleArn"])
    containers = {c["name"]: c for c in task["containerDefinitions"]}
    container = containers[spec.deploy.container]
    assert container["essential"] is True
    assert {"containerPort": 80, "hostPort": 80, "protocol": "tcp"}.items() <= (
        container["portMappings"][0].items())
    logs = container["logConfiguration"]
    assert logs["logDriver"] == "awslogs"
    assert logs["options"]["awslogs-group"] == f"/ecs/{spec.name}"
    assert logs["options"]["awslogs-region"] == spec.region
    assert logs["options"]["awslogs-stream-prefix"]


def test_task_definition_is_a_valid_register_task_definition_request() -> None:
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model("ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    task = json.loads((REPO_ROOT / "config" / "task_definition.json").read_text())
    report = ParamValidator().validate(task, shape)
    assert not report.has_errors(), report.generate_report()


def test_pipectl_validate_passes_on_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    result = run_cli(["validate"], environ=clean_environ())
    assert result.exit_code == 0, result.output
    assert "error" not in result.stderr.lower()
