"""`pipectl watch` through the real CLI: the service deployment's facts (lifecycle stage,
tasks per revision, the circuit breaker's failure count against its threshold, the alarms
watched and their states, the alarm that fired) in the JSON ``deployment`` lines, and the
same facts in the plain lines; once the deployment has ended, its outcome and what caused
it, not a stage, a countdown or alarm states that no longer mean anything. ECS's answers
in the model's shapes (botocore's Stubber)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import CliResult, run_cli
from tests.runs.test_service_deployments import (
    DOCUMENTED_AT,
    World,
    in_progress,
    rolled_back_by_alarm,
)
from tests.runs.world import RUN, ErrorReply, FakeClock, StubbedClients

ALARMS = ["hello-web-5xx", "hello-web-p99"]


def watched(doc: dict[str, Any]) -> dict[str, Any]:
    doc["deploymentConfiguration"]["alarms"] = {"alarmNames": ALARMS, "rollback": True,
                                                "enable": True}
    doc["alarms"] = {"status": "MONITORING", "alarmNames": ALARMS, "triggeredAlarmNames": []}
    return doc


def scaling_up() -> dict[str, Any]:
    """The new revision's task is starting; one task has failed so far."""
    doc = watched(in_progress())
    doc["deploymentCircuitBreaker"] = {"status": "MONITORING", "failureCount": 1,
                                       "threshold": 3}
    return doc


def cleaning_up() -> dict[str, Any]:
    """The new revision runs, the old one's task is drained; the 5xx alarm goes off."""
    doc = scaling_up()
    doc["lifecycleStage"] = "CLEAN_UP"
    doc["targetServiceRevision"].update(runningTaskCount=1, pendingTaskCount=0)
    doc["sourceServiceRevisions"][0].update(runningTaskCount=0, requestedTaskCount=0)
    return doc


#: What CloudWatch says of each alarm, look by look (the deployment is done at look 3).
ALARM_STATES = {1: {"hello-web-5xx": "OK", "hello-web-p99": "INSUFFICIENT_DATA"},
                2: {"hello-web-5xx": "ALARM", "hello-web-p99": "OK"}}


def watch_cli(stubbed: StubbedClients, *args: str) -> CliResult:
    world = World([scaling_up(), cleaning_up(), rolled_back_by_alarm()])

    def script(service: str, operation: str,
               params: dict[str, Any]) -> dict[str, Any] | ErrorReply:
        if operation == "DescribeAlarms":
            states = ALARM_STATES[world.looks]
            return {"MetricAlarms": [{"AlarmName": name, "StateValue": states[name]}
                                     for name in params["AlarmNames"]]}
        return world(service, operation, params)

    stubbed.script = script
    clock = FakeClock(now=DOCUMENTED_AT.timestamp())
    return run_cli(["watch", RUN, *args], clock=clock.as_clock())


def json_objects(text: str) -> list[dict[str, Any]]:
    """The JSON lines, the error object that ends a failed run's included: one a line."""
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.service_deployments
def test_json_deployment_lines_carry_the_facts_and_the_plain_lines_the_same(
    stubbed: StubbedClients,
) -> None:
    as_json = watch_cli(stubbed, "-o", "json")
    assert as_json.exit_code == 1, as_json.output
    objects = json_objects(as_json.stdout)
    assert objects[-1]["ok"] is False and objects[-1]["exit_code"] == 1
    deployments = [o for o in objects if o.get("event") == "deployment"]
    facts = [{k: d[k] for k in ("service", "deployment_status", "lifecycle_stage", "revisions",
                                "circuit_breaker", "alarms", "triggered_alarms")}
             for d in deployments]
    assert facts == [
        {"service": "hello-web", "deployment_status": "IN_PROGRESS",
         "lifecycle_stage": "SCALE_UP",
         "revisions": [
             {"task_definition": "hello-web:8", "running": 0, "requested": 1, "pending": 1},
             {"task_definition": "hello-web:7", "running": 1, "requested": 1, "pending": 0}],
         "circuit_breaker": {"failures": 1, "threshold": 3, "tripped": False},
         "alarms": [{"name": "hello-web-5xx", "state": "OK"},
                    {"name": "hello-web-p99", "state": "INSUFFICIENT_DATA"}],
         "triggered_alarms": []},
        {"service": "hello-web", "deployment_status": "IN_PROGRESS",
         "lifecycle_stage": "CLEAN_UP",
         "revisions": [
             {"task_definition": "hello-web:8", "running": 1, "requested": 1, "pending": 0},
             {"task_definition": "hello-web:7", "running": 0, "requested": 0, "pending": 0}],
         "circuit_breaker": {"failures": 1, "threshold": 3, "tripped": False},
         "alarms": [{"name": "hello-web-5xx", "state": "ALARM"},
                    {"name": "hello-web-p99", "state": "OK"}],
         "triggered_alarms": []},
        # Ended: the outcome and the alarm that caused it; no lifecycle stage, no countdown
        # to a breaker that can no longer trip (it did not cause this), no alarm states
        # (no longer read).
        {"service": "hello-web", "deployment_status": "ROLLBACK_SUCCESSFUL",
         "lifecycle_stage": None,
         "revisions": [
             {"task_definition": "hello-web:8", "running": 0, "requested": 1, "pending": 1},
             {"task_definition": "hello-web:7", "running": 1, "requested": 1, "pending": 0}],
         "circuit_breaker": None,
         "alarms": [],
         "triggered_alarms": ["hello-web-5xx"]},
    ]
    rollback = next(o for o in objects if o.get("event") == "rollback")
    assert rollback["triggered_alarms"] == ["hello-web-5xx"]
    assert rollback["deployment_status"] == "ROLLBACK_SUCCESSFUL"

    plain = watch_cli(stubbed)
    assert plain.exit_code == 1, plain.output
    lines = [line for line in plain.stdout.splitlines()
             if " Deploy/Deploy: service deployment " in line]
    assert len(lines) == len(deployments), plain.stdout
    # Each plain line says what its JSON line says, fact by fact (not its "message").
    for line, fact in zip(lines, facts, strict=True):
        said = f"Deploy/Deploy: service deployment {fact['deployment_status']}"
        assert said + (f" ({fact['lifecycle_stage']}) ·" if fact["lifecycle_stage"]
                       else " ·") in line, line
        for revision in fact["revisions"]:
            assert f"{revision['task_definition']} {revision['running']}/" \
                f"{revision['requested']} running" in line, line
        breaker = fact["circuit_breaker"]
        if breaker is None:
            assert "failures" not in line and "breaker" not in line, line
        else:
            counted = f"{breaker['failures']} of {breaker['threshold']} failures"
            assert counted + (": the circuit breaker tripped" if breaker["tripped"] else
                              " before the circuit breaker trips") in line, line
        if fact["alarms"]:
            assert "alarms " + ", ".join(f"{a['name']} {a['state']}"
                                         for a in fact["alarms"]) in line, line
        else:
            assert "alarms " not in line and "?" not in line, line
        if fact["triggered_alarms"]:
            fired = fact["triggered_alarms"]
            assert f"alarm{'s' if len(fired) > 1 else ''} fired: {', '.join(fired)}" in line, \
                line
        else:
            assert "fired" not in line, line
    assert "alarm hello-web-5xx went into ALARM during the deployment to ECS service " \
        "hello-web; ECS rolled it back" in plain.stderr
