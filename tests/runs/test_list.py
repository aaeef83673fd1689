"""`pipectl list`: every pipeline with pipectl's tag, one row each; and its reading pool."""

from __future__ import annotations

import copy
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from pipectl.aws.pool import ThrottleAwarePool
from tests.conftest import run_cli
from tests.runs.world import (
    ACCOUNT,
    CLUSTER,
    T0,
    StubbedClients,
    deployment,
    pipeline_doc,
    service,
    summary,
)

ARN = f"arn:aws:codepipeline:us-east-1:{ACCOUNT}"
CALLER = {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/ci", "UserId": "AIDAEXAMPLE"}


def throttled(operation: str = "ListPipelineExecutions") -> ClientError:
    return ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}},
                       operation)


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.sleeps.append(seconds)
            self.now += seconds


def test_the_pool_retries_throttled_tasks_after_a_shared_backoff() -> None:
    fake = FakeTime()
    pool = ThrottleAwarePool(1, max_attempts=3, clock=fake.clock, sleep=fake.sleep,
                             random=lambda: 0.0)
    tries: dict[str, int] = {}

    def task(item: str) -> str:
        tries[item] = tries.get(item, 0) + 1
        if item == "slow" and tries[item] <= 2:
            raise throttled()
        if item == "never":
            raise throttled()
        if item == "denied":
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}},
                              "GetPipeline")
        return item.upper()

    outcomes = pool.map(task, ["slow", "ok", "never", "denied"])
    assert [(o.item, o.value, o.attempts) for o in outcomes] == [
        ("slow", "SLOW", 3), ("ok", "OK", 1), ("never", None, 3), ("denied", None, 1)]
    assert isinstance(outcomes[2].error, ClientError)
    assert "AccessDenied" in str(outcomes[3].error)
    # Each throttle in a row doubles the wait (at least half of 1 s, 2 s, ...); a success
    # resets it. The wait is a gate for every worker: after "never" gave up, AWS was still
    # throttling, so "denied" waited too before its call.
    assert fake.sleeps == [0.5, 1.0, 0.5, 1.0, 2.0]
    assert pool.throttled == 5


def test_the_pool_never_runs_more_than_its_workers_at_once() -> None:
    pool = ThrottleAwarePool(3)
    running, most = 0, 0
    lock = threading.Lock()

    def task(item: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.01)
        with lock:
            running -= 1
        return item * 2

    outcomes = pool.map(task, list(range(12)))
    assert [o.value for o in outcomes] == [i * 2 for i in range(12)]
    assert most == 3


def other_pipeline(name: str, cluster: str, svc: str) -> dict[str, Any]:
    doc = copy.deepcopy(pipeline_doc())
    doc["pipeline"]["name"] = name
    doc["pipeline"]["stages"][2]["actions"][0]["configuration"] = {
        "ClusterName": cluster, "ServiceName": svc}
    return doc


def tags(managed: str | None) -> dict[str, Any]:
    found = [{"key": "team", "value": "web"}]
    if managed:
        found.append({"key": "pipectl:pipeline", "value": managed})
    return {"tags": found}


def answer_fleet(stubbed: StubbedClients, *, api_pipeline: dict[str, Any] | None) -> None:
    """Three pipelines: hello-web (run, service up), api (never run, no service), legacy
    (not pipectl's). One worker, so the answers come in this order."""
    stubbed.add("codepipeline", "list_pipelines", {"pipelines": [
        {"name": "api"}, {"name": "hello-web"}, {"name": "legacy"}]}, {"maxResults": 1000})
    stubbed.add("sts", "get_caller_identity", CALLER)
    for name, managed in (("api", "api"), ("hello-web", "hello-web"), ("legacy", None)):
        stubbed.add("codepipeline", "list_tags_for_resource", tags(managed),
                    {"resourceArn": f"{ARN}:{name}"})
    if api_pipeline is None:
        stubbed.add_error("codepipeline", "get_pipeline", "AccessDeniedException",
                          "not authorized to perform codepipeline:GetPipeline")
    else:
        stubbed.add("codepipeline", "get_pipeline", api_pipeline, {"name": "api"})
        stubbed.add("codepipeline", "list_pipeline_executions",
                    {"pipelineExecutionSummaries": []}, {"pipelineName": "api", "maxResults": 1})
    stubbed.add("codepipeline", "get_pipeline", pipeline_doc(), {"name": "hello-web"})
    stubbed.add("codepipeline", "list_pipeline_executions",
                summary("run-2", status="Succeeded", started=-120),
                {"pipelineName": "hello-web", "maxResults": 1})


