"""Drill: the endpoint goes away while ``watch`` follows a run; then it comes back.

The sandbox's ``offline`` fault drops every connection, as a lost network or a VPN
that went down does. ``watch`` must stop with one clear error (exit 3) naming the call and the
endpoint it could not reach and the command that re-attaches, and ``watch`` afterwards
must find the run and give its verdict.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipectl.sandbox.server import start_server
from tests.conftest import run_cli
from tests.drills.conftest import CallHook, use_token
from tests.drills.project import Project
from tests.drills.workspace import write_workspace

#: A run of a few seconds: still going when the endpoint goes, and when watch comes back.
SLOW_TIME_SCALE = 0.05


@pytest.fixture
def slow_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    monkeypatch.chdir(tmp_path)
    server = start_server(port=0, time_scale=SLOW_TIME_SCALE)
    use_token(server, monkeypatch)
    try:
        yield Project(server, write_workspace(tmp_path))
    finally:
        server.stop()


class GoOfflineAfter:
    """After-call hook: take the endpoint away once ``looks`` pipeline states were read."""

    def __init__(self, project: Project, looks: int) -> None:
        self.project = project
        self.looks = looks
        self.seen = 0

    def __call__(self, model: Any, **_: Any) -> None:
        if model.name != "GetPipelineState":
            return
        self.seen += 1
        if self.seen == self.looks:
            self.project.fault(type="offline")  # until cleared


@pytest.mark.usefixtures("quick_retries")
def test_watch_fails_clearly_when_the_endpoint_goes_away_and_reattaches_later(
    slow_project: Project, call_hooks: list[CallHook], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = slow_project
    assert project.cli("create").exit_code == 0
    started = project.cli("run")
    assert started.exit_code == 0, started.output
    execution = started.stdout.strip()

    call_hooks.append(GoOfflineAfter(project, looks=1))
    lost = project.cli("watch", execution, "--interval", "0.05")
    call_hooks.clear()

    assert lost.exit_code == 3, lost.output
    assert "Traceback" not in lost.output
    errors = [line for line in lost.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, lost.stderr
    assert "could not reach AWS" in errors[0]
    # The endpoint it could not reach, by its address.
    assert project.url.split("//")[1] in errors[0], errors[0]
    # How to come back to the run, on the same endpoint with the same spec.
    reattach = lost.stderr.split("re-attach with `")[1].split("`")[0]
    assert reattach == (f"pipectl --config {project.spec_path} --endpoint-url {project.url} "
                        f"watch {execution}"), reattach

    project.clear_faults()
    # The run went on in AWS meanwhile; watch comes back to it before it ends.
    run = project.client("codepipeline").get_pipeline_execution(
        pipelineName=project.spec.names.pipeline, pipelineExecutionId=execution)
    assert run["pipelineExecution"]["status"] == "InProgress"
    # The very command the hint gave.
    program, *args = shlex.split(reattach)
    assert program == "pipectl"
    back = run_cli([*args, "--interval", "0.05"])
    assert back.exit_code == 0, back.output
    assert execution in back.output and "succeeded" in back.output
