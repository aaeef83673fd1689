"""What CodePipeline's refusals mean, as the API reference defines them.

StartPipelineExecution's ConflictException: the pipeline is busy (try later), so the same
request is retried with backoff. StopPipelineExecution: DuplicatedStopRequestException is
a second stop of a stopping run (where --abandon helps);
PipelineExecutionNotStoppableException is a run that is no longer in progress. Empty
variable values, which botocore would reject as a parameter error, are refused first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.stub import ANY

from tests.conftest import run_cli
from tests.runs.world import PIPELINE, RUN, StubbedClients, summary


class Sleeps:
    def __init__(self) -> None:
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    recorded = Sleeps()
    monkeypatch.setattr("pipectl.runs.start.time", recorded)
    return recorded


def test_a_busy_pipeline_is_started_again_with_backoff_and_the_same_token(
    stubbed: StubbedClients, sleeps: Sleeps
) -> None:
    tokens: list[str] = []
    for _ in range(2):
        stubbed.add_error("codepipeline", "start_pipeline_execution", "ConflictException",
                          "Pipeline is being updated")
    stubbed.add("codepipeline", "start_pipeline_execution", {"pipelineExecutionId": RUN},
                {"name": PIPELINE, "clientRequestToken": ANY})
    stubbed.client("codepipeline").meta.events.register(
        "provide-client-params.codepipeline.StartPipelineExecution",
        lambda params, **_: tokens.append(params["clientRequestToken"]))

    result = run_cli(["run"])

    assert result.exit_code == 0, result.output
    assert result.stdout == f"{RUN}\n"
    assert sleeps.slept == [2.0, 4.0]
    assert len(tokens) == 3 and len(set(tokens)) == 1  # one run, however many tries
    stubbed.assert_all_used()


def test_a_pipeline_that_stays_busy_is_reported_with_what_to_do(
    stubbed: StubbedClients, sleeps: Sleeps
) -> None:
    for _ in range(7):
        stubbed.add_error("codepipeline", "start_pipeline_execution", "ConflictException",
                          "Pipeline is being updated")
    result = run_cli(["run"])
    assert result.exit_code == 3, result.output
    assert "ConflictException" in result.stderr or "busy" in result.stderr
    assert "stayed busy" in result.stderr
    assert "request token" not in result.stderr
    assert sum(sleeps.slept) >= 100
    stubbed.assert_all_used()


def test_a_second_stop_says_the_run_is_stopping_and_offers_abandon(
    stubbed: StubbedClients,
) -> None:
    stubbed.add("codepipeline", "list_pipeline_executions", summary(RUN, status="Stopping"))
    stubbed.add_error("codepipeline", "stop_pipeline_execution",
                      "DuplicatedStopRequestException",
                      "Execution is already being stopped")
    result = run_cli(["stop"])
    assert result.exit_code == 3, result.output
    assert f"run {RUN} is already stopping" in result.stderr
    assert f"pipectl stop {RUN} --abandon" in result.stderr
    assert "Traceback" not in result.output


def test_stopping_a_finished_run_says_it_is_not_in_progress(stubbed: StubbedClients) -> None:
    stubbed.add_error("codepipeline", "stop_pipeline_execution",
                      "PipelineExecutionNotStoppableException",
                      "Pipeline execution is not in progress")
    result = run_cli(["stop", RUN])
    assert result.exit_code == 3, result.output
    assert f"run {RUN} is not in progress: nothing to stop" in result.stderr
    assert "--abandon" not in result.stderr


def test_an_empty_variable_value_is_refused_before_any_call(stubbed: StubbedClients) -> None:
    result = run_cli(["run", "--var", "DEPLOY_ENV="])
    assert result.exit_code == 2, result.output
    assert "--var DEPLOY_ENV: the value is empty" in result.stderr
    assert "Traceback" not in result.output and "ParamValidation" not in result.output
    stubbed.assert_all_used()


def test_an_empty_variable_default_in_the_spec_is_refused(in_tmp: Path) -> None:
    (in_tmp / "config").mkdir()
    (in_tmp / "config" / "pipeline.yml").write_text(
        "version: 1\nname: hello-web\nregion: us-east-1\n"
        "source: {provider: codecommit, repository: hello-web}\n"
        "deploy: {cluster: c, service: s, container: web}\n"
        "pipeline:\n  variables:\n    DEPLOY_ENV: \"\"\n")
    result = run_cli(["plan"])
    assert result.exit_code == 2, result.output
    assert "pipeline.variables.DEPLOY_ENV" in result.stderr
    assert "the default is empty" in result.stderr


def test_an_s3_object_key_override_is_refused_with_what_to_do_instead(
    stubbed: StubbedClients,
) -> None:
    """Without AllowOverrideForS3ObjectKey CodePipeline refuses it, and the pipeline role
    may read only the spec's source object: pipectl says so before any call."""
    result = run_cli(["run", "--source-revision", "S3_OBJECT_KEY=other/src.zip"])
    assert result.exit_code == 2, result.output
    assert "it takes no other key" in result.stderr
    assert "S3_OBJECT_VERSION_ID" in result.stderr
    stubbed.assert_all_used()
