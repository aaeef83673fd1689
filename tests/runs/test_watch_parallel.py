"""Watching a run of a PARALLEL pipeline: read through ListActionExecutions.

In PARALLEL mode runs go through the stages side by side and GetPipelineState does not
show a given run's stages, so watch reads its run's action executions, filtered by the
run's id. The scripted AWS is the quiet 11-minute run of test_watch_economy, answered
as ListActionExecutions answers (the API reference's form: input, output,
executionResult), while GetPipelineState shows another run: the watch must follow its
own run, to the same verdict, for no more calls than in the default mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipectl.runs.model import Finished, RunResult, ServiceTarget, Update
from pipectl.runs.watch import RunWatcher, WatchOptions
from tests.runs.test_watch_economy import DEPLOY_ENDS, QuietRun, watch_quietly
from tests.runs.world import (
    ACCOUNT,
    BUILD_ID,
    CLUSTER,
    PIPELINE,
    RUN,
    SERVICE,
    T0,
    FakeClock,
    StubbedClients,
    action_state,
    at,
    build,
    phase,
    pipeline_doc,
    stage_state,
    state,
    summary,
)

OTHER = "99999999-2222-3333-4444-555555555555"

_ACTION_TYPES = {"Source": ("Source", "CodeStarSourceConnection"),
                 "Build": ("Build", "CodeBuild"), "Deploy": ("Deploy", "ECS")}


def detail(execution_id: str, stage: str, latest: dict[str, Any]) -> dict[str, Any]:
    """One ActionExecutionDetail as the API reference shows them."""
    category, provider = _ACTION_TYPES[stage]
    result: dict[str, Any] = {}
    if latest.get("externalExecutionId"):
        result["externalExecutionId"] = latest["externalExecutionId"]
        result["externalExecutionUrl"] = (
            "https://console.aws.amazon.com/codebuild/home?region=us-east-1#/builds/"
            + latest["externalExecutionId"] + "/view/new")
    if latest.get("errorDetails"):
        result["errorDetails"] = latest["errorDetails"]
    if latest["status"] == "Succeeded":
        result["externalExecutionSummary"] = f"{stage} succeeded"
    return {
        "pipelineExecutionId": execution_id,
        "actionExecutionId": f"{execution_id[:8]}-{stage.lower()}",
        "pipelineVersion": 3,
        "stageName": stage,
        "actionName": stage,
        "startTime": latest["lastStatusChange"],
        "lastUpdateTime": latest["lastStatusChange"],
        "status": latest["status"],
        "input": {
            "actionTypeId": {"category": category, "owner": "AWS", "provider": provider,
                             "version": "1"},
            "configuration": {},
            "resolvedConfiguration": {},
            "roleArn": f"arn:aws:iam::{ACCOUNT}:role/hello-web-codepipeline",
            "region": "us-east-1",
            "inputArtifacts": [],
        },
        "output": {"outputArtifacts": [], "executionResult": result, "outputVariables": {}},
    }


@dataclass
class ParallelRun(QuietRun):
    """The quiet run on a PARALLEL pipeline, with another run in flight beside it."""

    def GetPipeline(self, params: dict[str, Any]) -> Any:
        doc = pipeline_doc()
        doc["pipeline"].update(pipelineType="V2", executionMode="PARALLEL")
        return doc

    def GetPipelineState(self, params: dict[str, Any]) -> Any:
        # What the state shows of a PARALLEL pipeline is not the watched run's.
        return state(*(stage_state(name, OTHER, "InProgress", action_state(name, "InProgress"))
                       for name in ("Source", "Build", "Deploy")))

    def ListActionExecutions(self, params: dict[str, Any]) -> Any:
        assert params["filter"] == {"pipelineExecutionId": RUN}, params
        ours = super().GetPipelineState(params)["stageStates"]
        details = [detail(RUN, s["stageName"], a["latestExecution"]) for s in ours
                   if s["latestExecution"]["pipelineExecutionId"] == RUN
                   for a in s["actionStates"]]
        return {"actionExecutionDetails": sorted(details, key=lambda d: d["startTime"],
                                                 reverse=True)}


def watch_parallel(build_fails_at: float | None = None
                   ) -> tuple[RunResult, StubbedClients, FakeClock, list[Update]]:
    clock = FakeClock()
    run = ParallelRun(clock, build_fails_at)
    aws = StubbedClients(script=run.respond)
    options = WatchOptions(target=ServiceTarget(CLUSTER, SERVICE, "web", 8080),
                           find_url=False)
    events = list(RunWatcher(aws, PIPELINE, RUN, options=options, clock=clock.as_clock(),
                             jitter=lambda: 0.5))
    aws.assert_all_used()
    last = events[-1]
    assert isinstance(last, Finished)
    return last.result, aws, clock, [e for e in events if isinstance(e, Update)]


def test_a_parallel_run_is_followed_through_its_own_action_executions() -> None:
    result, aws, clock, updates = watch_parallel()

    assert result.ok, result.reason
    assert DEPLOY_ENDS <= clock.now - T0 <= DEPLOY_ENDS + 10
    # Its own stages, each seen running and done (the state showed only the other run).
    seen = {(a.stage, a.status) for u in updates for s in u.snapshot.stages for a in s.actions}
    for stage in ("Source", "Build", "Deploy"):
        assert {(stage, "InProgress"), (stage, "Succeeded")} <= seen, (stage, seen)
    build_ids = {a.external_id for u in updates for a in u.snapshot.actions()
                 if a.provider == "CodeBuild" and a.external_id}
    assert build_ids == {BUILD_ID}
    assert any(a.deploy is not None and a.deploy.rollout_state == "COMPLETED"
               for u in updates for a in u.snapshot.actions() if a.provider == "ECS")
    assert aws.calls["codepipeline:GetPipelineState"] == 0


def test_it_costs_no_more_calls_than_watching_in_the_default_mode() -> None:
    _, parallel, _, _ = watch_parallel()
    _, superseded, _, _ = watch_quietly()

    looks = parallel.calls["codepipeline:ListActionExecutions"]
    assert looks == superseded.calls["codepipeline:GetPipelineState"]
    assert sum(parallel.calls.values()) <= sum(superseded.calls.values()), (
        parallel.calls, superseded.calls)


def test_a_parallel_run_whose_build_fails_ends_with_the_diagnosis() -> None:
    result, aws, clock, _ = watch_parallel(build_fails_at=300.0)

    assert result.outcome == "failed"
    assert clock.now - T0 - 300.0 <= 15.0
    assert result.reason == "Build/Build failed: Build terminated with state: FAILED"
    diagnosis = result.diagnosis
    assert diagnosis is not None and diagnosis.phase == "BUILD"
    assert diagnosis.log_tail == ("error: failed to solve: exit code 1",)
    assert aws.calls["codepipeline:GetPipelineState"] == 0


def test_a_documented_action_execution_reads_as_its_stage_state() -> None:
    """The projection of ListActionExecutions is the one GetPipelineState's goes through:
    a build still running in a two-action stage keeps the stage in progress."""
    from pipectl.runs.projections import ActionLayout, PipelineLayout, state_of_actions

    layout = PipelineLayout(PIPELINE, (("Build", (
        ActionLayout("Build", "Build", "Build", "CodeBuild"),
        ActionLayout("Build", "Scan", "Test", "CodeBuild"))),), execution_mode="PARALLEL")
    built = detail(RUN, "Build", {"status": "Succeeded", "lastStatusChange": at(30),
                                  "externalExecutionId": BUILD_ID})
    [stage] = state_of_actions(PIPELINE, RUN, [built], layout)["stageStates"]
    assert stage["latestExecution"] == {"pipelineExecutionId": RUN, "status": "InProgress"}
    [action] = stage["actionStates"]
    assert action["latestExecution"]["externalExecutionId"] == BUILD_ID
    assert action["latestExecution"]["summary"] == "Build succeeded"


def test_a_parallel_run_stopped_between_two_actions_of_a_stage_ends_as_stopped() -> None:
    """A run stopped (and waited for) after a stage's first action: the second never
    starts. Its action executions alone can't say the run is over, so watch asks the
    execution once no action of the run is running, and ends, rather than wait for an
    action that will never come."""
    clock = FakeClock()
    doc = pipeline_doc()
    doc["pipeline"].update(pipelineType="V2", executionMode="PARALLEL")
    doc["pipeline"]["stages"][1]["actions"].append(
        {"name": "Scan", "actionTypeId": {"category": "Test", "owner": "AWS",
                                          "provider": "CodeBuild", "version": "1"},
         "runOrder": 2, "configuration": {"ProjectName": "hello-web-scan"}})
    done = [detail(RUN, "Source", {"status": "Succeeded", "lastStatusChange": at(20)}),
            detail(RUN, "Build", {"status": "Succeeded", "lastStatusChange": at(90),
                                  "externalExecutionId": BUILD_ID})]
    aws = StubbedClients()
    aws.add("codepipeline", "get_pipeline", doc)
    aws.add("codepipeline", "list_pipeline_executions", summary(RUN, "Stopped"))
    aws.add("codepipeline", "list_action_executions", {"actionExecutionDetails": done})
    aws.add("codebuild", "batch_get_builds", build("SUCCEEDED", "COMPLETED", [
        phase("BUILD", "SUCCEEDED", 60), phase("COMPLETED", None)]))
    aws.add("codepipeline", "get_pipeline_execution", {"pipelineExecution": {
        "pipelineName": PIPELINE, "pipelineExecutionId": RUN, "status": "Stopped",
        "statusSummary": "Stopped by user"}})
    events = list(RunWatcher(aws, PIPELINE, RUN, options=WatchOptions(timeout=60.0),
                             clock=clock.as_clock()))
    aws.assert_all_used()
    last = events[-1]
    assert isinstance(last, Finished) and last.result.outcome == "stopped", last
    assert [s.status for s in last.snapshot.stages] == ["Succeeded", "Stopped", "Pending"]
    assert aws.calls["codepipeline:ListActionExecutions"] == 1
