"""Any answer the service models allow is handled: no crash, only a clear error or a result.

Every AWS call the read commands make (status, history, watch, logs, rollback) is answered
with a random response that botocore's output shape allows: optional members absent,
empty lists, enum values newer than pipectl. Whatever comes, the command ends with an exit
code of its contract (0-4) and, if it fails, one ``error:`` line; never an internal error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipectl.aws.session import AwsSession
from pipectl.clock import Clock
from tests.conftest import run_cli
from tests.runs.any_answer import FUTURE_VALUE, AnyAnswerClients
from tests.runs.conftest import SPEC

_PIPELINE = ["codepipeline:GetPipeline", "codepipeline:GetPipelineState",
             "codepipeline:ListPipelineExecutions"]
_SERVICE = ["ecs:DescribeServices", "ecs:DescribeTaskDefinition"]
_URL = ["ecs:ListTasks", "ecs:DescribeTasks", "ec2:DescribeNetworkInterfaces",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeLoadBalancers"]
_BUILD = ["codebuild:BatchGetBuilds", "logs:GetLogEvents"]
#: Each command, and every AWS operation it may call (answers are drawn for these).
COMMANDS: dict[str, tuple[list[str], list[str]]] = {
    "status": (["status"], [*_PIPELINE, *_SERVICE, *_URL]),
    "history": (["history"], ["codepipeline:ListPipelineExecutions"]),
    "watch": (["watch", "--timeout", "2m"],
              [*_PIPELINE, "codepipeline:GetPipelineExecution",
               "codepipeline:ListActionExecutions", *_BUILD, *_SERVICE, *_URL]),
    "logs": (["logs"], ["codebuild:ListBuildsForProject", *_BUILD]),
    "rollback": (["rollback", "--yes", "--timeout", "2m"],
                 [*_SERVICE, "ecs:ListTaskDefinitions", "ecs:UpdateService",
                  "ecs:DescribeTasks", "ecs:ListTasks"]),
}
#: Commands that read in worker threads (status reads the pipeline, its state, its runs
#: and the service at once): their answers are all drawn before they run.
READ_IN_THREADS = {"status"}
#: Examples per command. The default keeps the five commands' run to seconds on a busy
#: machine (answers are bounded in size: see any_answer); set more for a deeper search.
EXAMPLES = int(os.environ.get("PIPECTL_ANY_ANSWER_EXAMPLES", "60"))


def fake_clock() -> Clock:
    """Time that passes only when pipectl sleeps: a --timeout ends a loop at once."""
    now = [1_800_000_000.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    return Clock(monotonic=lambda: now[0], wall=lambda: now[0], sleep=sleep)


@pytest.fixture(scope="module")
def any_answer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnyAnswerClients]:
    """One project and one set of clients for all examples (hypothesis runs many)."""
    root = tmp_path_factory.mktemp("any-answer")
    (root / "config").mkdir()
    (root / "config" / "pipeline.yml").write_text(SPEC)
    clients = AnyAnswerClients()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setattr(AwsSession, "client", lambda self, service: clients.client(service))
        yield clients


@pytest.mark.parametrize("command", sorted(COMMANDS))
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_any_model_valid_answer_ends_in_a_result_or_a_clear_error(
    any_answer: AnyAnswerClients, command: str, data: st.DataObject
) -> None:
    args, operations = COMMANDS[command]
    any_answer.prepare(data.draw, operations, threads=command in READ_IN_THREADS)
    result = run_cli(args, clock=fake_clock())
    assert result.exit_code in (0, 1, 2, 3, 4), (any_answer.calls, result.output)
    assert "internal error" not in result.output and "Traceback" not in result.output, (
        any_answer.calls, result.output)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == (0 if result.exit_code == 0 else 1), result.output
    assert not any_answer.unplanned, f"add {sorted(any_answer.unplanned)} to COMMANDS"


def test_an_unknown_stage_status_is_shown_as_it_is(
    any_answer: AnyAnswerClients,
) -> None:
    """A status AWS adds later reaches the user in AWS's words."""
    any_answer.answer_with({
        "codepipeline:GetPipeline": [{"pipeline": {
            "name": "hello-web", "roleArn": "arn:aws:iam::1:role/r", "stages": [
                {"name": "Build", "actions": [{"name": "Build", "actionTypeId": {
                    "category": "Build", "owner": "AWS", "provider": "CodeBuild",
                    "version": "1"}}]}]}}],
        "codepipeline:GetPipelineState": [{"pipelineName": "hello-web", "stageStates": [
            {"stageName": "Build", "latestExecution": {"pipelineExecutionId": "run-1",
                                                       "status": FUTURE_VALUE},
             "actionStates": [{"actionName": "Build",
                               "latestExecution": {"status": FUTURE_VALUE}}]}]}],
        "codepipeline:ListPipelineExecutions": [{"pipelineExecutionSummaries": [
            {"pipelineExecutionId": "run-1", "status": FUTURE_VALUE}]}],
        "ecs:DescribeServices": [{"services": [], "failures": []}],
    })
    result = run_cli(["status"], clock=fake_clock())
    assert result.exit_code == 0, result.output
    assert result.stdout.count(FUTURE_VALUE) >= 3, result.stdout


def test_history_ends_when_the_listing_keeps_handing_out_tokens(
    any_answer: AnyAnswerClients,
) -> None:
    """A listing whose every page is empty and hands out a next token (the model allows
    it) once kept `history` reading forever; now it ends and says there are no runs."""
    any_answer.answer_with({"codepipeline:ListPipelineExecutions": [
        {"pipelineExecutionSummaries": [], "nextToken": "page-2"},
        {"pipelineExecutionSummaries": [], "nextToken": "page-3"},
    ]})
    result = run_cli(["history"], clock=fake_clock())
    assert result.exit_code == 0, result.output
    assert "no runs yet" in result.stdout
    assert 2 <= any_answer.calls.count("codepipeline:ListPipelineExecutions") <= 5
