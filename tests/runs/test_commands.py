"""The run commands through the real CLI, against stubbed AWS responses."""

from __future__ import annotations

import json
import os
import re
import types
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import ANY

from pipectl.aws.session import AwsSession, AwsSettings
from pipectl.clock import Clock
from pipectl.runs.start import StartRequest, start_run
from tests.conftest import run_cli
from tests.runs.test_watch import (
    begin,
    build_stage,
    deploy_stage,
    execution_is,
    look,
    old_deploy,
    source_done,
)
from tests.runs.world import (
    BUILD_ID,
    CLUSTER,
    PIPELINE,
    RUN,
    SERVICE,
    T0,
    StubbedClients,
    action_state,
    at,
    build,
    deployment,
    phase,
    pipeline_doc,
    service,
    stage_state,
    summary,
    task_def,
    taskdef_response,
)


class FakeTime:
    """Time that passes only when pipectl sleeps; handed to the CLI as its clock."""

    def __init__(self, interrupt: bool = False) -> None:
        self.now = T0
        self.interrupt = interrupt
        self.clock = Clock(monotonic=self.time, wall=self.time, sleep=self.sleep)

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        if self.interrupt:
            raise KeyboardInterrupt
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def test_run_prints_the_execution_id_and_passes_variables(stubbed: StubbedClients) -> None:
    stubbed.add("codepipeline", "start_pipeline_execution", {"pipelineExecutionId": RUN},
                {"name": PIPELINE, "clientRequestToken": ANY,
                 "variables": [{"name": "DEPLOY_ENV", "value": "staging"}]})
    result = run_cli(["run", "--var", "DEPLOY_ENV=staging"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{RUN}\n"
    assert f"pipectl watch {RUN}" in result.stderr
    stubbed.assert_all_used()


def test_run_source_revision_targets_the_source_action(stubbed: StubbedClients) -> None:
    stubbed.add("codepipeline", "get_pipeline", pipeline_doc())
    stubbed.add("codepipeline", "start_pipeline_execution", {"pipelineExecutionId": RUN},
                {"name": PIPELINE, "clientRequestToken": ANY, "sourceRevisions": [
                    {"actionName": "Source", "revisionType": "COMMIT_ID",
                     "revisionValue": "4f2a9c1"}]})
    result = run_cli(["run", "--source-revision", "4f2a9c1", "-o", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["execution_id"] == RUN


@pytest.mark.parametrize(("args", "expected"), [
    (["--var", "DEPLOY_ENVV=x"], "did you mean DEPLOY_ENV?"),
    (["--var", "novalue"], "is not NAME=VALUE"),
    (["--source-revision", "COMMIT=abc"], "unknown revision type"),
])
def test_run_rejects_bad_input_before_calling_aws(
    stubbed: StubbedClients, args: list[str], expected: str
) -> None:
    result = run_cli(["run", *args])
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "Traceback" not in result.output


def test_a_retried_start_sends_the_same_client_request_token() -> None:
    """botocore retries a 5xx with the same parameters: CodePipeline sees one token."""
    session = AwsSession(AwsSettings(region="us-east-1", endpoint_url="http://127.0.0.1:9"))
    client = session.client("codepipeline")
    bodies: list[dict[str, Any]] = []

    def answer(request: Any, **_: Any) -> AWSResponse:
        bodies.append(json.loads(request.body))
        if len(bodies) == 1:
            return AWSResponse(request.url, 503, {}, types.SimpleNamespace(
                stream=lambda: iter([b"{}"]), read=lambda *a: b"{}", content=b"{}"))
        body = json.dumps({"pipelineExecutionId": RUN}).encode()
        return AWSResponse(request.url, 200, {}, types.SimpleNamespace(
            stream=lambda: iter([body]), read=lambda *a: body, content=body))

    client.meta.events.register("before-send.codepipeline.StartPipelineExecution", answer)
    client.meta.events.register("before-sleep", lambda **_: None)
    execution_id = start_run(session, StartRequest(pipeline=PIPELINE))
    assert execution_id == RUN
    assert len(bodies) == 2
    assert bodies[0]["clientRequestToken"] == bodies[1]["clientRequestToken"]
    # ... and two invocations are two runs.
    assert StartRequest(PIPELINE).client_request_token != \
        StartRequest(PIPELINE).client_request_token


def succeeded_run(stubbed: StubbedClients, *, latest: bool = False) -> None:
    """``latest``: `watch` without an id, whose one ListPipelineExecutions finds the run
    (the watch loop does not read it a second time)."""
    if latest:
        stubbed.add("codepipeline", "list_pipeline_executions", summary(RUN),
                    {"pipelineName": PIPELINE, "maxResults": 1})
        stubbed.add("codepipeline", "get_pipeline", pipeline_doc(), {"name": PIPELINE})
    else:
        begin(stubbed)
    look(stubbed, source_done(), build_stage("Succeeded"), deploy_stage("Succeeded"))
    execution_is(stubbed, "Succeeded")
    stubbed.add("codebuild", "batch_get_builds", build("SUCCEEDED", "COMPLETED",
                                                       [phase("BUILD", "SUCCEEDED", 40)]))
    stubbed.add("ecs", "describe_services", service([
        deployment("ecs-svc/2", "PRIMARY", 8, "COMPLETED", created=70, running=1)]))
    stubbed.add("ecs", "describe_task_definition", taskdef_response(8, "abc1234"))
    stubbed.add("ecs", "list_tasks", {"taskArns": ["arn:aws:ecs:us-east-1:1:task/c/abc"]})
    # AWS's shape: the task names its network interface; EC2 knows its public address.
    stubbed.add("ecs", "describe_tasks", {"tasks": [{"lastStatus": "RUNNING", "attachments": [
        {"type": "ElasticNetworkInterface",
         "details": [{"name": "networkInterfaceId", "value": "eni-0a1b2c3d4e5f60718"}]}]}]})
    stubbed.add("ec2", "describe_network_interfaces", {"NetworkInterfaces": [
        {"NetworkInterfaceId": "eni-0a1b2c3d4e5f60718",
         "Association": {"PublicIp": "198.51.100.4"}}]})


def test_run_watch_succeeds_with_exit_0_and_a_summary(
    stubbed: StubbedClients, fake_time: FakeTime
) -> None:
    stubbed.add("codepipeline", "start_pipeline_execution", {"pipelineExecutionId": RUN})
    succeeded_run(stubbed)
    result = run_cli(["run", "--watch"], clock=fake_time.clock)
    assert result.exit_code == 0, result.output
    assert f"Run {RUN} succeeded" in result.stdout
    assert "url       http://198.51.100.4:8080" in result.stdout
    assert "stage Deploy: Succeeded" in result.stdout
    stubbed.assert_all_used()


def test_watch_json_lines_end_with_the_result(
    stubbed: StubbedClients, fake_time: FakeTime
) -> None:
    succeeded_run(stubbed, latest=True)
    result = run_cli(["watch", "-o", "json"], clock=fake_time.clock)
    assert result.exit_code == 0, result.output
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert objects[0]["event"] == "started"
    assert objects[-1]["event"] == "result" and objects[-1]["ok"] is True
    assert objects[-1]["image"].endswith(":abc1234")


def test_watch_of_a_failed_build_exits_1_with_the_phase_log_tail_and_hint(
    stubbed: StubbedClients, fake_time: FakeTime
) -> None:
    begin(stubbed)
    look(stubbed, source_done(), build_stage("Failed", error="Build terminated with state: "
                                                               "FAILED"), old_deploy())
    execution_is(stubbed, "Failed")
    stubbed.add("codebuild", "batch_get_builds", build("FAILED", "COMPLETED", [
        phase("BUILD", "FAILED", 2, "Error while executing command: docker build .")]))
    stubbed.add("logs", "get_log_events", {"events": [
        {"timestamp": 1, "message": "toomanyrequests: You have reached your pull rate limit."}
    ]})
    result = run_cli(["watch", RUN], clock=fake_time.clock)
    assert result.exit_code == 1, result.output
    assert "  failed at stage Build, action Build, build phase BUILD\n" in result.stdout
    assert "  reason    Error while executing command: docker build ." in result.stdout
    assert "| toomanyrequests: You have reached your pull rate limit." in result.stdout
    assert "hint: Docker Hub's pull rate limit" in result.stdout
    assert f"error: run {RUN} failed at Build/Build, build phase BUILD" in result.stderr
    # Each fact once in the verdict and the error (the timeline above it has its own line
    # per change): AWS's reason and the hint are not repeated.
    verdict = result.stdout[result.stdout.index(f"Run {RUN} FAILED"):] + result.stderr
    assert verdict.count("Error while executing command: docker build .") == 1, verdict
    assert verdict.count("Docker Hub's pull rate limit") == 1, verdict
    assert max(len(line) for line in verdict.splitlines()[:-2]) <= 80, verdict


def test_ctrl_c_exits_130_and_says_how_to_reattach(
    stubbed: StubbedClients, fake_time: FakeTime
) -> None:
    fake_time.interrupt = True
    begin(stubbed)
    look(stubbed, source_done(), build_stage("InProgress"), old_deploy())
    stubbed.add("codebuild", "batch_get_builds", build("IN_PROGRESS", "BUILD",
                                                       [phase("BUILD", None)]))
    result = run_cli(["watch", RUN], clock=fake_time.clock)
    assert result.exit_code == 130
    assert "the run goes on" in result.stderr
    assert f"pipectl watch {RUN}" in result.stderr


def test_the_reattach_command_keeps_the_global_options_given(
    stubbed: StubbedClients, fake_time: FakeTime
) -> None:
    fake_time.interrupt = True
    begin(stubbed)
    look(stubbed, source_done(), build_stage("InProgress"), old_deploy())
    stubbed.add("codebuild", "batch_get_builds", build("IN_PROGRESS", "BUILD",
                                                       [phase("BUILD", None)]))
    result = run_cli(["-c", "config/pipeline.yml", "--region", "us-east-1", "watch", RUN],
                     clock=fake_time.clock)
    assert result.exit_code == 130
    assert (f"re-attach with `pipectl --config config/pipeline.yml --region us-east-1 "
            f"watch {RUN}`") in result.stderr


def test_the_reattach_command_keeps_sandbox(
    stubbed: StubbedClients, fake_time: FakeTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipectl.sandbox.state import state_file, write_state_file

    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")  # --sandbox sets it: restored after
    write_state_file(state_file(os.environ), {"pid": os.getpid(), "url": "http://127.0.0.1:9",
                                              "token": "PSBX" + "0" * 32})
    fake_time.interrupt = True
    begin(stubbed)
    look(stubbed, source_done(), build_stage("InProgress"), old_deploy())
    stubbed.add("codebuild", "batch_get_builds", build("IN_PROGRESS", "BUILD",
                                                       [phase("BUILD", None)]))
    result = run_cli(["--sandbox", "watch", RUN], clock=fake_time.clock)
    assert result.exit_code == 130, result.output
    assert f"re-attach with `pipectl --sandbox watch {RUN}`" in result.stderr


def test_an_aws_error_mid_watch_says_how_to_reattach(
    stubbed: StubbedClients, fake_time: FakeTime
) -> None:
    begin(stubbed)
    look(stubbed, source_done(), build_stage("InProgress"), old_deploy())
    stubbed.add("codebuild", "batch_get_builds", build("IN_PROGRESS", "BUILD",
                                                       [phase("BUILD", None)]))
    stubbed.add_error("codepipeline", "get_pipeline_state", "ExpiredTokenException",
                      "The security token included in the request is expired")
    result = run_cli(["watch", RUN], clock=fake_time.clock)
    assert result.exit_code == 3, result.output
    assert "rejected the credentials (ExpiredTokenException) calling " \
        "codepipeline:GetPipelineState" in result.stderr
    assert "hint: refresh your credentials" in result.stderr
    assert f"the run goes on in AWS; re-attach with `pipectl watch {RUN}`" in result.stderr


def test_timeout_exits_4(stubbed: StubbedClients, fake_time: FakeTime) -> None:
    begin(stubbed)
    for _ in range(3):
        look(stubbed, source_done(), stage_state("Build", RUN, "InProgress",
                                                 action_state("Build", "InProgress", 5)),
             old_deploy())
    result = run_cli(["watch", RUN, "--timeout", "3s", "--interval", "1.5"], clock=fake_time.clock)
    assert result.exit_code == 4, result.output
    assert f"pipectl watch {RUN}" in result.stderr


def test_stop_stops_the_newest_running_run(stubbed: StubbedClients) -> None:
    stubbed.add("codepipeline", "list_pipeline_executions", summary(RUN))
    stubbed.add("codepipeline", "stop_pipeline_execution", {"pipelineExecutionId": RUN},
                {"pipelineName": PIPELINE, "pipelineExecutionId": RUN, "abandon": True,
                 "reason": "bad commit"})
    result = run_cli(["stop", "--abandon", "--reason", "bad commit"])
    assert result.exit_code == 0, result.output
    assert f"stopping run {RUN}" in result.stdout
    stubbed.assert_all_used()


def test_stop_with_nothing_running_says_so(stubbed: StubbedClients) -> None:
    stubbed.add("codepipeline", "list_pipeline_executions", summary(RUN, status="Succeeded"))
    result = run_cli(["stop"])
    assert result.exit_code == 3  # nothing to act on
    assert "no run in progress" in result.stderr


def test_retry_reruns_the_failed_actions_of_the_failed_stage(stubbed: StubbedClients) -> None:
    stubbed.add("codepipeline", "list_pipeline_executions", summary(RUN, status="Failed"))
    stubbed.add("codepipeline", "get_pipeline_state", {"pipelineName": PIPELINE, "stageStates": [
        source_done(), build_stage("Failed", error="boom"), old_deploy()]})
    stubbed.add("codepipeline", "retry_stage_execution", {"pipelineExecutionId": RUN},
                {"pipelineName": PIPELINE, "stageName": "Build", "pipelineExecutionId": RUN,
                 "retryMode": "FAILED_ACTIONS"})
    result = run_cli(["retry"])
    assert result.exit_code == 0, result.output
    assert f"retrying stage Build (Build) of run {RUN}" in result.stdout
    stubbed.assert_all_used()


def test_history_lists_runs_newest_first(stubbed: StubbedClients) -> None:
    runs = summary(RUN, status="Succeeded")["pipelineExecutionSummaries"]
    runs[0]["lastUpdateTime"] = at(192)
    older = dict(runs[0], pipelineExecutionId="older-run", status="Failed",
                 startTime=at(-3600), lastUpdateTime=at(-3500))
    stubbed.add("codepipeline", "list_pipeline_executions",
                {"pipelineExecutionSummaries": [runs[0], older]},
                {"pipelineName": PIPELINE, "maxResults": 5})
    result = run_cli(["history", "-n", "5"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["EXECUTION", "ID", "STATUS"]
    assert RUN in lines[1] and "Succeeded" in lines[1] and "abc1234def56" in lines[1]
    assert "3m12s" in lines[1]
    assert "older-run" in lines[2] and "Failed" in lines[2] and "1m40s" in lines[2]


def test_logs_pages_until_the_same_token_comes_back(stubbed: StubbedClients) -> None:
    stream = BUILD_ID.split(":", 1)[1]
    stubbed.add("codebuild", "list_builds_for_project", {"ids": [BUILD_ID]},
                {"projectName": "hello-web-build", "sortOrder": "DESCENDING"})
    stubbed.add("codebuild", "batch_get_builds", build("SUCCEEDED", "COMPLETED", []))
    stubbed.add("logs", "get_log_events", {"events": [
        {"timestamp": 1, "message": "[Container] Entering phase BUILD\n"}],
        "nextForwardToken": "f/1"},
        {"logGroupName": "/aws/codebuild/hello-web-build", "logStreamName": stream,
         "startFromHead": True})
    stubbed.add("logs", "get_log_events", {"events": [
        {"timestamp": 2, "message": "Successfully built 4f2a\n"}], "nextForwardToken": "f/2"},
        {"logGroupName": "/aws/codebuild/hello-web-build", "logStreamName": stream,
         "startFromHead": True, "nextToken": "f/1"})
    stubbed.add("logs", "get_log_events", {"events": [], "nextForwardToken": "f/2"})
    result = run_cli(["logs"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "[Container] Entering phase BUILD\nSuccessfully built 4f2a\n"
    stubbed.assert_all_used()


def rollback_plan(stubbed: StubbedClients) -> None:
    stubbed.add("ecs", "describe_services", service([
        deployment("ecs-svc/2", "PRIMARY", 8, "COMPLETED", created=-100, running=1)]),
        {"cluster": CLUSTER, "services": [SERVICE]})
    stubbed.add("ecs", "list_task_definitions", {"taskDefinitionArns": [
        task_def(8), "arn:aws:ecs:us-east-1:123456789012:task-definition/hello-web-api:7",
        task_def(6)]})
    stubbed.add("ecs", "describe_task_definition", taskdef_response(8, "bad0001"))
    stubbed.add("ecs", "describe_task_definition", taskdef_response(6, "good001"))


def test_rollback_goes_back_one_revision_and_waits_until_completed(
    stubbed: StubbedClients,
) -> None:
    fake_time = FakeTime()
    rollback_plan(stubbed)
    stubbed.add("ecs", "update_service", {"service": {"serviceName": SERVICE}},
                {"cluster": CLUSTER, "service": SERVICE, "taskDefinition": task_def(6)})
    stubbed.add("ecs", "describe_services", service([
        deployment("ecs-svc/3", "PRIMARY", 6, "IN_PROGRESS", created=1, running=0),
        deployment("ecs-svc/2", "ACTIVE", 8, "COMPLETED", created=-100, running=1)]))
    stubbed.add("ecs", "describe_services", service([
        deployment("ecs-svc/3", "PRIMARY", 6, "COMPLETED", created=1, running=1)]))
    result = run_cli(["rollback", "--yes"], clock=fake_time.clock)
    assert result.exit_code == 0, result.output
    assert "hello-web:8 (image bad0001) to hello-web:6 (image good001)" in result.stderr
    assert "Rollback completed: hello-web runs hello-web:6 again" in result.stdout
    stubbed.assert_all_used()


def test_rollback_timeout_holds_while_aws_throttles(stubbed: StubbedClients) -> None:
    fake_time = FakeTime()
    rollback_plan(stubbed)
    stubbed.add("ecs", "update_service", {"service": {"serviceName": SERVICE}},
                {"cluster": CLUSTER, "service": SERVICE, "taskDefinition": task_def(6)})
    for _ in range(40):  # more throttles than the deadline leaves time for
        stubbed.add_error("ecs", "describe_services", "ThrottlingException", "Rate exceeded")
    result = run_cli(["rollback", "--yes", "--timeout", "90s"], clock=fake_time.clock,
                     environ={**os.environ, "AWS_MAX_ATTEMPTS": "1"})
    assert result.exit_code == 4, result.output
    assert "not stable after 90s" in result.stderr and "throttling" in result.stderr
    # It gave up at the deadline, not later: pipectl's clock moved about 90 s.
    assert 90 <= fake_time.now - T0 < 100


def test_rollback_without_a_terminal_needs_yes(stubbed: StubbedClients) -> None:
    rollback_plan(stubbed)
    result = run_cli(["rollback"])
    assert result.exit_code == 2
    assert "refusing to roll back without confirmation" in result.stderr
    assert "--yes" in result.stderr


def test_rollback_asks_on_a_terminal_and_no_means_nothing_changes(
    stubbed: StubbedClients,
) -> None:
    rollback_plan(stubbed)
    result = run_cli(["rollback"], stdin="n\n", tty=True)
    assert result.exit_code == 0
    assert "[y/N]" in result.stderr and "nothing changed" in result.stderr
    stubbed.assert_all_used()  # and no UpdateService was stubbed, so none was made


def test_watch_on_a_terminal_draws_the_live_view_and_the_summary(
    stubbed: StubbedClients, fake_time: FakeTime
) -> None:
    succeeded_run(stubbed, latest=True)
    result = run_cli(["--no-color", "watch"], tty=True, clock=fake_time.clock)
    assert result.exit_code == 0, result.output
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", result.stdout)
    assert "Pipeline hello-web" in screen
    assert "rollout COMPLETED" in screen and "running 1/1" in screen
    assert f"Run {RUN} succeeded" in screen
    assert "url       http://198.51.100.4:8080" in screen


def test_run_of_a_missing_pipeline_exits_3_and_says_to_create_it(
    stubbed: StubbedClients,
) -> None:
    stubbed.add_error("codepipeline", "start_pipeline_execution", "PipelineNotFoundException",
                      "Account '123456789012' does not have a pipeline with name 'hello-web'")
    result = run_cli(["run"])
    assert result.exit_code == 3
    assert "codepipeline:StartPipelineExecution" in result.stderr
    assert "hint: create it with `pipectl create`" in result.stderr
