"""Execution modes: SUPERSEDED replaces a waiting run, QUEUED queues, PARALLEL overlaps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.sandbox.conftest import WATCHING_TIME_SCALE
from tests.sandbox.fixtures import create_pipeline_resources
from tests.sandbox.polling import action, wait_for_execution


def _start(codepipeline: Any, name: str, count: int) -> list[str]:
    return [
        codepipeline.start_pipeline_execution(name=name)["pipelineExecutionId"]
        for _ in range(count)
    ]


@pytest.mark.time_scale(WATCHING_TIME_SCALE)
def test_superseded_a_newer_run_replaces_the_one_waiting(client: Callable[[str], Any]) -> None:
    names = create_pipeline_resources(client, execution_mode="SUPERSEDED")
    codepipeline = client("codepipeline")
    first, second, third = _start(codepipeline, names.pipeline, 3)
    state = codepipeline.get_pipeline_state(name=names.pipeline)
    # The second run waits to enter Source until the third arrives and replaces it.
    assert state["stageStates"][0]["inboundExecution"]["pipelineExecutionId"] == third
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
