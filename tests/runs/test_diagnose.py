"""Hints for the failures users meet most, found in what AWS reports."""

from __future__ import annotations

import pytest

from pipectl.runs.diagnose import diagnose, hint_for
from pipectl.runs.model import RunSnapshot
from pipectl.runs.progress import DeployProgress
from pipectl.runs.views import ActionView, StageView


@pytest.mark.parametrize(("text", "expected"), [
    ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker "
     "daemon running?", "privileged"),
    ("denied: User: arn:aws:sts::1:assumed-role/x is not authorized to perform: "
     "ecr:InitiateLayerUpload on resource", "ECR repository"),
    ("An error occurred (AccessDeniedException) when calling the GetAuthorizationToken "
     "operation: User is not authorized to perform: ecr:GetAuthorizationToken", "ECR"),
    ("toomanyrequests: You have reached your pull rate limit.", "public.ecr.aws"),
    ("Invalid action configuration: The AWS ECS container web does not exist in the task "
     "definition.", "deploy.container"),
    ("Invalid action configuration: The AWS ECS container api does not exist", "deploy.container"),
    ("CannotPullContainerError: pull image manifest has been retried 5 time(s)",
     "could not pull the image"),
    ("ResourceInitializationError: unable to pull secrets or registry auth",
     "execution role"),
])
def test_known_causes_get_a_hint(text: str, expected: str) -> None:
    hint = hint_for(["some noise", text])
    assert hint is not None and expected in hint


def test_unknown_failures_get_no_made_up_hint() -> None:
    assert hint_for(["npm ERR! missing script: build"]) is None


def test_a_rollback_is_diagnosed_on_the_deploy_action_with_the_stopped_reasons() -> None:
    deploy = DeployProgress(cluster="c", service="web", rollout_state="FAILED",
                            rollout_reason="ECS deployment circuit breaker: tasks failed to "
                            "start.", rolled_back=True,
                            stopped_reasons=("ResourceInitializationError: unable to pull "
                                             "secrets",))
    snapshot = RunSnapshot("p", "e", "InProgress", 0.0, stages=(
        StageView("Deploy", "InProgress", (ActionView("Deploy", "Deploy", "Deploy", "ECS",
                                                      "InProgress", deploy=deploy),)),))
    diagnosis = diagnose(snapshot, "rolled back")
    assert (diagnosis.stage, diagnosis.action) == ("Deploy", "Deploy")
    assert "circuit breaker rolled it back" in diagnosis.message
    assert diagnosis.stopped_reasons == deploy.stopped_reasons
    assert diagnosis.hint is not None and "execution role" in diagnosis.hint
