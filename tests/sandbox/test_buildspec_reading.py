"""The sandbox reads a project's buildspec with pipectl's one reader, from inside its
source directory only, and runs version 0.1 as CodeBuild does (a shell per command)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipectl.sandbox.server import SandboxServer
from tests.sandbox.fixtures import Names, create_pipeline_resources
from tests.sandbox.polling import wait_until

SECRET = "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
BOMB = ("version: 0.2\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e]\n"
        "phases: {build: {commands: [echo]}}\n")


def run_build(client: Callable[[str], Any], buildspec: str, *, created: bool = False
              ) -> tuple[dict[str, Any], str]:
    names = Names() if created else create_pipeline_resources(client)
    codebuild = client("codebuild")
    project = codebuild.batch_get_projects(names=[names.project])["projects"][0]
    codebuild.update_project(name=names.project,
                             source=dict(project["source"], buildspec=buildspec))
    started = codebuild.start_build(projectName=names.project)["build"]
    build = wait_until(lambda: codebuild.batch_get_builds(ids=[started["id"]])["builds"][0],
                       lambda b: b["buildComplete"])
    events = client("logs").get_log_events(
        logGroupName=build["logs"]["groupName"], logStreamName=build["logs"]["streamName"],
        startFromHead=True)["events"]
    return build, "\n".join(e["message"] for e in events)


def failed_context(build: dict[str, Any]) -> tuple[str, dict[str, str]]:
    phase = next(p for p in build["phases"] if p.get("phaseStatus") == "FAILED")
    return phase["phaseType"], phase["contexts"][0]


@pytest.mark.parametrize("where", ["parent", "absolute", "symlink"])
def test_a_buildspec_outside_the_source_directory_is_never_read(
    client: Callable[[str], Any], sandbox: SandboxServer, tmp_path: Path, where: str
) -> None:
    victim = tmp_path.parent / f"{tmp_path.name}-victim" / "credentials"
    victim.parent.mkdir()
    victim.write_text(f"version: 0.2\nphases:\n  build:\n    commands:\n      - {SECRET}\n")
    declared = {"parent": f"../{victim.parent.name}/credentials", "absolute": str(victim),
                "symlink": "linked.yml"}[where]
    if where == "symlink":
        os.symlink(victim, tmp_path / "linked.yml")
    build, log = run_build(client, declared)
    assert build["buildStatus"] == "FAILED"
    phase, context = failed_context(build)
    assert (phase, context["statusCode"]) == ("DOWNLOAD_SOURCE", "YAML_FILE_ERROR")
    assert "outside the source directory" in context["message"] or \
        "not relative to the source directory" in context["message"]
    assert "wJalrXUtnFEMI" not in log + context["message"]


def test_a_broken_buildspec_is_named_by_line_and_field_without_its_text(
    client: Callable[[str], Any], sandbox: SandboxServer, tmp_path: Path
) -> None:
    (tmp_path / "buildspec.yml").write_text(
        f"version: 0.2\nphases:\n  build:\n    commands:\n      - {SECRET}: x\n")
    build, log = run_build(client, "buildspec.yml")
    phase, context = failed_context(build)
    assert (phase, context["statusCode"]) == ("DOWNLOAD_SOURCE", "YAML_FILE_ERROR")
    assert context["message"] == "buildspec.yml line 5: phases.build.commands[0]: wrong type"
    assert "wJalrXUtnFEMI" not in log


def test_an_alias_bomb_is_refused_by_the_bounded_reader(
    client: Callable[[str], Any], sandbox: SandboxServer, tmp_path: Path
) -> None:
    (tmp_path / "buildspec.yml").write_text(BOMB)
    build, _ = run_build(client, "buildspec.yml")
    phase, context = failed_context(build)
    assert (phase, context["statusCode"]) == ("DOWNLOAD_SOURCE", "YAML_FILE_ERROR")
    assert "invalid YAML" in context["message"]


VERSION_0_1 = """\
version: {version}
phases:
  pre_build:
    commands:
      - IMAGE_TAG=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)
  build:
    commands:
      - docker build -t $REPOSITORY_URI:$IMAGE_TAG .
artifacts:
  files: imagedefinitions.json
"""


def test_version_0_1_loses_a_variable_between_commands_as_codebuild_does(
    client: Callable[[str], Any], sandbox: SandboxServer, tmp_path: Path
) -> None:
    (tmp_path / "buildspec.yml").write_text(VERSION_0_1.format(version="0.1"))
    build, log = run_build(client, "buildspec.yml")
    assert build["buildStatus"] == "FAILED"
    phase, context = failed_context(build)
    assert (phase, context["statusCode"]) == ("BUILD", "COMMAND_EXECUTION_ERROR")
    assert "invalid reference format" in log
    (tmp_path / "buildspec.yml").write_text(VERSION_0_1.format(version="0.2"))
    build, log = run_build(client, "buildspec.yml", created=True)
    assert build["buildStatus"] == "SUCCEEDED", log
