"""Drill: every service throttles 20% of calls and fails 5% with a 5xx.

``create`` must converge with exactly one of each resource, and ``run --watch`` must
reach the run's true verdict, both for a run that succeeds and one that fails.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.drills.project import SERVICES, Project

THROTTLE_RATE = 0.2
ERROR_RATE = 0.05


def make_aws_flaky(project: Project) -> None:
    for index, service in enumerate(SERVICES):
        project.fault(type="api", target=service, kind="throttle", rate=THROTTLE_RATE,
                      seed=index + 1)
        project.fault(type="api", target=service, kind="error", status=503, rate=ERROR_RATE,
                      seed=index + 101)


def faults_met(project: Project) -> dict[str, int]:
    armed: list[dict[str, Any]] = project.control("GET", "faults")["api"]
    met: dict[str, int] = {}
    for fault in armed:
        met[fault["kind"]] = met.get(fault["kind"], 0) + int(fault["hits"])
    return met


@pytest.mark.usefixtures("quick_retries")
def test_create_converges_and_runs_reach_their_verdicts_on_flaky_aws(project: Project) -> None:
    make_aws_flaky(project)

    created = project.cli("create")
    assert created.exit_code == 0, created.output
    again = project.cli("create")
    assert again.exit_code == 0, again.output
    assert "Nothing to change" in again.stdout

    succeeded = project.cli("run", "--watch", "--interval", "0.05")
    assert succeeded.exit_code == 0, succeeded.output
    assert "succeeded" in succeeded.output

    project.fault(type="build", phase="BUILD")
    failed = project.cli("run", "--watch", "--interval", "0.05")
    assert failed.exit_code == 1, failed.output
    assert "Cannot connect to the Docker daemon" in failed.output
    assert "Traceback" not in succeeded.output + failed.output

    met = faults_met(project)
    assert met.get("throttle", 0) >= 5 and met.get("error", 0) >= 1, met
    project.clear_faults()
    assert project.inventory() == project.expected_inventory()
