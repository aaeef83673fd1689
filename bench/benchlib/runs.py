"""Set-up for the `insights` measurement: many runs of one pipeline on the sandbox.

The runs are started in-process with botocore (set-up, not measured) one after the
other; in SUPERSEDED mode most of them are superseded, as runs that pile up on AWS are,
and each still has its action executions to read. The set-up waits until none is left
in progress, so `insights` reads a settled history.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from benchlib.measure import BenchError

SETTLE_TIMEOUT = 1800.0


def _client(url: str, env: Mapping[str, str]) -> Any:
    import botocore.session

    session = botocore.session.get_session()
    return session.create_client(
        "codepipeline", region_name="us-east-1", endpoint_url=url,
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY", "testing"))


def start_runs(url: str, env: Mapping[str, str], pipeline: str, total: int) -> int:
    """Start runs until the pipeline has ``total``; wait until none is in progress."""
    client = _client(url, env)
    have = _count(client, pipeline)
    for _ in range(max(0, total - have)):
        client.start_pipeline_execution(name=pipeline)
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        summaries = _summaries(client, pipeline)
        if not any(s["status"] in ("InProgress", "Stopping") for s in summaries):
            return len(summaries)
        if time.monotonic() > deadline:
            raise BenchError(f"set-up: {pipeline}'s runs did not settle in {SETTLE_TIMEOUT} s")
        time.sleep(1.0)


def _count(client: Any, pipeline: str) -> int:
    return len(_summaries(client, pipeline))


def _summaries(client: Any, pipeline: str) -> list[dict[str, Any]]:
    from pipectl.aws.paging import pages

    return [summary for page in pages(
        client.list_pipeline_executions, {"pipelineName": pipeline, "maxResults": 100},
        operation="codepipeline:ListPipelineExecutions", resource=pipeline)
        for summary in page.get("pipelineExecutionSummaries", [])]


def insights_note(seconds: float, calls: Mapping[str, int], status_seconds: float | None,
                  load: str) -> str:
    """Where the time of a missed `insights` target goes."""
    total = sum(calls.values())
    lists = calls.get("codepipeline:ListActionExecutions", 0)
    beside = (f"; `pipectl status`, timed under the same load, took "
              f"{status_seconds * 1000:.0f} ms" if status_seconds else "")
    return (f"`pipectl insights` took {seconds * 1000:.0f} ms for {total} calls "
            f"({lists} ListActionExecutions page(s) for every run's actions, one "
            "BatchGetBuilds, a fixed handful for ECS, ECR and the latest builds' logs): the "
            "calls do not grow with the runs but for one page per 100 action executions; "
            f"most of the time is starting Python, botocore and its clients on a machine "
            f"whose load was {load}{beside}.")
