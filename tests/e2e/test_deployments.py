"""End to end on the sandbox: deployments as ECS records them. deploy.alarms converged on
the service, a run rolled back by an alarm (the sandbox's fault, or the aws CLI's
`cloudwatch set-alarm-state` during the rollout), and `pipectl rollback` choosing what to
go back to from the service deployments."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipectl.clock import Clock
from tests.e2e.test_runs import FAST, Project, make_project
from tests.sandbox.steered_clock import steer
from tests.sandbox.test_aws_cli import aws
from tests.system_tools import aws_cli

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
    assert "1 to update, 18 unchanged" in plan.stdout
    assert f'alarms.names: [] -> ["{ALARM}"]' in plan.stdout
    assert "alarms.rollback: false -> true" in plan.stdout
    assert "minimumHealthyPercent: 100 -> 50" in plan.stdout
    updated = project.cli("update")
    assert updated.exit_code == 0, updated.output
    config = project.client("ecs").describe_services(
        cluster="hello-web", services=["hello-web"])["services"][0]["deploymentConfiguration"]
    assert config["alarms"] == {"alarmNames": [ALARM], "enable": True, "rollback": True}
    assert config["minimumHealthyPercent"] == 50
    assert "19 unchanged" in project.cli("plan").stdout

    # The first run brings the new service up (no task before it): the alarm then has a
    # deployment with tasks to fail.
    assert project.cli("run", "--watch", "--interval", "0.05").exit_code == 0
    project.fault(type="deploy", alarm=ALARM)
    # watch paces the run (a simulated second a look): it sees the rollback long before
    # the Deploy action's own timeout, however slow its looks are on a loaded machine.
    result = project.paced("run", "--watch", "--interval", "0.05")
    assert result.exit_code == 1, result.output
    assert "ROLLED BACK" in result.stdout
    # watch ends as soon as the rollback is certain: ECS may still be rolling back.
    assert re.search(rf"alarm {ALARM} went into ALARM during the deployment to ECS service "
                     r"hello-web; ECS (rolled|is rolling) it back", result.stderr), result.stderr
    assert f"fired: {ALARM}" in result.stdout
    wait_for_rollback_to_end(project)
    status = project.cli("status")
    assert (f"deployment  ROLLBACK_SUCCESSFUL: alarm {ALARM} went into ALARM during the "
            "deployment to ECS service hello-web; ECS rolled it back") in status.stdout, \
        status.stdout
    as_json = project.cli("status", "-o", "json")
    assert '"deployment_status": "ROLLBACK_SUCCESSFUL"' in as_json.stdout


def test_an_alarm_the_aws_cli_sets_during_the_rollout_rolls_it_back_and_the_run_exits_1(
    make_project: Callable[[float], Project],
) -> None:
    aws_cli()  # missing, it skips before the project is made (fails under CI=true)
    project = make_project(FAST)
    with_deploy_settings(project.root, f"  alarms: [{ALARM}]\n")
    assert project.cli("update").exit_code == 0
    url = project.server.url
    # The user's alarm, as it exists before any deployment watches it.
    aws(url, "cloudwatch", "put-metric-alarm", "--alarm-name", ALARM, "--namespace", "AWS/ECS",
        "--metric-name", "CPUUtilization", "--statistic", "Average", "--period", "60",
        "--evaluation-periods", "1", "--threshold", "90",
        "--comparison-operator", "GreaterThanThreshold")
    # A new alarm is INSUFFICIENT_DATA, as on AWS: not ALARM, so it rolls nothing back.
    assert aws(url, "cloudwatch", "describe-alarms", "--alarm-names", ALARM)[
        "MetricAlarms"][0]["StateValue"] == "INSUFFICIENT_DATA"
    # The first run brings the new service up (the alarm watched, still without data): the
    # second has old tasks to roll back to.
    assert project.cli("run", "--watch", "--interval", "0.05").exit_code == 0

    ecs = project.client("ecs")
    set_during: list[dict[str, object]] = []

    def new_tasks_running() -> dict[str, object] | None:
        """The run's deployment, once it is under way and its new tasks run."""
        briefs = ecs.list_service_deployments(cluster="hello-web", service="hello-web",
                                              status=["IN_PROGRESS"])["serviceDeployments"]
        if not briefs:
            return None
        found = ecs.describe_service_deployments(serviceDeploymentArns=[
            briefs[0]["serviceDeploymentArn"]])["serviceDeployments"][0]
        return found if found["targetServiceRevision"]["runningTaskCount"] >= 1 else None

    def sleep(seconds: float) -> None:
        # The run stands still between the watch's looks and moves half a simulated
        # second at each pause: the alarm goes off at one point of the rollout, however
        # slow the machine, and the rollout cannot end in between.
        if not set_during and (rolling_out := new_tasks_running()) is not None:
            aws(url, "cloudwatch", "set-alarm-state", "--alarm-name", ALARM,
                "--state-value", "ALARM", "--state-reason", "test")
            set_during.append(rolling_out)
        held.step(0.5)

    held = steer(project.server)
    held.hold()
    try:
        result = project.cli("run", "--watch", "--interval", "0.05", clock=Clock(sleep=sleep))
    finally:
        held.resume()
    assert set_during, "the watch never saw the run's new tasks running"
    assert set_during[0]["status"] == "IN_PROGRESS"
    assert result.exit_code == 1, result.output
    assert "ROLLED BACK" in result.stdout
    assert re.search(rf"alarm {ALARM} went into ALARM during the deployment to ECS service "
                     r"hello-web; ECS (rolled|is rolling) it back", result.stderr), result.stderr
    # The watch showed the alarm watched while the rollout went on (without data yet, as
    # a new alarm is on AWS), then in ALARM.
    watched = [line for line in result.stdout.splitlines()
               if "Deploy/Deploy: service deployment IN_PROGRESS" in line]
    assert f"alarms {ALARM} INSUFFICIENT_DATA" in watched[0], result.stdout
    assert f"alarms {ALARM} ALARM" in watched[-1], result.stdout
    assert f"fired: {ALARM}" in result.stdout
    # The aws CLI reads the same: this deployment, failed by that alarm.
    rolled_back = aws(url, "ecs", "describe-service-deployments", "--service-deployment-arns",
                      str(set_during[0]["serviceDeploymentArn"]))["serviceDeployments"][0]
    assert rolled_back["status"].startswith("ROLLBACK_"), rolled_back["status"]
    assert rolled_back["alarms"]["triggeredAlarmNames"] == [ALARM]


