"""Drill: the endpoint goes away while ``watch`` follows a run; then it comes back.

The sandbox's ``offline`` fault drops every connection, as a lost network or a VPN
that went down does. ``watch`` must stop with one clear error (exit 3) naming the call and the
endpoint it could not reach and the command that re-attaches, and ``watch`` afterwards
must find the run and give its verdict.
"""

from __future__ import annotations

import shlex
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.drills.conftest import CallHook
from tests.drills.project import Project
from tests.sandbox.steered_clock import steer


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
    project: Project, call_hooks: list[CallHook]
) -> None:
    assert project.cli("create").exit_code == 0
    # The run stands still mid-build while the endpoint is away (the sandbox's clock is
    # held), so that however slow this machine is, watch comes back to a run in progress.
    clock = steer(project.sandbox)
    clock.hold()
    started = project.cli("run")
    assert started.exit_code == 0, started.output
    execution = started.stdout.strip()
    codepipeline = project.client("codepipeline")

    def build_stage() -> str:
        stages = codepipeline.get_pipeline_state(name=project.spec.names.pipeline)
        build = next(s for s in stages["stageStates"] if s["stageName"] == "Build")
        return str(build.get("latestExecution", {}).get("status"))

    clock.step_until(build_stage, lambda status: status == "InProgress")

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
    # The run is still going when the endpoint is back; watch comes back to it.
    run = codepipeline.get_pipeline_execution(
        pipelineName=project.spec.names.pipeline, pipelineExecutionId=execution)
    assert run["pipelineExecution"]["status"] == "InProgress"
    clock.resume()
    # The very command the hint gave.
    program, *args = shlex.split(reattach)
    assert program == "pipectl"
    back = run_cli([*args, "--interval", "0.05"])
    assert back.exit_code == 0, back.output
    assert execution in back.output and "succeeded" in back.output
