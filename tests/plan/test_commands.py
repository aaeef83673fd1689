"""plan, create, update and destroy as a user runs them (moto in-process)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipectl.aws.session import AwsSession
from pipectl.errors import ExitStatus
from tests.conftest import run_cli
from tests.resources.specs import spec_data, write_project


@pytest.fixture
def project(aws: AwsSession, in_tmp: Path, spec_sections: dict[str, Any]) -> Path:
    return write_project(in_tmp, spec=spec_data(**spec_sections))


def aws_calls(stderr: str) -> dict[str, int]:
    """The `-v` call report: '  service:Operation N' lines."""
    out = {}
    for line in stderr.splitlines():
        parts = line.split()
        if len(parts) == 2 and ":" in parts[0] and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


def test_plan_detailed_exitcode_says_whether_changes_are_pending(project: Path) -> None:
    before = run_cli(["plan", "--detailed-exitcode"])
    assert before.exit_code == ExitStatus.CHANGES_PENDING, before.output
    assert "19 to create" in before.stdout
    assert "+ CodePipeline pipeline" in before.stdout
    assert run_cli(["create"]).exit_code == 0
    after = run_cli(["plan", "--detailed-exitcode"])
    assert after.exit_code == 0, after.output
    assert "No changes: AWS matches the spec." in after.stdout
    assert run_cli(["plan"]).exit_code == 0


def test_plan_json_lists_every_resource_with_its_changes(project: Path) -> None:
    result = run_cli(["plan", "-o", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["changes_pending"] is True
    assert data["summary"] == {"create": 19}
    assert data["resources"][0] == {"resource": "S3 bucket", "kind": "s3-bucket",
                                    "name": "hello-web-artifacts-123456789012-us-east-1",
                                    "action": "create", "changes": []}


def test_second_create_changes_nothing_and_only_reads(project: Path) -> None:
    first = run_cli(["create"])
    assert first.exit_code == 0, first.output
    assert "Done: 19 created." in first.stdout
    second = run_cli(["-v", "create"])
    assert second.exit_code == 0, second.output
    assert "Nothing to change: the 19 resources of pipeline hello-web match the spec." \
        in second.stdout
    calls = aws_calls(second.stderr)
    assert calls and all(op.split(":")[1].startswith(("Get", "List", "Describe", "BatchGet"))
                         for op in calls), calls
    assert sum(calls.values()) - calls["sts:GetCallerIdentity"] <= 2 * 18


def test_plan_shows_a_field_diff_and_update_applies_it(project: Path) -> None:
    assert run_cli(["create"]).exit_code == 0
    text = project.read_text().replace("timeout_minutes: 15", "timeout_minutes: 20")
    project.write_text(text)
    plan = run_cli(["plan"])
    assert "1 to update, 18 unchanged" in plan.stdout, plan.output
    assert "stages.Deploy.Deploy.configuration.DeploymentTimeout: 15 -> 20" in plan.stdout
    update = run_cli(["update"])
    assert update.exit_code == 0, update.output
    assert "~ updated CodePipeline pipeline hello-web" in update.stdout
    assert run_cli(["plan", "--detailed-exitcode"]).exit_code == 0


def test_update_refuses_when_the_pipeline_does_not_exist(project: Path,
                                                         aws: AwsSession) -> None:
    result = run_cli(["update"])
    assert result.exit_code == ExitStatus.AWS_ERROR
    assert "error: pipeline hello-web does not exist" in result.stderr
    assert "hint: create it with `pipectl create`" in result.stderr
    assert aws.client("s3").list_buckets()["Buckets"] == []


def test_interrupted_create_says_how_to_resume_and_a_rerun_converges(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipectl.plan import executor

    real_call = executor.call

    def interrupt(aws: Any, service: str, operation: str, *args: Any, **params: Any) -> Any:
        if operation == "CreatePipeline":
            raise KeyboardInterrupt
        return real_call(aws, service, operation, *args, **params)

    with monkeypatch.context() as patch:
        patch.setattr(executor, "call", interrupt)
        stopped = run_cli(["create"])
    assert stopped.exit_code == ExitStatus.INTERRUPTED
    assert "interrupted while applying CodePipeline pipeline hello-web: 18 of 19 changes" \
        in stopped.stderr
    assert "re-run `pipectl create`" in stopped.stderr
    rerun = run_cli(["create"])
    assert rerun.exit_code == 0, rerun.output
    assert "1 to create, 18 unchanged" in rerun.stdout


def test_destroy_without_a_terminal_needs_yes(project: Path, aws: AwsSession) -> None:
    assert run_cli(["create"]).exit_code == 0
    refused = run_cli(["destroy"])
    assert refused.exit_code == ExitStatus.INVALID_INPUT
    assert "hint: pass --yes" in refused.stderr
    cancelled = run_cli(["destroy"], tty=True, stdin="no\n")
    assert cancelled.exit_code == 0
    assert "Cancelled: nothing was deleted." in cancelled.stderr
    assert aws.client("codepipeline").list_pipelines()["pipelines"]


def test_destroy_yes_deletes_and_says_what_it_kept(project: Path, aws: AwsSession) -> None:
    assert run_cli(["create"]).exit_code == 0
    aws.client("iam").untag_role(RoleName="hello-web-codebuild", TagKeys=["pipectl:pipeline"])
    result = run_cli(["destroy", "--yes"])
    assert result.exit_code == 0, result.output
    assert "- deleted CodePipeline pipeline hello-web" in result.stdout
    assert ("Kept IAM role hello-web-codebuild: not tagged pipectl:pipeline=hello-web."
            in result.stdout)
    assert aws.client("codepipeline").list_pipelines()["pipelines"] == []
    assert aws.client("iam").get_role(RoleName="hello-web-codebuild")
    again = run_cli(["destroy", "--yes"])
    assert "Nothing to delete for pipeline hello-web." in again.stdout


def test_missing_task_definition_is_invalid_input(project: Path) -> None:
    (project.parent / "task_definition.json").unlink()
    result = run_cli(["plan"])
    assert result.exit_code == ExitStatus.INVALID_INPUT
    assert "deploy.task_definition: config/task_definition.json does not exist" in result.stderr


def test_create_json_reports_what_it_applied(project: Path) -> None:
    result = run_cli(["create", "-o", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert [a["action"] for a in data["applied"]] == ["create"] * 19
    again = json.loads(run_cli(["create", "-o", "json"]).stdout)
    assert again["applied"] == []
    assert again["plan"]["changes_pending"] is False


def test_plan_lets_the_pipeline_pass_the_roles_of_the_revision_the_service_runs(
    project: Path, aws: AwsSession
) -> None:
    """The ECS deploy action copies the running revision, roles included, and passes them."""
    assert run_cli(["create"]).exit_code == 0
    ecs = aws.client("ecs")
    old_role = "arn:aws:iam::123456789012:role/legacy-execution"
    service = ecs.describe_services(cluster="hello-cluster", services=["hello-web"])
    running = ecs.describe_task_definition(
        taskDefinition=service["services"][0]["taskDefinition"])["taskDefinition"]
    legacy = ecs.register_task_definition(
        family=running["family"], networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512", executionRoleArn=old_role,
        containerDefinitions=running["containerDefinitions"],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster="hello-cluster", service="hello-web", taskDefinition=legacy)

    result = run_cli(["plan", "-o", "json"])

    assert result.exit_code == 0, result.output
    [policy] = [r for r in json.loads(result.stdout)["resources"]
                if r["name"] == "hello-web-codepipeline/pipectl"]
    assert policy["action"] == "update"
    assert old_role in json.dumps(policy["changes"])
    assert run_cli(["update"]).exit_code == 0
    document = aws.client("iam").get_role_policy(
        RoleName="hello-web-codepipeline", PolicyName="pipectl")["PolicyDocument"]
    [passing] = [s for s in document["Statement"] if s["Action"] == ["iam:PassRole"]]
    assert old_role in passing["Resource"]
