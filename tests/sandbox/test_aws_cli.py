"""The `aws` CLI pointed at the sandbox sees the same run as boto3 (and pipectl) do."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from typing import Any

from pipectl.sandbox.server import SandboxServer
from tests.sandbox.fixtures import create_pipeline_resources
from tests.sandbox.polling import action, wait_for_execution
from tests.sandbox.steered_clock import steer
from tests.system_tools import aws_cli


def aws(url: str, *args: str) -> Any:
    env = dict(os.environ, AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="")
    done = subprocess.run(
        [aws_cli(), "--endpoint-url", url, "--output", "json", *args],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    # Commands with nothing to say (put-metric-alarm, set-alarm-state) print nothing.
    return json.loads(done.stdout) if done.stdout.strip() else None


def test_the_aws_cli_follows_the_same_run(
    client: Callable[[str], Any], sandbox: SandboxServer
) -> None:
    aws_cli()  # before the pipeline is made: missing, it skips (fails under CI=true)
    names = create_pipeline_resources(client)
    # The run stands still until the aws CLI's first look (a process that starts slowly
    # on a loaded machine), then goes on with real time.
    clock = steer(sandbox)
    clock.hold()
    started = aws(sandbox.url, "codepipeline", "start-pipeline-execution", "--name", names.pipeline)
    execution_id = started["pipelineExecutionId"]

    seen: list[list[str]] = []
    # Far beyond a whole run even on a loaded machine: a stuck run fails, it does not hang.
    deadline = time.monotonic() + 120
    while True:
        assert time.monotonic() < deadline, f"the run never succeeded: {seen[-3:]}"
        state = aws(sandbox.url, "codepipeline", "get-pipeline-state", "--name", names.pipeline)
        statuses = [s.get("latestExecution", {}).get("status", "") for s in state["stageStates"]]
        seen.append(statuses)
        clock.resume()
        if statuses == ["Succeeded"] * 3:
            break
        assert "Failed" not in statuses
    assert any("InProgress" in statuses for statuses in seen)  # it watched a run, not a result
    codepipeline = client("codepipeline")
    assert wait_for_execution(codepipeline, names.pipeline, execution_id) == "Succeeded"

    execution = aws(
        sandbox.url, "codepipeline", "get-pipeline-execution", "--pipeline-name", names.pipeline,
        "--pipeline-execution-id", execution_id,
    )["pipelineExecution"]
    via_boto3 = codepipeline.get_pipeline_execution(
        pipelineName=names.pipeline, pipelineExecutionId=execution_id
    )["pipelineExecution"]
    assert execution["artifactRevisions"][0]["revisionId"] == (
        via_boto3["artifactRevisions"][0]["revisionId"]
    )
    build_id = action(codepipeline, names.pipeline, execution_id, "Build")["output"][
        "executionResult"]["externalExecutionId"]
    builds = aws(sandbox.url, "codebuild", "batch-get-builds", "--ids", build_id)["builds"]
    assert builds[0]["buildStatus"] == "SUCCEEDED"
    assert builds[0]["phases"][-1]["phaseType"] == "COMPLETED"
    services = aws(
        sandbox.url, "ecs", "describe-services", "--cluster", names.cluster,
        "--services", names.service,
    )["services"]
    assert services[0]["deployments"][0]["rolloutState"] == "COMPLETED"
    assert services[0]["events"][0]["message"].endswith("has reached a steady state.")


def test_a_new_alarm_starts_in_insufficient_data_and_an_update_keeps_its_state(
    sandbox: SandboxServer,
) -> None:
    """As CloudWatch's PutMetricAlarm reference says (moto on its own starts it in OK, and
    starts it again on every update)."""
    aws_cli()
    name = "hello-web-5xx"
    metric = ["--namespace", "AWS/ECS", "--metric-name", "CPUUtilization",
              "--statistic", "Average", "--period", "60", "--evaluation-periods", "1",
              "--comparison-operator", "GreaterThanThreshold"]

    def described(*args: str) -> dict[str, Any]:
        return aws(sandbox.url, "cloudwatch", "describe-alarms", *args)  # type: ignore[no-any-return]

    aws(sandbox.url, "cloudwatch", "put-metric-alarm", "--alarm-name", name, *metric,
        "--threshold", "90")
    created = described("--alarm-names", name)["MetricAlarms"]
    assert [(a["AlarmName"], a["StateValue"]) for a in created] == [(name, "INSUFFICIENT_DATA")]
    assert created[0]["StateReason"] == "Unchecked: Initial alarm creation"

    aws(sandbox.url, "cloudwatch", "set-alarm-state", "--alarm-name", name,
        "--state-value", "ALARM", "--state-reason", "errors on the new revision")
    aws(sandbox.url, "cloudwatch", "put-metric-alarm", "--alarm-name", name, *metric,
        "--threshold", "80")
    updated = described("--alarm-names", name)["MetricAlarms"][0]
    assert updated["Threshold"] == 80.0  # the update overwrote the configuration ...
    assert (updated["StateValue"], updated["StateReason"]) == (
        "ALARM", "errors on the new revision")  # ... and left the state as it was
