"""The first deployment of a service pipectl creates: it starts with no task, and the
pipeline's Commands action raises it after the first deploy (pipectl.resources.first_deploy).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipectl.resources.first_deploy import scale_up_command
from tests.resources.specs import make_spec, make_state, spec_data
from tests.resources.test_requests import validate
from tests.system_tools import FROM_BASE_SYSTEM, require_tool


def posix_shell() -> str:
    return require_tool("sh", install=FROM_BASE_SYSTEM)


def _deploy_stage(desired_count: int = 2) -> list[dict[str, object]]:
    spec = make_spec(deploy={"create_service": {"desired_count": desired_count,
                                                "subnets": ["subnet-0abc1234"]}})
    declaration = make_state(spec).pipeline.declaration()
    stage = declaration["stages"][2]
    assert stage["name"] == "Deploy"
    return list(stage["actions"])


def test_the_service_is_created_with_no_task_whatever_the_spec_wants() -> None:
    state = make_state(make_spec(deploy={"create_service": {
        "desired_count": 3, "subnets": ["subnet-0abc1234"]}}))
    assert state.ecs is not None
    assert state.ecs.service.create_request()["desiredCount"] == 0
    validate("ecs", "CreateService", state.ecs.service.create_request())


def test_the_deploy_stage_raises_the_count_after_the_ecs_action() -> None:
    deploy, scale_up = _deploy_stage(desired_count=2)
    assert deploy["name"] == "Deploy" and deploy["runOrder"] == 1
    assert scale_up["actionTypeId"] == {"category": "Compute", "owner": "AWS",
                                        "provider": "Commands", "version": "1"}
    assert scale_up["runOrder"] == 2  # after the ECS deploy action
    assert scale_up["inputArtifacts"] == [{"name": "BuildArtifact"}]
    assert "configuration" not in scale_up
    (command,) = scale_up["commands"]  # type: ignore[misc]
    assert "aws ecs describe-services" in command
    assert "--desired-count 2" in command
    # botocore's model: the action's members, 1-50 commands of 1-1000 characters.
    spec = make_spec(deploy={"create_service": {"desired_count": 2,
                                                "subnets": ["subnet-0abc1234"]}})
    validate("codepipeline", "CreatePipeline", make_state(spec).pipeline.create_request())


def test_the_longest_names_ecs_allows_keep_the_command_within_the_limit() -> None:
    command = scale_up_command("c" * 255, "s" * 255, 1000)
    assert len(command) <= 1000
    validate("codepipeline", "UpdatePipeline", {"pipeline": {
        "name": "p", "roleArn": "arn:aws:iam::123456789012:role/r",
        "artifactStore": {"type": "S3", "location": "bucket"},
        "stages": [{"name": "Deploy", "actions": [{
            "name": "ScaleUp", "actionTypeId": {"category": "Compute", "owner": "AWS",
                                                "provider": "Commands", "version": "1"},
            "commands": [command], "inputArtifacts": [{"name": "BuildArtifact"}]}]}]}})


def test_no_scale_up_action_when_the_spec_wants_no_task() -> None:
    assert [a["name"] for a in _deploy_stage(desired_count=0)] == ["Deploy"]


def test_a_v1_pipeline_cannot_scale_a_new_service_up() -> None:
    from pydantic import ValidationError

    from pipectl.spec.model import Spec

    with pytest.raises(ValidationError, match="needs pipeline type V2"):
        Spec.model_validate(spec_data(pipeline={"type": "V1",
                                                "execution_mode": "SUPERSEDED"}))


def _fake_aws(tmp_path: Path, desired: str) -> Path:
    """An ``aws`` on PATH that answers describe-services with ``desired`` and records
    every call: the command line runs in a real shell, as the action runs it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "aws"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{tmp_path}/calls"\n'
        'case "$2" in\n'
        f'  describe-services) echo "{desired}";;\n'
        '  update-service) echo 2;;\n'
        "esac\n")
    script.chmod(0o755)
    return bin_dir


@pytest.mark.parametrize(("desired", "updated"), [("0", True), ("3", False)])
def test_the_command_raises_only_a_service_at_zero(tmp_path: Path, desired: str,
                                                   updated: bool) -> None:
    bin_dir = _fake_aws(tmp_path, desired)
    command = scale_up_command("hello-cluster", "hello-web", 2)
    done = subprocess.run([posix_shell(), "-c", command], capture_output=True, text=True,
                          env={"PATH": f"{bin_dir}:/usr/bin:/bin"}, check=False)
    assert done.returncode == 0, done.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls[0] == ("ecs describe-services --cluster hello-cluster --services hello-web "
                        "--query services[0].desiredCount --output text")
    if updated:
        assert calls[1:] == ["ecs update-service --cluster hello-cluster --service hello-web "
                             "--desired-count 2 --query service.desiredCount --output text"]
    else:
        assert calls[1:] == []
        assert "wants 3 tasks: its desired count stays" in done.stdout


def test_a_failed_read_fails_the_command_and_changes_nothing(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text(f'#!/bin/sh\necho "$*" >> "{tmp_path}/calls"\n'
                                 'echo "An error occurred (AccessDeniedException)" >&2\n'
                                 "exit 254\n")
    (bin_dir / "aws").chmod(0o755)
    done = subprocess.run([posix_shell(), "-c", scale_up_command("c", "s", 1)], capture_output=True,
                          text=True, env={"PATH": f"{bin_dir}:/usr/bin:/bin"}, check=False)
    assert done.returncode != 0
    assert len((tmp_path / "calls").read_text().splitlines()) == 1  # no update-service
