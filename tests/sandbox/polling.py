"""Polling and control-API calls for the sandbox tests (no sleeps beyond a few ms)."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def wait_until(
    read: Callable[[], T], done: Callable[[T], bool], timeout: float = 30.0, every: float = 0.005
) -> T:
    """Read until ``done`` says so; fail with the last value seen after ``timeout`` (generous:
    a loaded machine is slow, and a passing test returns as soon as ``done`` holds)."""
    deadline = time.monotonic() + timeout
    value = read()
    while not done(value):
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting; last value: {value!r}")
        time.sleep(every)
        value = read()
    return value


def control(sandbox: Any, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the control API of a running ``SandboxServer``, with its token."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        sandbox.url + path, data=data, method=method,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {sandbox.token}"},
    )
    # The timeout only bounds a hang: a reset of every moto backend on a loaded machine
    # takes seconds.
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def execution_status(codepipeline: Any, pipeline: str, execution_id: str) -> str:
    answer = codepipeline.get_pipeline_execution(
        pipelineName=pipeline, pipelineExecutionId=execution_id
    )
    return str(answer["pipelineExecution"]["status"])


def wait_for_execution(
    codepipeline: Any, pipeline: str, execution_id: str, timeout: float = 30.0
) -> str:
    return wait_until(
        lambda: execution_status(codepipeline, pipeline, execution_id),
        lambda status: status not in ("InProgress", "Stopping"),
        timeout,
    )


def action(codepipeline: Any, pipeline: str, execution_id: str, stage: str) -> dict[str, Any]:
    """The latest attempt of a stage's action in an execution (ListActionExecutions)."""
    details = codepipeline.list_action_executions(
        pipelineName=pipeline, filter={"pipelineExecutionId": execution_id}
    )["actionExecutionDetails"]
    mine = [d for d in details if d["stageName"] == stage]
    assert mine, f"no {stage} action in {details}"
    return dict(mine[0])