def test_list_shows_each_managed_pipeline_with_its_run_and_service(
    stubbed: StubbedClients, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pipectl.cli.cmd_list.time.time", lambda: T0 + 600)
    answer_fleet(stubbed, api_pipeline=other_pipeline("api", "api-cluster", "api"))
    stubbed.add("ecs", "describe_services",
                {"services": [{"serviceName": "api", "status": "INACTIVE"}], "failures": []},
                {"cluster": "api-cluster", "services": ["api"]})
    stubbed.add("ecs", "describe_services",
                service([deployment("ecs-svc/2", "PRIMARY", 7, "IN_PROGRESS", created=10)]),
                {"cluster": CLUSTER, "services": ["hello-web"]})
    result = run_cli(["list", "--workers", "1"])
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()
    assert rows[0].split() == ["PIPELINE", "LATEST", "RUN", "REVISION", "DURATION", "AGE",
                               "TASK", "DEF", "ROLLOUT"]
    assert rows[1].split() == ["api", "never", "run", "-", "-", "-", "-", "MISSING"]
    assert rows[2].split()[:3] == ["hello-web", "Succeeded", "abc1234def56"]
    assert rows[2].split()[-4:] == ["12m00s", "ago", "hello-web:7", "IN_PROGRESS"]
    assert len(rows) == 3  # legacy carries no pipectl tag
    stubbed.assert_all_used()


def test_list_as_json(stubbed: StubbedClients, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pipectl.cli.cmd_list.time.time", lambda: T0 + 600)
    answer_fleet(stubbed, api_pipeline=other_pipeline("api", CLUSTER, "api"))
    stubbed.add("ecs", "describe_services",  # one call for both services of the cluster
                service([deployment("ecs-svc/2", "PRIMARY", 7, "COMPLETED", created=10)]),
                {"cluster": CLUSTER, "services": ["api", "hello-web"]})
    result = run_cli(["list", "--workers", "1", "-o", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["region"] == "us-east-1" and doc["unmanaged_pipelines"] == 1
    assert doc["failed"] == 0
    api, web = doc["pipelines"]
    assert api == {"pipeline": "api", "latest_run": None, "age_seconds": None, "error": None,
                   "service": {"cluster": CLUSTER, "service": "api", "task_definition": None,
                               "rollout_state": "MISSING"}}
    assert web["latest_run"]["execution_id"] == "run-2"
    assert web["latest_run"]["duration_seconds"] == 0
    assert web["age_seconds"] == 720
    assert web["service"]["task_definition"] == "hello-web:7"
    stubbed.assert_all_used()


def test_one_unreadable_pipeline_is_a_row_with_its_error_and_exit_3(
    stubbed: StubbedClients,
) -> None:
    answer_fleet(stubbed, api_pipeline=None)
    stubbed.add("ecs", "describe_services",
                service([deployment("ecs-svc/2", "PRIMARY", 7, "COMPLETED", created=10)]),
                {"cluster": CLUSTER, "services": ["hello-web"]})
    result = run_cli(["list", "--workers", "1"])
    assert result.exit_code == 3, result.output
    rows = result.stdout.splitlines()
    assert rows[1].split()[:2] == ["api", "unreadable"]
    assert rows[2].split()[:2] == ["hello-web", "Succeeded"]
    assert "api: " in rows[-1] and "codepipeline:GetPipeline" in rows[-1]
    assert "1 of 2 pipelines could not be read" in result.stderr
    stubbed.assert_all_used()


def test_with_json_an_unreadable_pipeline_is_in_the_one_document_and_exit_3(
    stubbed: StubbedClients,
) -> None:
    answer_fleet(stubbed, api_pipeline=None)
    stubbed.add("ecs", "describe_services",
                service([deployment("ecs-svc/2", "PRIMARY", 7, "COMPLETED", created=10)]),
                {"cluster": CLUSTER, "services": ["hello-web"]})
    result = run_cli(["list", "--workers", "1", "-o", "json"])
    assert result.exit_code == 3, result.output
    doc = json.loads(result.stdout)  # one JSON document, nothing after it
    assert doc["failed"] == 1
    api, web = doc["pipelines"]
    assert "codepipeline:GetPipeline" in api["error"] and api["latest_run"] is None
    assert web["error"] is None and web["latest_run"]["status"] == "Succeeded"


def test_list_needs_no_spec(stubbed: StubbedClients, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # no config/pipeline.yml here
    stubbed.add("codepipeline", "list_pipelines", {"pipelines": []}, {"maxResults": 1000})
    stubbed.add("sts", "get_caller_identity", CALLER)
    result = run_cli(["--region", "eu-west-1", "list"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ("no pipeline in eu-west-1 carries pipectl's tag (create one "
                             "with `pipectl create`)\n")
