"""Which ECS deployment is ours, whether it completed, whether it was rolled back."""

from __future__ import annotations

from pipectl.runs.deployment import deploy_progress, new_deployment_completed
from tests.runs.world import T0, deployment, service


def doc(*deployments: dict[str, object], events: list[str] = ()) -> dict[str, object]:  # type: ignore[assignment]
    return service(list(deployments), events=events)["services"][0]  # type: ignore[no-any-return]


def test_completed_primary_made_during_the_run_is_a_success() -> None:
    svc = doc(deployment("d2", "PRIMARY", 8, "COMPLETED", created=50, running=1))
    assert new_deployment_completed(svc, T0) is True


def test_in_progress_is_undecided() -> None:
    svc = doc(deployment("d2", "PRIMARY", 8, "IN_PROGRESS", created=50),
              deployment("d1", "ACTIVE", 7, "COMPLETED", created=-900, running=1))
    assert new_deployment_completed(svc, T0) is None


def test_a_failed_deployment_is_a_rollback_even_when_the_rollback_is_primary() -> None:
    svc = doc(deployment("d3", "PRIMARY", 7, "IN_PROGRESS", created=90),
              deployment("d2", "ACTIVE", 8, "FAILED", created=50, failed=2))
    assert new_deployment_completed(svc, T0) is False
    progress = deploy_progress(svc, "c", T0, lambda arn: None)
    assert progress.rolled_back and progress.rollout_state == "FAILED"
    assert progress.task_definition and progress.task_definition.endswith("hello-web:8")


def test_a_finished_rollback_is_still_seen_through_its_reason() -> None:
    svc = doc(deployment("d3", "PRIMARY", 7, "COMPLETED", created=90, running=1,
                         reason="ECS deployment circuit breaker: rolling back to "
                                "deploymentId d1."))
    assert new_deployment_completed(svc, T0) is False


def test_a_failure_from_before_the_run_is_not_ours() -> None:
    svc = doc(deployment("d2", "PRIMARY", 8, "IN_PROGRESS", created=50),
              deployment("d0", "ACTIVE", 6, "FAILED", created=-5000))
    assert not deploy_progress(svc, "c", T0, lambda arn: None).rolled_back


def test_the_deployment_the_action_names_is_ours_whatever_the_clocks_say() -> None:
    svc = doc(deployment("d2", "PRIMARY", 8, "FAILED", created=-50, failed=3))
    assert not deploy_progress(svc, "c", T0, lambda arn: None).rolled_back  # looks old
    named = deploy_progress(svc, "c", T0, lambda arn: None, deployment_id="d2")
    assert named.rolled_back and named.failed_tasks == 3
