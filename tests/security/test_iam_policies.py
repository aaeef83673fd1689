"""Every IAM policy pipectl writes is least-privilege, for every kind of spec.

The documents are the ones ``create`` sends (the desired state built from each spec
variant); ``test_iam_holds_exactly_the_policies_pipectl_checks`` shows that IAM holds
those very documents after a real ``create`` against the sandbox, and nothing more.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipectl.plan.planners.iam import managed_roles
from pipectl.resources.desired import DesiredState
from tests.drills.project import Project
from tests.drills.workspace import (
    EXECUTION_ROLE,
    REGION,
    SANDBOX_ACCOUNT,
    TASK_ROLE,
)
from tests.security.iam_lint import (
    parliament_findings,
    trust_policy_findings,
    wildcard_actions,
)
from tests.security.variants import VARIANTS, build_state


def test_codebuild_policy_passes_parliament(state: DesiredState) -> None:
    assert parliament_findings(state.codebuild_role.policy) == []


#: The service that assumes each role, by the suffix of the role's name.
SERVICES = {"codebuild": "codebuild.amazonaws.com", "codepipeline": "codepipeline.amazonaws.com",
            "events": "events.amazonaws.com"}


def test_trust_policies_pass_parliament_and_name_one_service(state: DesiredState) -> None:
    roles = managed_roles(state)
    assert len(roles) == (3 if state.source_events else 2)
    for role in roles:
        assert trust_policy_findings(role.trust_policy, role.arn) == [], role.name
        [stmt] = role.trust_policy["Statement"]
        assert stmt["Principal"] == {"Service": SERVICES[role.name.rsplit("-", 1)[-1]]}
        assert stmt["Action"] == "sts:AssumeRole"


def test_the_events_role_may_start_its_pipeline_and_nothing_else(state: DesiredState) -> None:
    """CodeCommit and S3 sources: the role EventBridge starts the pipeline with."""
    if state.source_events is None:
        assert state.pipeline.source.provider == "github"  # the connection starts runs
        return
    role = state.source_events.role
    assert parliament_findings(role.policy) == []
    assert role.policy["Statement"] == [{
        "Sid": "StartPipeline", "Effect": "Allow",
        "Action": ["codepipeline:StartPipelineExecution"],
        "Resource": [f"arn:aws:codepipeline:{REGION}:{SANDBOX_ACCOUNT}:{state.pipeline.name}"]}]
    # Against the confused deputy: EventBridge may assume it for this account's one rule.
    assert role.trust_policy["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": SANDBOX_ACCOUNT},
        "ArnLike": {"aws:SourceArn": state.source_events.rule.arn}}


def test_bucket_policy_passes_parliament(state: DesiredState) -> None:
    assert parliament_findings(state.bucket.policy) == []


def test_no_wildcard_actions(state: DesiredState) -> None:
    for document in (*(r.policy for r in managed_roles(state)), state.bucket.policy):
        assert wildcard_actions(document) == []


def test_pass_role_is_narrow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """iam:PassRole: only the task's own roles, and only to ECS tasks."""
    monkeypatch.chdir(tmp_path)
    state = build_state(tmp_path, VARIANTS["github-codeconnections"])
    passing = [s for s in state.pipeline_role.policy["Statement"]
               if "iam:PassRole" in s["Action"]]
    assert len(passing) == 1
    assert sorted(passing[0]["Resource"]) == sorted([EXECUTION_ROLE, TASK_ROLE])
    assert passing[0]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
    everything = [a for s in state.codebuild_role.policy["Statement"] for a in s["Action"]]
    assert "iam:PassRole" not in everything


def test_secret_reads_name_only_the_referenced_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    state = build_state(tmp_path, VARIANTS["codecommit-with-secrets"])
    by_action = {a: s["Resource"] for s in state.codebuild_role.policy["Statement"]
                 for a in s["Action"]}
    assert by_action["ssm:GetParameters"] == [
        f"arn:aws:ssm:{REGION}:{SANDBOX_ACCOUNT}:parameter/drill/token"]
    assert sorted(by_action["secretsmanager:GetSecretValue"]) == [
        f"arn:aws:secretsmanager:{REGION}:{SANDBOX_ACCOUNT}:secret:drill/db-??????",
        f"arn:aws:secretsmanager:{REGION}:{SANDBOX_ACCOUNT}:secret:drill/signing-AbCdEf",
    ]
    # A spec without secrets grants no secret reads at all.
    plain = build_state(tmp_path / "plain", VARIANTS["github-codeconnections"])
    actions = {a for s in plain.codebuild_role.policy["Statement"] for a in s["Action"]}
    assert not actions & {"ssm:GetParameters", "secretsmanager:GetSecretValue"}


def test_iam_holds_exactly_the_policies_pipectl_checks(
    project: Project, tmp_path: Path
) -> None:
    """After ``create``: one inline policy per role, nothing attached, the same documents."""
    created = project.cli("create")
    assert created.exit_code == 0, created.output
    state = build_state(tmp_path, VARIANTS["github-codeconnections"])
    iam = project.client("iam")
    for role in (state.codebuild_role, state.pipeline_role):
        held = iam.get_role(RoleName=role.name)["Role"]
        assert held["AssumeRolePolicyDocument"] == role.trust_policy
        assert iam.list_role_policies(RoleName=role.name)["PolicyNames"] == ["pipectl"]
        inline = iam.get_role_policy(RoleName=role.name, PolicyName="pipectl")
        assert inline["PolicyDocument"] == role.policy
        assert iam.list_attached_role_policies(RoleName=role.name)["AttachedPolicies"] == []
