"""What ``watch`` costs in AWS calls on a long, quiet run, and what it keeps prompt.

A scripted AWS (botocore's Stubber, each response made when the call is made, from the
fake clock's time) plays an 11-minute run: a 20 s source stage, a 7.7-minute build that
sits in its BUILD phase for six minutes, a 3-minute ECS rollout. The loop must cost well
under 30 calls a minute (2 s polling cost over 60), yet still report a failed build
at once and read ECS often enough to catch a circuit-breaker rollback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from pipectl.clock import Clock
from pipectl.runs.model import Finished, RunResult, ServiceTarget, Update
from pipectl.runs.watch import RunWatcher, WatchOptions
from tests.runs.world import (
    BUILD_ID,
    CLUSTER,
    OLD,
    PIPELINE,
    RUN,
    SERVICE,
    T0,
    FakeClock,
    StubbedClients,
    action_state,
    build,
    deployment,
    phase,
    pipeline_doc,
    service,
    stage_state,
    state,
    summary,
    taskdef_response,
)

SOURCE_ENDS = 20.0
PROVISIONED = 60.0
BUILT = 420.0
BUILD_ENDS = 480.0
DEPLOY_STARTS = 482.0
TASK_RUNS = 600.0
ROLLOUT_DONE = 630.0
DEPLOY_ENDS = 660.0


@dataclass
class QuietRun:
    """The run at each moment (methods named after the operations they answer);
    ``build_fails_at`` turns it into a failed build."""

    clock: FakeClock
    build_fails_at: float | None = None

    @property
    def t(self) -> float:
        return self.clock.now - T0

    def respond(self, service_name: str, operation: str, params: dict[str, Any]) -> Any:
        return getattr(self, operation)(params)

    # -- CodePipeline --------------------------------------------------------------------

    def GetPipeline(self, params: dict[str, Any]) -> Any:
        return pipeline_doc()

    def ListPipelineExecutions(self, params: dict[str, Any]) -> Any:
        return summary(RUN)

    def _failed(self) -> bool:
        return self.build_fails_at is not None and self.t >= self.build_fails_at

    def GetPipelineState(self, params: dict[str, Any]) -> Any:
        t = self.t
        old_build = stage_state("Build", OLD, "Succeeded",
                                action_state("Build", "Succeeded", -900))
        old_deploy = stage_state("Deploy", OLD, "Succeeded",
                                 action_state("Deploy", "Succeeded", -800))
        if t < SOURCE_ENDS:
            return state(stage_state("Source", RUN, "InProgress",
                                     action_state("Source", "InProgress", 0)),
                         old_build, old_deploy)
        source = stage_state("Source", RUN, "Succeeded",
                             action_state("Source", "Succeeded", SOURCE_ENDS))
        if self._failed():
            assert self.build_fails_at is not None
            return state(source, stage_state("Build", RUN, "Failed", action_state(
                "Build", "Failed", self.build_fails_at, external_id=BUILD_ID,
                error="Build terminated with state: FAILED")), old_deploy)
        if t < BUILD_ENDS:
            return state(source, stage_state("Build", RUN, "InProgress", action_state(
                "Build", "InProgress", SOURCE_ENDS, external_id=BUILD_ID)), old_deploy)
        built = stage_state("Build", RUN, "Succeeded", action_state(
            "Build", "Succeeded", BUILD_ENDS, external_id=BUILD_ID))
        if t < DEPLOY_STARTS:
            return state(source, built, old_deploy)
        deploy_status = "InProgress" if t < DEPLOY_ENDS else "Succeeded"
        return state(source, built, stage_state("Deploy", RUN, deploy_status, action_state(
            "Deploy", deploy_status, DEPLOY_STARTS)))

    def GetPipelineExecution(self, params: dict[str, Any]) -> Any:
        status = ("Failed" if self._failed() else
                  "Succeeded" if self.t >= DEPLOY_ENDS else "InProgress")
        return {"pipelineExecution": {"pipelineName": PIPELINE, "pipelineExecutionId": RUN,
                                      "status": status}}

    # -- CodeBuild, CloudWatch Logs, ECS ---------------------------------------------------

    def BatchGetBuilds(self, params: dict[str, Any]) -> Any:
        assert params == {"ids": [BUILD_ID]}
        t = self.t
        if self._failed():
            return build("FAILED", "COMPLETED", [
                phase("PROVISIONING", "SUCCEEDED", 40),
                phase("BUILD", "FAILED", 200, "Error while executing command: docker build "
                                              ". Reason: exit status 1"),
                phase("COMPLETED", None)])
        if t < PROVISIONED:
            return build("IN_PROGRESS", "PROVISIONING", [phase("PROVISIONING", None)])
        if t < BUILT:
            return build("IN_PROGRESS", "BUILD", [phase("PROVISIONING", "SUCCEEDED", 40),
                                                  phase("BUILD", None)])
        if t < BUILD_ENDS:
            return build("IN_PROGRESS", "POST_BUILD", [
                phase("PROVISIONING", "SUCCEEDED", 40), phase("BUILD", "SUCCEEDED", 360),
                phase("POST_BUILD", None)])
        return build("SUCCEEDED", "COMPLETED", [
            phase("PROVISIONING", "SUCCEEDED", 40), phase("BUILD", "SUCCEEDED", 360),
            phase("POST_BUILD", "SUCCEEDED", 60), phase("COMPLETED", None)])

    def GetLogEvents(self, params: dict[str, Any]) -> Any:
        return {"events": [{"timestamp": 1, "message": "error: failed to solve: exit code 1"}]}

    def DescribeServices(self, params: dict[str, Any]) -> Any:
        assert params == {"cluster": CLUSTER, "services": [SERVICE]}
        t = self.t
        if t < ROLLOUT_DONE:
            running = 1 if t >= TASK_RUNS else 0
            return service([
                deployment("ecs-svc/2", "PRIMARY", 8, "IN_PROGRESS", created=DEPLOY_STARTS,
                           running=running, pending=1 - running),
                deployment("ecs-svc/1", "ACTIVE", 7, "COMPLETED", created=-900, running=1),
            ])
        return service([deployment("ecs-svc/2", "PRIMARY", 8, "COMPLETED",
                                   created=DEPLOY_STARTS, running=1)])

    def DescribeTaskDefinition(self, params: dict[str, Any]) -> Any:
        return taskdef_response(8, "abc1234")


def watch_quietly(build_fails_at: float | None = None
                  ) -> tuple[RunResult, StubbedClients, FakeClock, list[tuple[float, float]]]:
    clock = FakeClock()
    run = QuietRun(clock, build_fails_at)
    aws = StubbedClients(script=run.respond)
    waits: list[tuple[float, float]] = []  # (run time when the wait began, seconds)

    def sleep(seconds: float) -> None:
        waits.append((run.t, seconds))
        clock.sleep(seconds)

    options = WatchOptions(target=ServiceTarget(CLUSTER, SERVICE, "web", 8080),
                           find_url=False)
    paced = Clock(monotonic=clock, wall=clock, sleep=sleep)
    events = list(RunWatcher(aws, PIPELINE, RUN, options=options, clock=paced,
                             jitter=lambda: 0.5))
    aws.assert_all_used()
    last = events[-1]
    assert isinstance(last, Finished)
    return last.result, aws, clock, waits


def test_a_quiet_run_costs_well_under_thirty_calls_a_minute() -> None:
    result, aws, clock, waits = watch_quietly()

    assert result.ok, result.reason
    minutes = (clock.now - T0) / 60
    assert DEPLOY_ENDS / 60 <= minutes <= (DEPLOY_ENDS + 10) / 60  # seen within 10 s
    per_minute = sum(aws.calls.values()) / minutes
    assert per_minute < 15, (per_minute, aws.calls)
    looks = aws.calls["codepipeline:GetPipelineState"]
    # One GetPipelineState per look, and never a look every 2 s past the first ones.
    assert looks / minutes < 8, looks
    # The build is read on each look while it runs (at most one read a look), and the
    # looks slow down to one every 15 s on its long BUILD phase.
    builds = aws.calls["codebuild:BatchGetBuilds"]
    assert builds <= looks and builds <= (BUILD_ENDS - SOURCE_ENDS) / 15 + 8, builds
    delays = [d for _, d in waits]
    assert delays[:2] == [2.0, 5.0]  # quick at first
    assert max(delays) == 15.0  # slow on the long BUILD phase
    assert all(d >= 5.0 for d in delays[1:])  # a new build phase does not reset it to 2 s
    deploying = [d for t, d in waits if DEPLOY_STARTS <= t < DEPLOY_ENDS]
    assert deploying and max(deploying) <= 10.0  # ECS read at least every 10 s
    assert aws.calls["ecs:DescribeServices"] >= (DEPLOY_ENDS - DEPLOY_STARTS) / 10


@dataclass
class BusyStart(QuietRun):
    """The quiet run, with the build's first phases a few seconds each."""

    def BatchGetBuilds(self, params: dict[str, Any]) -> Any:
        early = ("SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL")
        step = (PROVISIONED - SOURCE_ENDS) / len(early)
        if SOURCE_ENDS <= self.t < PROVISIONED:
            current = early[int((self.t - SOURCE_ENDS) // step)]
            return build("IN_PROGRESS", current, [phase(current, None)])
        return super().BatchGetBuilds(params)


def test_each_look_shows_what_changed_since_the_one_before() -> None:
    """Fewer calls come from fewer looks, never from looks that miss a change: the build
    phase and the ECS task count each look shows are the ones AWS had at that look."""
    clock = FakeClock()
    run = BusyStart(clock)
    aws = StubbedClients(script=run.respond)
    options = WatchOptions(target=ServiceTarget(CLUSTER, SERVICE, "web", 8080),
                           find_url=False)
    seen = 0
    for event in RunWatcher(aws, PIPELINE, RUN, options=options, clock=clock.as_clock(),
                            jitter=lambda: 0.5):
        if not isinstance(event, Update):
            continue
        [build_action] = [a for s in event.snapshot.stages for a in s.actions
                          if a.provider == "CodeBuild"]
        [deploy_action] = [a for s in event.snapshot.stages for a in s.actions
                           if a.provider == "ECS"]
        if SOURCE_ENDS <= run.t < BUILD_ENDS:
            expected = run.BatchGetBuilds({"ids": [BUILD_ID]})["builds"][0]["currentPhase"]
            assert build_action.build is not None
            assert build_action.build.current_phase == expected, run.t
            seen += 1
        if DEPLOY_STARTS <= run.t < DEPLOY_ENDS:
            doc = run.DescribeServices({"cluster": CLUSTER, "services": [SERVICE]})
            assert deploy_action.deploy is not None
            assert deploy_action.deploy.running == doc["services"][0]["deployments"][0][
                "runningCount"], run.t
            seen += 1
    assert seen >= 20


def test_a_build_that_fails_in_a_quiet_phase_is_reported_at_the_next_look() -> None:
    result, aws, clock, _ = watch_quietly(build_fails_at=300.0)

    assert result.outcome == "failed"
    # The look after CodePipeline said Failed gave the verdict: at most one long wait.
    assert clock.now - T0 - 300.0 <= 15.0
    diagnosis = result.diagnosis
    assert diagnosis is not None and diagnosis.phase == "BUILD"
    assert "docker build" in (diagnosis.phase_message or "")
    assert diagnosis.log_tail == ("error: failed to solve: exit code 1",)
    assert aws.calls["codebuild:BatchGetBuilds"] >= 2


@pytest.mark.parametrize("interval", [1.0])
def test_interval_still_overrides_the_schedule(interval: float) -> None:
    clock = FakeClock()
    run = QuietRun(clock)
    aws = StubbedClients(script=run.respond)
    options = WatchOptions(timeout=60.0, interval=interval, find_url=False)
    events = list(RunWatcher(aws, PIPELINE, RUN, options=options, clock=clock.as_clock()))
    assert isinstance(events[-1], Finished) and events[-1].result.outcome == "timed_out"
    assert set(clock.sleeps) == {interval}
    assert aws.calls["codepipeline:GetPipelineState"] == 61
