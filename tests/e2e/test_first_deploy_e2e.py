"""End to end on the sandbox: the first run of a service pipectl creates. `create` makes it
with no task; the first `run --watch` deploys the built image and its ScaleUp action
raises the service to the spec's desired count; no task ever runs the task definition
file's placeholder image. The aws CLI (an independent reader) checks the service."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.test_runs import FAST, Project, make_project
from tests.system_tools import aws_cli

pytestmark = pytest.mark.e2e
__all__ = ["make_project"]

PLACEHOLDER = "replaced-by-each-deploy"


def aws(project: Project, *args: str) -> Any:
    env = dict(os.environ, AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="",
               AWS_ACCESS_KEY_ID=project.server.token, AWS_SECRET_ACCESS_KEY="sandbox")
    done = subprocess.run([aws_cli(), "--endpoint-url", project.server.url, "--output", "json",
                           *args], capture_output=True, text=True, env=env, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def every_task(project: Project) -> list[dict[str, Any]]:
    arns = [arn for status in ("RUNNING", "STOPPED") for arn in aws(
        project, "ecs", "list-tasks", "--cluster", "hello-web", "--desired-status",
        status)["taskArns"]]
    if not arns:
        return []
    return list(aws(project, "ecs", "describe-tasks", "--cluster", "hello-web",
                    "--tasks", *arns)["tasks"])


def set_desired_count(root: Path, count: int) -> None:
    spec = root / "config" / "pipeline.yml"
    spec.write_text(spec.read_text().replace("    desired_count: 1\n",
                                             f"    desired_count: {count}\n", 1))


def service(project: Project) -> dict[str, Any]:
    found = aws(project, "ecs", "describe-services", "--cluster", "hello-web",
                "--services", "hello-web")["services"]
    assert len(found) == 1
    return dict(found[0])


def test_the_first_run_brings_a_new_service_up_on_the_built_image_only(
    tmp_path: Path, make_project: Callable[[float], Project],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    aws_cli()  # missing, it skips before the run (fails under CI=true)
    from tests.e2e import test_runs

    real_checkout = test_runs.checkout

    def checkout_wanting_two(root: Path) -> None:
        real_checkout(root)
        set_desired_count(root, 2)

    monkeypatch.setattr(test_runs, "checkout", checkout_wanting_two)
    project = make_project(FAST)
    created = service(project)
    assert created["desiredCount"] == 0
    assert every_task(project) == []

    # Paced: watch sees each action of the run, however slow its looks on a loaded machine.
    result = project.paced("run", "--watch", "--interval", "0.05")
    assert result.exit_code == 0, result.output
    assert "succeeded after" in result.stdout
    assert "Deploy/ScaleUp: Succeeded" in result.stdout
    assert "roll" not in result.stdout.replace("rollout", "")

    after = service(project)
    assert (after["desiredCount"], after["runningCount"]) == (2, 2)
    image = aws(project, "ecs", "describe-task-definition", "--task-definition",
                after["taskDefinition"])["taskDefinition"]["containerDefinitions"][0]["image"]
    assert ".dkr.ecr.us-east-1.amazonaws.com/hello-web:" in image
    tasks = every_task(project)
    assert len(tasks) == 2
    assert {t["containers"][0]["image"] for t in tasks} == {image}
    assert not any(PLACEHOLDER in c["image"] for t in tasks for c in t["containers"])

    # A second run: the count is above 0, ScaleUp leaves it; the service stays at 2.
    again = project.cli("run", "--watch", "--interval", "0.05")
    assert again.exit_code == 0, again.output
    assert service(project)["desiredCount"] == 2
    log = aws(project, "logs", "filter-log-events", "--log-group-name",
              "/aws/codepipeline/hello-web")["events"]
    assert any("wants 2 tasks: its desired count stays" in e["message"] for e in log)


def test_an_image_not_in_ecr_fails_with_cannot_pull_container_error(
    make_project: Callable[[float], Project], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sidecar whose image no registry the sandbox knows holds: its tasks stop with
    CannotPullContainerError, and watch says so instead of waiting for ever."""
    aws_cli()  # missing, it skips before the run (fails under CI=true)
    from tests.e2e import test_runs

    real_checkout = test_runs.checkout

    def checkout_with_sidecar(root: Path) -> None:
        real_checkout(root)
        path = root / "config" / "task_definition.json"
        document = json.loads(path.read_text())
        document["containerDefinitions"].append({
            "name": "log-router", "essential": True,
            "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/log-router:missing"})
        path.write_text(json.dumps(document, indent=2))

    monkeypatch.setattr(test_runs, "checkout", checkout_with_sidecar)
    project = make_project(FAST)
    # Paced: watch sees the tasks fail long before the Deploy action's own timeout.
    result = project.paced("run", "--watch", "--interval", "0.05")
    assert result.exit_code == 1, result.output
    assert "CannotPullContainerError" in result.output
    assert "log-router:missing" in result.output
    stopped = [t for t in every_task(project) if t["lastStatus"] == "STOPPED"]
    assert stopped and all(t["stopCode"] == "TaskFailedToStart" for t in stopped)
    assert all(t["stoppedReason"].startswith("CannotPullContainerError:") for t in stopped)


def test_the_spec_in_the_checkout_wants_one_task() -> None:
    """The tests above edit this line of the reference spec: it must be there."""
    from tests.conftest import REPO_ROOT

    spec = yaml.safe_load((REPO_ROOT / "config" / "pipeline.yml").read_text())
    assert spec["deploy"]["create_service"]["desired_count"] == 1


def test_a_pipeline_role_that_may_not_write_the_scale_up_log_fails_that_action(
    make_project: Callable[[float], Project],
) -> None:
    """The ScaleUp action runs as the pipeline's role and writes its log first: without the
    policy's statement for its log group it fails before any command runs, with AWS's
    AccessDenied in its error, and watch says so."""
    project = make_project(FAST)
    iam, role = project.client("iam"), "hello-web-codepipeline"
    [policy] = iam.list_role_policies(RoleName=role)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
    kept = [s for s in document["Statement"] if s.get("Sid") != "CommandsLogs"]
    assert len(kept) == len(document["Statement"]) - 1
    iam.put_role_policy(RoleName=role, PolicyName=policy,
                        PolicyDocument=json.dumps({**document, "Statement": kept}))

    result = project.cli("run", "--watch", "--interval", "0.05")
    assert result.exit_code == 1, result.output
    assert "Deploy/ScaleUp" in result.output
    assert "write the action's logs to /aws/codepipeline/hello-web" in result.output
    assert "not authorized to perform: logs:CreateLogStream" in result.output
    assert service(project)["desiredCount"] == 0  # no command ran
