"""Buildspec rules that the corpus does not pin down: artifact patterns, docker detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipectl.buildspec.validate import check_buildspec, first_docker_command
from pipectl.spec.load import sort_findings

PHASES = ("phases:\n  build:\n    commands:\n      - {command}\n"
          "      - printf '[]' > imagedefinitions.json\n")


def check(tmp_path: Path, text: str) -> tuple[bool, list[str]]:
    path = tmp_path / "buildspec.yml"
    path.write_text(text)
    document, findings = check_buildspec(path, "buildspec.yml", None)
    runs_docker = document is not None and first_docker_command(document) is not None
    return runs_docker, [f"{f.severity}: {f}" for f in sort_findings(findings)]


@pytest.mark.parametrize("files", [
    "imagedefinitions.json", "[imagedefinitions.json]", "['**/*']", "['*.json']",
    "['./imagedefinitions.json']",
])
def test_artifact_patterns_that_include_the_image_definitions(tmp_path: Path, files: str) -> None:
    text = "version: 0.2\n" + PHASES.format(command="make") + f"artifacts:\n  files: {files}\n"
    _, findings = check(tmp_path, text)
    assert findings == []


def test_a_base_directory_is_taken_into_account(tmp_path: Path) -> None:
    text = ("version: 0.2\n" + PHASES.format(command="make")
            + "artifacts:\n  base-directory: out\n  files: [out/imagedefinitions.json]\n")
    _, findings = check(tmp_path, text)
    assert findings == []
    text = text.replace("[out/imagedefinitions.json]", "[build.log]")
    _, findings = check(tmp_path, text)
    assert any("imagedefinitions.json is not among the artifact files" in f for f in findings)


@pytest.mark.parametrize(("command", "docker"), [
    ("docker build -t x .", True),
    ("DOCKER_BUILDKIT=1 docker buildx build .", True),
    ("aws ecr get-login-password | docker login --password-stdin x", True),
    ("docker-compose build", True),
    ("echo building the dockerfile", False),
    ("make image", False),
])
def test_docker_commands_are_recognised(tmp_path: Path, command: str, docker: bool) -> None:
    text = ("version: 0.2\n" + PHASES.format(command=command)
            + "artifacts:\n  files: [imagedefinitions.json]\n")
    runs_docker, findings = check(tmp_path, text)
    assert runs_docker is docker
    assert findings == []


def test_phase_rules(tmp_path: Path) -> None:
    text = ("version: 0.2\nphases:\n  install:\n    runtime-versions: {python: 3.12}\n"
            "  build:\n    on-failure: RETRY-2\n    runtime-versions: {python: 3.12}\n"
            "    comands: [make]\n    commands: [make]\n"
            "  post_build:\n    on-failure: IGNORE\n    finally:\n      - printf '[]' > "
            "imagedefinitions.json\nartifacts:\n  files: [imagedefinitions.json]\n"
            "artefacts: {}\n")
    _, findings = check(tmp_path, text)
    assert findings == [
        "error: buildspec.yml:7:5: phases.build.runtime-versions: unknown key "
        "'runtime-versions' in phase build (runtime-versions belongs to the install phase)",
        "error: buildspec.yml:8:5: phases.build.comands: unknown key 'comands' in phase build",
        "error: buildspec.yml:11:17: phases.post_build.on-failure: expected ABORT, CONTINUE, "
        "RETRY, RETRY-count, RETRY-regex or RETRY-count-regex; got a string 'IGNORE'",
        "warning: buildspec.yml:16:1: artefacts: unknown key 'artefacts' (CodeBuild does not "
        "use it)",
    ]


def test_phases_without_commands(tmp_path: Path) -> None:
    _, findings = check(tmp_path, "version: 0.2\nphases:\n  build: {}\n"
                                  "artifacts:\n  files: [imagedefinitions.json]\n")
    assert "error: buildspec.yml:3:3: phases: no phase has any commands" in findings
