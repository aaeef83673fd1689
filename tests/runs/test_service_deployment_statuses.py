"""Every status of an ECS service deployment, as the installed botocore's ECS model lists
them (``ServiceDeploymentStatus``), and what the watch makes of each: a verdict in its own
words, or none yet (the watch goes on). The cases are keyed by status and the test runs
over the model's enum, so a status a newer botocore adds fails here until pipectl has
decided what it means. Responses in the model's shapes, checked by botocore's Stubber."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest

from tests.runs.test_service_deployments import (
    DOCUMENTED,
    World,
    in_progress,
    lines,
    rolled_back_by_breaker,
    watch,
    with_status,
)


@cache
def model_statuses() -> tuple[str, ...]:
    """ServiceDeploymentStatus's values in the ECS model botocore ships."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("ecs")
    return tuple(model.shape_for("ServiceDeploymentStatus").enum)


def not_started() -> dict[str, Any]:
    """A deployment ECS has recorded but not begun: no start, no stage, no task yet."""
    doc = with_status("PENDING", "")
    for key in ("startedAt", "lifecycleStage", "statusReason"):
        doc.pop(key, None)
    doc["targetServiceRevision"].update(runningTaskCount=0, pendingTaskCount=0)
    doc["deploymentCircuitBreaker"] = {"status": "MONITORING", "failureCount": 0,
                                       "threshold": 3}
    return doc


def successful() -> dict[str, Any]:
    return copy.deepcopy(DOCUMENTED)


@dataclass(frozen=True)
class Case:
    """What the watch makes of a deployment in one status."""

    doc: Callable[[], dict[str, Any]]
    #: The run's outcome; None: the status decides nothing yet, the watch looks again.
    outcome: str | None
    #: Words of the verdict's reason (a status that decides), or of the line the watch
    #: shows while the deployment is in that status (one that does not).
    words: str


CASES: dict[str, Case] = {
    "PENDING": Case(not_started, None, "service deployment PENDING · hello-web:8 0/1 running"),
    "IN_PROGRESS": Case(in_progress, None,
                        "service deployment IN_PROGRESS (SCALE_UP) · hello-web:8 0/1 running"),
    "SUCCESSFUL": Case(successful, "succeeded",
                       "the pipeline succeeded and the new deployment completed"),
    "STOPPED": Case(lambda: with_status("STOPPED", "Service deployment stopped by a newer "
                                        "deployment."), "failed",
                    "the deployment to ECS service hello-web ended STOPPED; ECS stopped it "
                    "(Service deployment stopped by a newer deployment.)"),
    # A stop without rollback (ABORT): not a rollback, so not "rolled back".
    "STOP_REQUESTED": Case(lambda: with_status("STOP_REQUESTED", "Stop requested by the "
                                               "user."), "failed",
                           "the deployment to ECS service hello-web was stopped on request"),
    "ROLLBACK_REQUESTED": Case(lambda: with_status("ROLLBACK_REQUESTED", "Rollback requested "
                                                   "by the user."), "rolled_back",
                               "was stopped on request; ECS is rolling it back"),
    "ROLLBACK_IN_PROGRESS": Case(lambda: rolled_back_by_breaker("ROLLBACK_IN_PROGRESS"),
                                 "rolled_back", "circuit breaker tripped; ECS is rolling it "
                                 "back"),
    "ROLLBACK_SUCCESSFUL": Case(lambda: rolled_back_by_breaker("ROLLBACK_SUCCESSFUL"),
                                "rolled_back", "circuit breaker tripped; ECS rolled it back"),
    "ROLLBACK_FAILED": Case(lambda: rolled_back_by_breaker("ROLLBACK_FAILED"), "rolled_back",
                            "ECS tried to roll it back and the rollback failed too"),
}


def test_every_case_is_a_status_of_the_model() -> None:
    assert set(CASES) <= set(model_statuses()), set(CASES) - set(model_statuses())


@pytest.mark.service_deployments
@pytest.mark.parametrize("status", model_statuses())
def test_each_status_of_the_model_has_its_verdict(status: str) -> None:
    case = CASES.get(status)
    assert case is not None, (
        f"ECS's model has a service deployment status pipectl has no case for: {status}; "
        "decide what the watch makes of it (runs.service_deployments) and add it here")
    doc = case.doc()
    assert doc["status"] == status
    if case.outcome is None:
        # CodePipeline already says the run succeeded: only the deployment's own status
        # holds the verdict back, for two looks, until ECS says SUCCESSFUL.
        world = World([doc, doc, successful()], pipeline_status=lambda look: "Succeeded")
        events, result = watch(world)
        assert world.looks == 3, "the watch ended before the deployment did"
        assert result.outcome == "succeeded", result.reason
        assert any(case.words in m for m in lines(events)), lines(events)
        return
    if case.outcome == "succeeded":
        world = World([doc], pipeline_status=lambda look: "Succeeded")
    else:
        # CodePipeline still says InProgress: the deployment's status alone decides.
        world = World([doc])
    _, result = watch(world)
    assert world.looks == 1
    assert result.outcome == case.outcome, result.reason
    assert case.words in result.reason, result.reason
