"""`pipectl logs` through the one CloudWatch Logs reader: a missing stream and a refused
read are told apart, and a tail reads the stream from its end."""

from __future__ import annotations

from pipectl.runs.reads import logs as log_reads
from tests.conftest import run_cli
from tests.runs.world import BUILD_ID, StubbedClients, build

GROUP = "/aws/codebuild/hello-web-build"
STREAM = BUILD_ID.split(":", 1)[1]


def latest_build(stubbed: StubbedClients) -> None:
    stubbed.add("codebuild", "list_builds_for_project", {"ids": [BUILD_ID]},
                {"projectName": "hello-web-build", "sortOrder": "DESCENDING"})
    stubbed.add("codebuild", "batch_get_builds", build("SUCCEEDED", "COMPLETED", []))


def test_logs_of_a_build_whose_stream_is_gone_is_not_found(stubbed: StubbedClients) -> None:
    latest_build(stubbed)
    stubbed.add_error("logs", "get_log_events", "ResourceNotFoundException",
                      "The specified log stream does not exist.")
    result = run_cli(["logs"])
    assert result.exit_code == 3, result.output
    assert f"log stream {STREAM} not found in {GROUP}" in result.stderr
    assert "expired" in result.stderr
    stubbed.assert_all_used()


def test_logs_refused_names_the_operation_and_the_stream(stubbed: StubbedClients) -> None:
    latest_build(stubbed)
    stubbed.add_error("logs", "get_log_events", "AccessDeniedException", "not authorized")
    result = run_cli(["logs"])
    assert result.exit_code == 3, result.output
    assert f"access denied: logs:GetLogEvents on {GROUP}/{STREAM}" in result.stderr
    assert "Traceback" not in result.output
    stubbed.assert_all_used()


def test_a_tail_reads_from_the_end_and_a_missing_stream_has_none(
    stubbed: StubbedClients,
) -> None:
    stubbed.add("logs", "get_log_events", {"events": [
        {"timestamp": 1, "message": "COMMAND_EXECUTION_ERROR\n"}], "nextForwardToken": "f/9"},
        {"logGroupName": GROUP, "logStreamName": STREAM, "startFromHead": False, "limit": 20})
    stubbed.add_error("logs", "get_log_events", "ResourceNotFoundException")
    stubbed.add_error("logs", "get_log_events", "ResourceNotFoundException")
    assert log_reads.log_tail(stubbed, GROUP, STREAM) == ("COMMAND_EXECUTION_ERROR",)
    assert log_reads.log_tail(stubbed, GROUP, STREAM) == ()
    assert log_reads.log_page(stubbed, GROUP, STREAM, "f/1") == ((), "f/1")
    stubbed.assert_all_used()