def test_rollback_after_a_failed_and_a_succeeded_deploy_goes_to_the_succeeded_one(
    make_project: Callable[[float], Project],
) -> None:
    project = make_project(FAST)
    assert project.cli("run", "--watch", "--interval", "0.05").exit_code == 0  # :2 succeeds
    project.fault(type="deploy")
    assert project.cli("run", "--watch", "--interval", "0.05").exit_code == 1  # :3 fails
    assert project.cli("run", "--watch", "--interval", "0.05").exit_code == 0  # :4 succeeds
    result = project.cli("rollback", "--yes", "--interval", "0.05")
    assert result.exit_code == 0, result.output
    # Not :3, the family's previous revision, whose deployment failed.
    assert "from hello-web:4" in result.stderr and "to hello-web:2" in result.stderr
    assert re.search(r"the revision of the last deployment that succeeded, \w+, finished "
                     r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", result.stderr), result.stderr
    assert "Rollback completed: hello-web runs hello-web:2 again" in result.stdout
    assert "service deployment SUCCESSFUL" in result.stdout
    service = project.client("ecs").describe_services(
        cluster="hello-web", services=["hello-web"])["services"][0]
    assert service["taskDefinition"].endswith("hello-web:2")

    explicit = project.cli("rollback", "--yes", "--to", "4", "--interval", "0.05", "-o", "json")
    assert explicit.exit_code == 0, explicit.output
    assert '"to": "hello-web:4"' in explicit.stdout and "the revision given with --to" in \
        explicit.stdout


def test_rollback_during_a_deployment_stops_it(
    make_project: Callable[[float], Project],
) -> None:
    project = make_project(FAST)
    assert project.cli("run", "--watch", "--interval", "0.05").exit_code == 0  # :2 runs
    # A deployment that stays in progress however slow the machine: tasks that never
    # start, and no circuit breaker to end it.
    ecs = project.client("ecs")
    ecs.update_service(cluster="hello-web", service="hello-web", deploymentConfiguration={
        "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        "maximumPercent": 200, "minimumHealthyPercent": 100})
    project.fault(type="deploy")
    assert project.cli("run").exit_code == 0
    listed: list[dict[str, object]] = []
    for _ in range(600):
        listed = ecs.list_service_deployments(cluster="hello-web", service="hello-web",
                                              status=["IN_PROGRESS"])["serviceDeployments"]
        if listed:
            break
        import time
        time.sleep(0.05)
    assert listed, "the run's deployment never started"
    result = project.cli("rollback", "--yes", "--interval", "0.05")
    assert result.exit_code == 0, result.output
    assert "stopping the deployment of hello-web:3" in result.stderr
    assert "roll back to hello-web:2" in result.stderr
    assert "Rollback completed: the deployment was stopped and hello-web runs hello-web:2 " \
        "again" in result.stdout
    stopped = ecs.describe_service_deployments(
        serviceDeploymentArns=[str(listed[0]["serviceDeploymentArn"])])["serviceDeployments"]
    assert stopped[0]["status"] == "ROLLBACK_SUCCESSFUL"


def wait_for_rollback_to_end(project: Project, timeout: float = 60) -> None:
    ecs = project.client("ecs")
    deadline = time.monotonic() + timeout
    while True:
        briefs = ecs.list_service_deployments(cluster="hello-web", service="hello-web")[
            "serviceDeployments"]
        if briefs and all(b["status"] != "ROLLBACK_IN_PROGRESS" for b in briefs):
            return
        assert time.monotonic() < deadline, f"the rollback never ended: {briefs}"
        time.sleep(0.05)
