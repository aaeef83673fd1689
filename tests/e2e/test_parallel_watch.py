"""Two runs of a PARALLEL pipeline in flight on the sandbox: `pipectl watch ID` of each
follows its own run (its stages, its build, its deployment) to its own verdict.

The first run's build fails (a sandbox fault spent on the first build), the second
succeeds; both are started before either is watched, and the watches run side by side.
The sandbox's clock is held at the moments each watch must see (both builds running, the
second run deploying) until the watches have shown them, so a watch that starts or looks
slowly on a loaded machine still sees them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.test_runs import Project, make_project  # noqa: F401  (fixture)
from tests.sandbox.steered_clock import steer, wait_for

pytestmark = pytest.mark.e2e


class Watch:
    """`pipectl -o json watch ID` in a child process, its output read as it comes."""

    def __init__(self, project: Project, execution_id: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipectl", "--endpoint-url", project.server.url, "-o",
             "json", "watch", execution_id, "--interval", "0.1", "--timeout", "10m"],
            cwd=project.root, env=dict(os.environ, PYTHONUNBUFFERED="1"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(stream, into), daemon=True)
                         for stream, into in ((self.process.stdout, self.lines),
                                              (self.process.stderr, self.errors))]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: Any, into: list[str]) -> None:
        for line in stream:
            into.append(line)

    def shown(self, wanted: Callable[[dict[str, Any]], bool]) -> bool:
        """Whether the watch has printed an event ``wanted`` picks."""
        return any(wanted(json.loads(line)) for line in list(self.lines)
                   if line.startswith("{") and line.rstrip().endswith("}"))

    def finish(self, timeout: float) -> tuple[int, str, str]:
        code = self.process.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=timeout)
        return code, "".join(self.lines), "".join(self.errors)


def _build_action(event: dict[str, Any]) -> bool:
    return (event["event"] == "action" and event.get("stage") == "Build"
            and event["status"] == "InProgress")


def _running_phase(event: dict[str, Any]) -> bool:
    return (event["event"] == "phase" and event.get("stage") == "Build"
            and event["status"] == "IN_PROGRESS")


def _deploying(event: dict[str, Any]) -> bool:
    return (event["event"] == "action" and event.get("stage") == "Deploy"
            and event["status"] == "InProgress")


def _events(stdout: str) -> list[dict[str, Any]]:
    """The watch's JSON lines, without the error object that ends a failed run's (a JSON
    line too, ``{"ok": false, ...}``)."""
    objects = [json.loads(line) for line in stdout.splitlines()]
    return [o for o in objects if "event" in o]


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

    project = make_project(prepare=parallel)
    project.fault(type="build", phase="BUILD", count=1)
    clock = steer(project.server)
    clock.hold()
    first = project.cli("run")
    clock.step(0.1)  # the second run starts a moment later, as a second push does
    second = project.cli("run")
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    runs = [first.stdout.strip(), second.stdout.strip()]
    watches = [Watch(project, run) for run in runs]
    try:
        codepipeline, codebuild = project.client("codepipeline"), project.client("codebuild")

        def builds_running() -> list[str]:
            ids = codebuild.list_builds_for_project(projectName="hello-web-build")["ids"]
            builds = codebuild.batch_get_builds(ids=ids)["builds"] if ids else []
            return [b["buildStatus"] for b in builds]

        # Both builds under way, held there until each watch has shown its own.
        clock.step_until(builds_running, lambda statuses: statuses == ["IN_PROGRESS"] * 2)
        for watch in watches:
            wait_for("the watch to show its build running",
                     lambda w=watch: w.shown(_build_action) and w.shown(_running_phase))

        def second_deploying() -> str:
            [deploy] = [d for d in codepipeline.list_action_executions(
                pipelineName="hello-web", filter={"pipelineExecutionId": runs[1]},
            )["actionExecutionDetails"] if d["stageName"] == "Deploy"] or [{"status": ""}]
            return str(deploy["status"])

        # The second run deploying, held there until its watch has shown it.
        clock.step_until(second_deploying, lambda status: status == "InProgress")
        wait_for("the second watch to show its deployment",
                 lambda: watches[1].shown(_deploying))
        clock.resume()
        finished = [watch.finish(timeout=300) for watch in watches]
    finally:
        for watch in watches:
            if watch.process.poll() is None:
                watch.process.kill()
    codes = [code for code, _, _ in finished]
    outputs = [(stdout, stderr) for _, stdout, stderr in finished]

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
