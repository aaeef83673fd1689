"""Execution modes: SUPERSEDED replaces a waiting run, QUEUED queues, PARALLEL overlaps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipectl.sandbox.server import SandboxServer
from tests.sandbox.fixtures import create_pipeline_resources
from tests.sandbox.polling import action, wait_for_execution
from tests.sandbox.steered_clock import steer


def _start(codepipeline: Any, name: str, count: int) -> list[str]:
    return [
        codepipeline.start_pipeline_execution(name=name)["pipelineExecutionId"]
        for _ in range(count)
    ]


def test_superseded_a_newer_run_replaces_the_one_waiting(
    client: Callable[[str], Any], sandbox: SandboxServer
) -> None:
    names = create_pipeline_resources(client, execution_mode="SUPERSEDED")
    codepipeline = client("codepipeline")
    # The three start while the first is still in Source, however slow this machine is.
    clock = steer(sandbox)
    clock.hold()
    started = []
    for _ in range(3):
        started += _start(codepipeline, names.pipeline, 1)
        clock.step(0.1)  # a moment apart, as pushes come
    first, second, third = started
    state = codepipeline.get_pipeline_state(name=names.pipeline)
    # The second run waits to enter Source until the third arrives and replaces it.
    assert state["stageStates"][0]["inboundExecution"]["pipelineExecutionId"] == third
    clock.resume()
    statuses = [wait_for_execution(codepipeline, names.pipeline, e) for e in (first, second, third)]
    assert statuses == ["Succeeded", "Superseded", "Succeeded"]
    summaries = codepipeline.list_pipeline_executions(pipelineName=names.pipeline)[
        "pipelineExecutionSummaries"
    ]
    assert [s["pipelineExecutionId"] for s in summaries] == [third, second, first]
    assert {s["executionMode"] for s in summaries} == {"SUPERSEDED"}


def test_queued_runs_one_after_the_other(client: Callable[[str], Any]) -> None:
    names = create_pipeline_resources(client, execution_mode="QUEUED")
    codepipeline = client("codepipeline")
    first, second = _start(codepipeline, names.pipeline, 2)
    assert wait_for_execution(codepipeline, names.pipeline, first) == "Succeeded"
    assert wait_for_execution(codepipeline, names.pipeline, second) == "Succeeded"
    first_deploy = action(codepipeline, names.pipeline, first, "Deploy")
    second_source = action(codepipeline, names.pipeline, second, "Source")
    assert second_source["startTime"] >= first_deploy["lastUpdateTime"]


def test_parallel_runs_overlap(client: Callable[[str], Any]) -> None:
    names = create_pipeline_resources(client, execution_mode="PARALLEL")
    codepipeline = client("codepipeline")
    first, second = _start(codepipeline, names.pipeline, 2)
    statuses = [wait_for_execution(codepipeline, names.pipeline, e) for e in (first, second)]
    assert statuses == ["Succeeded", "Succeeded"]
    first_build = action(codepipeline, names.pipeline, first, "Build")
    second_build = action(codepipeline, names.pipeline, second, "Build")
    assert second_build["startTime"] < first_build["lastUpdateTime"]
