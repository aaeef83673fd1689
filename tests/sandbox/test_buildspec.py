"""Which buildspec a sandbox build runs, and what its log and outputs show."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipectl.sandbox.server import SandboxServer
from tests.sandbox.fixtures import create_pipeline_resources
from tests.sandbox.polling import action, wait_for_execution, wait_until
from tests.sandbox.shapes import assert_output_shape

CUSTOM = """\
version: 0.2
env:
  exported-variables:
    - IMAGE_TAG
    - IMAGE_URI
phases:
  install:
    commands:
      - echo installing tools
  pre_build:
    commands:
      - aws ecr get-login-password | docker login --username AWS --password-stdin x
  build:
    commands:
      - make test
      - docker build -t $REPOSITORY_URI:latest .
  post_build:
    commands:
      - docker push $REPOSITORY_URI:latest
      - cat imagedefinitions.json
artifacts:
  files:
    - imagedefinitions.json
"""


def _log(client: Callable[[str], Any], build: dict[str, Any]) -> str:
    events = client("logs").get_log_events(
        logGroupName=build["logs"]["groupName"], logStreamName=build["logs"]["streamName"],
        startFromHead=True,
    )["events"]
    return "\n".join(e["message"] for e in events)


def test_the_buildspec_file_the_project_names_is_read_from_the_source_directory(
    client: Callable[[str], Any], sandbox: SandboxServer, tmp_path: Path
) -> None:
    (tmp_path / "buildspec.yml").write_text(CUSTOM)
    names = create_pipeline_resources(client)
    codepipeline = client("codepipeline")
    execution_id = codepipeline.start_pipeline_execution(name=names.pipeline)[
        "pipelineExecutionId"
    ]
    assert wait_for_execution(codepipeline, names.pipeline, execution_id) == "Succeeded"
    build_action = action(codepipeline, names.pipeline, execution_id, "Build")
    revision = action(codepipeline, names.pipeline, execution_id, "Source")["output"][
        "outputVariables"]["CommitId"]
    # exported-variables become the Build action's output variables (namespace BuildVariables)
    assert build_action["output"]["outputVariables"] == {
        "IMAGE_TAG": revision[:7], "IMAGE_URI": f"{names.repository_uri}:{revision[:7]}",
    }
    build_id = build_action["output"]["executionResult"]["externalExecutionId"]
    build = client("codebuild").batch_get_builds(ids=[build_id])["builds"][0]
    assert build["exportedEnvironmentVariables"][0]["name"] == "IMAGE_TAG"
    text = _log(client, build)
    assert "YAML location is /codebuild/output/src1/src/buildspec.yml" in text
    assert " INSTALL: 1 commands" in text
    assert "Running command echo installing tools\ninstalling tools" in text
    assert "Running command make test" in text
    assert '[{"name":"web","imageUri":"' in text  # cat imagedefinitions.json


def test_an_inline_buildspec_wins_and_a_broken_one_fails_download_source(
    client: Callable[[str], Any],
) -> None:
    names = create_pipeline_resources(client)
    codebuild = client("codebuild")
    project = codebuild.batch_get_projects(names=[names.project])["projects"][0]
    codebuild.update_project(
        name=names.project,
        source=dict(project["source"], buildspec="version: 0.2\nphases: [not, a, map\n"),
    )
    started = codebuild.start_build(projectName=names.project)
    assert_output_shape(codebuild, "StartBuild", started)
    build = wait_until(
        lambda: codebuild.batch_get_builds(ids=[started["build"]["id"]])["builds"][0],
        lambda b: b["buildComplete"],
    )
    assert build["buildStatus"] == "FAILED"
    failed = [p for p in build["phases"] if p.get("phaseStatus") == "FAILED"]
    assert failed[0]["phaseType"] == "DOWNLOAD_SOURCE"
    assert failed[0]["contexts"][0]["statusCode"] == "YAML_FILE_ERROR"

    inline = "version: 0.2\nphases:\n  build:\n    commands:\n      - echo inline only\n"
    codebuild.update_project(name=names.project, source=dict(project["source"], buildspec=inline))
    second = codebuild.start_build(projectName=names.project)["build"]
    done = wait_until(
        lambda: codebuild.batch_get_builds(ids=[second["id"]])["builds"][0],
        lambda b: b["buildComplete"],
    )
    assert done["buildStatus"] == "SUCCEEDED"
    assert "Running command echo inline only" in _log(client, done)
    listed = codebuild.list_builds()
    assert_output_shape(codebuild, "ListBuilds", listed)
    assert listed["ids"] == [second["id"], started["build"]["id"]]


def test_the_repository_buildspec_runs_and_its_abort_skips_post_build(
    client: Callable[[str], Any], sandbox: SandboxServer, tmp_path: Path
) -> None:
    from tests.conftest import REPO_ROOT
    from tests.sandbox.polling import control

    (tmp_path / "buildspec.yml").write_text((REPO_ROOT / "buildspec.yml").read_text())
    names = create_pipeline_resources(client)
    codepipeline, codebuild = client("codepipeline"), client("codebuild")
    first = codepipeline.start_pipeline_execution(name=names.pipeline)["pipelineExecutionId"]
    assert wait_for_execution(codepipeline, names.pipeline, first) == "Succeeded"

    control(sandbox, "POST", "/_pipectl/faults", {"type": "build", "phase": "BUILD"})
    second = codepipeline.start_pipeline_execution(name=names.pipeline)["pipelineExecutionId"]
    assert wait_for_execution(codepipeline, names.pipeline, second) == "Failed"
    build_id = action(codepipeline, names.pipeline, second, "Build")["output"][
        "executionResult"]["externalExecutionId"]
    build = codebuild.batch_get_builds(ids=[build_id])["builds"][0]
    # on-failure: ABORT in the build phase: no post_build, no upload, straight to FINALIZING.
    assert [p["phaseType"] for p in build["phases"]][-4:] == [
        "PRE_BUILD", "BUILD", "FINALIZING", "COMPLETED",
    ]
    text = _log(client, build)
    # The BUILD phase failed at its first command, the buildx one, with Docker's error.
    in_build = text[text.index("Entering phase BUILD"):]
    commands = [line for line in in_build.splitlines() if "Running command " in line]
    assert len(commands) == 1 and "docker buildx" in commands[0], commands
    assert "Cannot connect to the Docker daemon" in in_build
    assert "UPLOAD_ARTIFACTS" not in text
