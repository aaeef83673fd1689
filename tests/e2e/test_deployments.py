"""End to end on the sandbox: deployments as ECS records them. deploy.alarms converged on
the service, a run rolled back by an alarm, and `pipectl rollback` choosing what to go back
to from the service deployments."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.test_runs import FAST, Project, make_project

pytestmark = pytest.mark.e2e
__all__ = ["make_project"]  # the fixture, shared with the run tests

ALARM = "hello-web-5xx"


def with_deploy_settings(root: Path, lines: str) -> None:
    """Add lines under ``deploy:`` of the checkout's spec, as a user edits it."""
    spec = root / "config" / "pipeline.yml"
    text = spec.read_text()
    spec.write_text(text.replace("  timeout_minutes: 15\n", "  timeout_minutes: 15\n" + lines,
                                 1))


def test_alarms_are_planned_converged_and_a_run_they_roll_back_exits_1_naming_the_alarm(
    make_project: Callable[[float], Project],
) -> None:
    project = make_project(FAST)
    with_deploy_settings(project.root, f"  alarms: [{ALARM}]\n  minimum_healthy_percent: 50\n")
    plan = project.cli("plan")
    assert plan.exit_code == 0, plan.output
    assert "1 to update, 15 unchanged" in plan.stdout
    assert f'alarms.names: [] -> ["{ALARM}"]' in plan.stdout
    assert "alarms.rollback: false -> true" in plan.stdout
    assert "minimumHealthyPercent: 100 -> 50" in plan.stdout
    updated = project.cli("update")
    assert updated.exit_code == 0, updated.output
    config = project.client("ecs").describe_services(
        cluster="hello-web", services=["hello-web"])["services"][0]["deploymentConfiguration"]
    assert config["alarms"] == {"alarmNames": [ALARM], "enable": True, "rollback": True}
    assert config["minimumHealthyPercent"] == 50
    assert "16 unchanged" in project.cli("plan").stdout

    project.fault(type="deploy", alarm=ALARM)
    result = project.cli("run", "--watch", "--interval", "0.05")
    assert result.exit_code == 1, result.output
    assert "ROLLED BACK" in result.stdout
    assert re.search(rf"alarm {ALARM} went into ALARM during the deployment to ECS service "
                     r"hello-web; ECS rolled it back", result.stderr), result.stderr
    assert f"fired: {ALARM}" in result.stdout
