"""End to end: `pipectl create`, then the run commands against the sandbox over HTTP.

The sandbox runs the pipeline for real (builds walk their phases and write logs, ECS
rolls out tasks, the circuit breaker rolls back); faults are injected through its
control API. Time is scaled so a whole run takes a fraction of a second; a test that
must act while the run is still going holds the sandbox's clock (tests.sandbox.steered_clock)
rather than hope that a slower run lasts long enough on a loaded machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pipectl.clock import Clock
from pipectl.sandbox.server import SandboxServer, start_server
from tests.conftest import REPO_ROOT, CliResult, aws_calls, run_cli
from tests.sandbox.steered_clock import paced, steer, wait_for

pytestmark = pytest.mark.e2e

FAST = 0.01  # a run in well under a second
URL_PREFIX = "http://203.0.113."  # the sandbox gives tasks documentation addresses


class Project:
    """A checkout of the reference pipeline, created in a running sandbox."""

    def __init__(self, root: Path, server: SandboxServer) -> None:
        self.root = root
        self.server = server

    def cli(self, *args: str, tty: bool = False, stdin: str = "",
            clock: Clock | None = None) -> CliResult:
        return run_cli(["--endpoint-url", self.server.url, *args], tty=tty, stdin=stdin,
                       clock=clock)

    def paced(self, *args: str) -> CliResult:
        """``pipectl ARGS`` (a watch) that paces the run: the sandbox's clock moves a
        simulated second a look, so the watch looks as often, and sees the run at the
        same points, however slow its looks are on a loaded machine."""
        with paced(self.server) as clock:
            return self.cli(*args, clock=clock)

    def fault(self, **spec: Any) -> None:
        request = urllib.request.Request(
            f"{self.server.url}/_pipectl/faults", data=json.dumps(spec).encode(),
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {self.server.token}"}, method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 201

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.server.url, region_name="us-east-1",
                            aws_access_key_id=self.server.token,
                            aws_secret_access_key="sandbox")

    def execution(self, execution_id: str) -> dict[str, Any]:
        doc: dict[str, Any] = self.client("codepipeline").get_pipeline_execution(
            pipelineName="hello-web", pipelineExecutionId=execution_id)["pipelineExecution"]
        return doc


def checkout(root: Path) -> None:
    for name in ("config", "app"):
        shutil.copytree(REPO_ROOT / name, root / name)
    for name in ("buildspec.yml", "Dockerfile"):
        shutil.copy(REPO_ROOT / name, root / name)


@pytest.fixture
def make_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[float], Project]]:
    servers: list[SandboxServer] = []

    def make(time_scale: float = FAST,
             prepare: Callable[[Path], None] | None = None) -> Project:
        checkout(tmp_path)
        if prepare is not None:  # edits the checkout before `create`
            prepare(tmp_path)
        monkeypatch.chdir(tmp_path)
        server = start_server(port=0, time_scale=time_scale, source_dir=tmp_path)
        servers.append(server)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", server.token)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "sandbox")
        project = Project(tmp_path, server)
        created = project.cli("create")
        assert created.exit_code == 0, created.output
        return project

    try:
        yield make
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def project(make_project: Callable[[float], Project]) -> Project:
    return make_project(FAST)


def test_run_watch_succeeds_and_says_where_the_service_answers(project: Project) -> None:
    # Paced: watch looks many times (a run of half a second could end before its first
    # look on a loaded machine, and the call counts below compare with the looks).
    result = project.paced("-v", "run", "--watch", "--interval", "0.05")
    assert result.exit_code == 0, result.output
    assert "succeeded after" in result.stdout
    assert "the pipeline succeeded and the new deployment completed" in result.stdout
    assert f"url       {URL_PREFIX}" in result.stdout
    assert "task def  hello-web:2" in result.stdout
    assert "Build/Build: BUILD SUCCEEDED" in result.stdout
    assert "rollout COMPLETED" in result.stdout
    # API economy: one GetPipelineState per look, and far fewer of everything else.
    looks = aws_calls(result.stderr)["codepipeline:GetPipelineState"]
    assert aws_calls(result.stderr).get("codepipeline:GetPipelineExecution", 0) < looks
    assert aws_calls(result.stderr).get("ecs:DescribeServices", 0) <= looks + 1


def test_json_lines_end_with_the_result(project: Project) -> None:
    # Paced: watch sees the run move (its stages, actions, phases and deployment).
    result = project.paced("run", "--watch", "--interval", "0.05", "-o", "json")
    assert result.exit_code == 0, result.output
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert objects[0]["event"] == "run_started"
    assert {"stage", "action", "phase", "deploy"} <= {o["event"] for o in objects}
    assert objects[-1]["event"] == "result" and objects[-1]["ok"] is True
    assert objects[-1]["url"].startswith(URL_PREFIX)


def test_a_failed_build_exits_1_with_the_phase_log_tail_and_hint(project: Project) -> None:
    project.fault(type="build", phase="BUILD")
    result = project.cli("run", "--watch", "--interval", "0.05")
    assert result.exit_code == 1, result.output
    assert "failed at stage Build, action Build, build phase BUILD" in result.stdout
    assert "log lines:" in result.stdout
    assert "| " in result.stdout and "Cannot connect to the Docker daemon" in result.stdout
    assert "error: run " in result.stderr
    assert " failed at Build/Build, build phase BUILD" in result.stderr
    assert "hint: docker builds need privileged mode" in result.stdout


def test_a_circuit_breaker_rollback_exits_1_with_the_stopped_task_reason(
    project: Project,
) -> None:
    # The first run deploys to a service with no task yet (its ScaleUp action starts
    # them): the breaker has tasks to count from the second run on.
    assert project.cli("run", "--watch", "--interval", "0.05").exit_code == 0
    project.fault(type="deploy")
    # Paced: watch sees the rollback long before the Deploy action's own timeout.
    result = project.paced("run", "--watch", "--interval", "0.05")
    assert result.exit_code == 1, result.output
    assert "ROLLED BACK" in result.stdout
    assert "stopped task: CannotPullContainerError" in result.stdout
    assert "Scaling activity" not in result.stdout  # drained old tasks are not the reason
    # The verdict comes from the service deployment ECS recorded, with the failure count.
    assert "run Deploy/Deploy: service deployment ROLLBACK_SUCCESSFUL" not in result.stdout
    assert "Deploy/Deploy: service deployment IN_PROGRESS" in result.stdout \
        or "Deploy/Deploy: service deployment ROLLBACK" in result.stdout
    # watch ends as soon as the rollback is certain: ECS may not have finished it yet.
    assert re.search("3 of 3 tasks failed in the deployment to ECS service hello-web and the "
                     "deployment circuit breaker tripped; ECS (rolled|is rolling) it back",
                     result.stderr), result.stderr
    assert "CodePipeline still says InProgress" in result.stderr
    assert "hint: ECS could not pull the image" in result.stderr


def test_timeout_exits_4_and_the_run_goes_on(project: Project) -> None:
    # The run stands still until watch has given up on it: on a loaded machine a run of
    # half a second could otherwise end before watch's first look.
    clock = steer(project.server)
    clock.hold()
    result = project.cli("run", "--watch", "--timeout", "0.05s", "--interval", "0.02")
    clock.resume()
    assert result.exit_code == 4, result.output
    reattach = f"pipectl --endpoint-url {project.server.url} watch "
    assert "gave up waiting" in result.stderr and reattach in result.stderr
    execution_id = result.stderr.split(reattach)[1].split("`")[0]
    assert project.cli("watch", execution_id, "--interval", "0.05").exit_code == 0


def test_ctrl_c_exits_130_says_how_to_reattach_and_leaves_the_run_going(
    project: Project,
) -> None:
    # The run is held in its build from the moment it gets there until the end of the
    # test: the Ctrl-C comes while it runs, however slowly this machine starts pipectl.
    clock = steer(project.server)
    clock.hold()
    codepipeline = project.client("codepipeline")
    child = subprocess.Popen(
        [sys.executable, "-m", "pipectl", "--endpoint-url", project.server.url, "run",
         "--watch", "--interval", "0.1"],
        cwd=project.root, env=dict(os.environ, PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_for("the run to start", lambda: bool(codepipeline.list_pipeline_executions(
            pipelineName="hello-web")["pipelineExecutionSummaries"]))
        clock.step_until(
            lambda: codepipeline.get_pipeline_state(name="hello-web")["stageStates"][1],
            lambda stage: stage.get("latestExecution", {}).get("status") == "InProgress")
        assert child.stdout is not None
        for line in child.stdout:  # wait until the run is visibly under way
            if "stage Build: InProgress" in line:
                break
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130, stderr
    assert "the run goes on in AWS" in stderr
    execution_id = stderr.split(f"--endpoint-url {project.server.url} watch ")[1].split("`")[0]
    assert project.execution(execution_id)["status"] == "InProgress"


def test_status_history_and_logs_after_runs(project: Project) -> None:
    first = project.cli("run", "--watch", "--interval", "0.05", "-o", "json")
    second = project.cli("run", "--watch", "--interval", "0.05", "-o", "json")
    assert first.exit_code == second.exit_code == 0
    second_id = json.loads(second.stdout.splitlines()[0])["execution_id"]

    status = project.cli("status")
    assert status.exit_code == 0, status.output
    for fact in ("Pipeline hello-web", f"Latest run    {second_id} Succeeded",
                 "task def    hello-web:3", "running 1/1", "rollout     COMPLETED",
                 f"URL           {URL_PREFIX}"):
        assert fact in status.stdout, status.stdout
    as_json = json.loads(project.cli("status", "-o", "json").stdout)
    assert [s["status"] for s in as_json["stages"]] == ["Succeeded"] * 3
    assert as_json["service"]["rollout_state"] == "COMPLETED"

    history = project.cli("history", "-n", "5")
    assert history.exit_code == 0, history.output
    rows = history.stdout.splitlines()
    assert len(rows) == 3 and rows[1].startswith(second_id) and "Succeeded" in rows[2]

    logs = project.cli("logs")
    assert logs.exit_code == 0, logs.output
    assert "Phase complete: BUILD State: SUCCEEDED" in logs.stdout
    assert "imagedefinitions.json" in logs.stdout


def test_stop_ends_a_run_that_watch_then_reports_as_stopped(project: Project) -> None:
    # The run stands still until it is stopped: however slow this machine, it is going.
    clock = steer(project.server)
    clock.hold()
    started = project.cli("run")
    assert started.exit_code == 0, started.output
    execution_id = started.stdout.strip()
    stopped = project.cli("stop", "--abandon", "--reason", "bad commit")
    assert stopped.exit_code == 0, stopped.output
    assert f"stopping run {execution_id}" in stopped.stdout
    clock.resume()
    watched = project.cli("watch", execution_id, "--interval", "0.1", "--timeout", "60s")
    assert watched.exit_code == 1, watched.output
    assert "STOPPED" in watched.stdout and "was stopped" in watched.stderr


def test_retry_reruns_the_failed_build_to_success(project: Project) -> None:
    project.fault(type="build", phase="POST_BUILD", count=1)
    failed = project.cli("run", "--watch", "--interval", "0.05")
    assert failed.exit_code == 1, failed.output
    assert "build phase POST_BUILD" in failed.stdout
    retried = project.cli("retry", "--watch", "--interval", "0.05")
    assert retried.exit_code == 0, retried.output
    assert "retrying stage Build (Build)" in retried.stderr
    assert "succeeded after" in retried.stdout


def test_rollback_puts_the_previous_revision_back(project: Project) -> None:
    for _ in range(2):
        assert project.cli("run", "--watch", "--interval", "0.05").exit_code == 0
    refused = project.cli("rollback")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    result = project.cli("rollback", "--yes", "--interval", "0.05")
    assert result.exit_code == 0, result.output
    assert "from hello-web:3" in result.stderr and "to hello-web:2" in result.stderr
    assert "Rollback completed: hello-web runs hello-web:2 again" in result.stdout
    service = project.client("ecs").describe_services(
        cluster="hello-web", services=["hello-web"])["services"][0]
    assert service["taskDefinition"].endswith("hello-web:2")


def test_logs_follow_reads_a_running_build_to_its_end_without_repeats(
    project: Project,
) -> None:
    import time

    # The run stands still in the build's PRE_BUILD phase (lines written, BUILD still to
    # come) until `logs --follow` has read it once, however slow this machine is: a
    # build that ended before `logs` started would leave nothing to follow.
    clock = steer(project.server)
    clock.hold()
    assert project.cli("run").exit_code == 0
    codebuild = project.client("codebuild")

    def current_phase() -> str | None:
        ids = codebuild.list_builds_for_project(projectName="hello-web-build")["ids"]
        return codebuild.batch_get_builds(ids=ids)["builds"][0]["currentPhase"] if ids else None

    clock.step_until(current_phase, lambda phase: phase == "PRE_BUILD")

    def sleep(seconds: float) -> None:
        clock.resume()  # the first read is done: let the build go on
        time.sleep(seconds)

    result = run_cli(["--endpoint-url", project.server.url, "logs", "--follow",
                      "--interval", "0.05"], clock=Clock(sleep=sleep))
    assert result.exit_code == 0, result.output
    assert "(IN_PROGRESS)" in result.stderr  # it really followed a running build
    assert result.stdout.count("Entering phase BUILD") == 1
    assert "Phase complete: UPLOAD_ARTIFACTS State: SUCCEEDED" in result.stdout


def test_watch_attaches_to_an_older_finished_run_and_still_diagnoses_it(
    project: Project,
) -> None:
    project.fault(type="build", phase="PRE_BUILD")
    failed = project.cli("run", "--watch", "--interval", "0.05", "-o", "json")
    assert failed.exit_code == 1
    failed_id = json.loads(failed.stdout.splitlines()[0])["execution_id"]
    assert project.cli("run", "--watch", "--interval", "0.05").exit_code == 0
    # Every stage now shows the newer run: the old one is read from its action executions.
    result = project.cli("watch", failed_id)
    assert result.exit_code == 1, result.output
    assert "build phase PRE_BUILD" in result.stdout
    assert "ecr:GetAuthorizationToken" in result.stdout
    assert "hint: the CodeBuild role is not allowed to use the ECR repository" in result.stdout
