"""Two runs of a PARALLEL pipeline in flight on the sandbox: `pipectl watch ID` of each
follows its own run (its stages, its build, its deployment) to its own verdict.

The first run's build fails (a sandbox fault spent on the first build), the second
succeeds; both are started before either is watched, and the watches run side by side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.test_runs import SLOW, Project, make_project  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e


def _watch(project: Project, execution_id: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipectl", "--endpoint-url", project.server.url, "-o", "json",
         "watch", execution_id, "--interval", "0.1", "--timeout", "10m"],
        cwd=project.root, env=dict(os.environ, PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _events(stdout: str) -> list[dict[str, Any]]:
    """The watch's JSON lines (a failed run's error object follows them, indented)."""
    lines = stdout.splitlines()
    end = lines.index("{") if "{" in lines else len(lines)
    return [json.loads(line) for line in lines[:end]]


def _build_id(project: Project, execution_id: str) -> str:
    details = project.client("codepipeline").list_action_executions(
        pipelineName="hello-web", filter={"pipelineExecutionId": execution_id},
    )["actionExecutionDetails"]
    [build] = [d for d in details if d["stageName"] == "Build"]
    return str(build["output"]["executionResult"]["externalExecutionId"])


def test_each_watch_follows_its_own_parallel_run_to_its_verdict(
    make_project: Callable[..., Project],  # noqa: F811  (the fixture imported above)
) -> None:
    def parallel(project_dir: Any) -> None:
        spec = project_dir / "config" / "pipeline.yml"
        spec.write_text(spec.read_text().replace("execution_mode: SUPERSEDED",
                                                 "execution_mode: PARALLEL"))

    project = make_project(SLOW, prepare=parallel)
    project.fault(type="build", phase="BUILD", count=1)
    first, second = (project.cli("run") for _ in range(2))
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    runs = [first.stdout.strip(), second.stdout.strip()]
    watches = [_watch(project, run) for run in runs]
    outputs = [watch.communicate(timeout=300) for watch in watches]
    codes = [watch.returncode for watch in watches]

    assert codes == [1, 0], outputs
    builds = [_build_id(project, run) for run in runs]
    assert builds[0] != builds[1]
    # The two runs were in flight together: the second started before the first ended.
    started = {s["pipelineExecutionId"]: s for s in project.client(
        "codepipeline").list_pipeline_executions(pipelineName="hello-web")[
        "pipelineExecutionSummaries"]}
    assert started[runs[1]]["startTime"] < started[runs[0]]["lastUpdateTime"]

    for index, (stdout, _) in enumerate(outputs):
        ours, theirs = runs[index], runs[1 - index]
        events = _events(stdout)
        assert events[0]["event"] == "started" and events[0]["execution_id"] == ours
        assert theirs not in stdout and builds[1 - index] not in stdout
        build_events = [e for e in events if e.get("stage") == "Build"]
        assert {"InProgress"} <= {e["status"] for e in build_events if e["event"] == "action"}
        assert {e["external_id"] for e in build_events
                if e["event"] == "action" and e.get("external_id")} == {builds[index]}
        # Its build's phases as they came, not only once the run was over.
        assert [e for e in build_events if e["event"] == "phase"
                and e["status"] == "IN_PROGRESS"], stdout
        result = events[-1]
        assert result["event"] == "result" and result["execution_id"] == ours
    first_result = _events(outputs[0][0])[-1]
    assert first_result["outcome"] == "failed"
    assert first_result["diagnosis"]["phase"] == "BUILD"
    assert "Cannot connect to the Docker daemon" in outputs[0][0]
    second_result = _events(outputs[1][0])[-1]
    assert second_result["outcome"] == "succeeded", outputs[1]
    second_events = _events(outputs[1][0])
    assert any(e["event"] == "action" and e["stage"] == "Deploy" and e["status"] == "InProgress"
               for e in second_events)
