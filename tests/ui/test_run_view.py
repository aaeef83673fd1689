"""The run views: the terminal view rendered to text with rich's recording console, the
plain lines for CI logs, and the JSON lines, asserted for the facts they must show."""

from __future__ import annotations

import io
import json
from dataclasses import replace

from rich.console import Console

from pipectl.runs.model import Change, Diagnosis, Finished, RunResult, RunSnapshot, Update
from pipectl.runs.progress import BuildPhase, BuildProgress, DeployProgress, RevisionCount
from pipectl.runs.views import ActionView, StageView
from pipectl.ui.environment import Environment
from pipectl.ui.run_view import LiveView, follow, make_view, render_snapshot

T0 = 1_800_000_000.0
TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/hello-web:8"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello-web:abc1234"


def running_snapshot() -> RunSnapshot:
    build = BuildProgress(
        build_id="hello-web-build:1", status="IN_PROGRESS", current_phase="BUILD",
        phases=(BuildPhase("SUBMITTED", "SUCCEEDED", 0),
                BuildPhase("PROVISIONING", "SUCCEEDED", 12),
                BuildPhase("PRE_BUILD", "SUCCEEDED", 4), BuildPhase("BUILD", None, None)),
        log_tail=("Step 3/7 : RUN pip install -r requirements.txt", "Successfully built 4f2a"),
    )
    deploy = DeployProgress(
        cluster="c", service="hello-web", rollout_state="IN_PROGRESS", running=1, desired=2,
        pending=1, failed_tasks=0, task_definition=TD, image=IMAGE,
        events=("(service hello-web) has started 1 tasks: (task 9a8b).",),
    )
    return RunSnapshot(
        pipeline="hello-web", execution_id="run-1", status="InProgress", now=T0 + 95,
        started_at=T0, revision="abc1234def5678", revision_summary="Fix the greeting",
        stages=(
            StageView("Source", "Succeeded", (ActionView("Source", "Source", "Source",
                                                         "CodeStarSourceConnection",
                                                         "Succeeded"),)),
            StageView("Build", "InProgress", (ActionView("Build", "Build", "Build", "CodeBuild",
                                                         "InProgress", changed_at=T0 + 20,
                                                         build=build),)),
            StageView("Deploy", "InProgress", (ActionView("Deploy", "Deploy", "Deploy", "ECS",
                                                          "InProgress", changed_at=T0 + 80,
                                                          deploy=deploy),)),
        ),
    )


def record(renderable: object) -> str:
    console = Console(record=True, width=120, file=io.StringIO(), force_terminal=True)
    console.print(renderable)
    return console.export_text()


def test_terminal_view_shows_stages_actions_phases_and_the_rollout() -> None:
    text = record(render_snapshot(running_snapshot(), show_logs=True))
    assert "Pipeline hello-web" in text and "run-1" in text and "1m35s" in text
    assert "abc1234def56" in text and "Fix the greeting" in text
    for row in ("Source", "Build", "Deploy"):
        assert row in text
    assert "✓" in text  # the finished source stage
    assert "phase BUILD (running)" in text
    assert "PROVISIONING 12s" in text and "PRE_BUILD 4s" in text
    assert "1m15s" in text  # the build action's elapsed time
    assert "| Successfully built 4f2a" in text  # --logs
    assert "rollout IN_PROGRESS · running 1/2 · pending 1 · failed 0 · hello-web:8 · " \
           "image abc1234" in text
    assert "event: (service hello-web) has started 1 tasks" in text


def test_terminal_view_hides_log_lines_of_a_running_build_without_logs() -> None:
    text = record(render_snapshot(running_snapshot(), show_logs=False))
    assert "Successfully built" not in text


def finished(outcome: str = "succeeded") -> Finished:
    diagnosis = None
    if outcome != "succeeded":
        diagnosis = Diagnosis(stage="Build", action="Build", message="Build terminated with "
                              "state: FAILED", phase="BUILD",
                              phase_message="Error while executing command: docker build",
                              log_tail=("Cannot connect to the Docker daemon at unix:///var/"
                                        "run/docker.sock",),
                              hint="docker builds need privileged mode")
    result = RunResult(pipeline="hello-web", execution_id="run-1", outcome=outcome,
                       status="Succeeded" if outcome == "succeeded" else "Failed",
                       reason="the pipeline succeeded and the new deployment completed"
                       if outcome == "succeeded" else "Build/Build failed",
                       duration=192, revision="abc1234def5678", image=IMAGE,
                       task_definition=TD, url="http://203.0.113.7",
                       diagnosis=diagnosis)
    return Finished(running_snapshot(), result)


def test_live_view_ends_with_a_summary_of_result_duration_revision_image_and_url() -> None:
    console = Console(record=True, width=120, file=io.StringIO(), force_terminal=True)
    view = LiveView(console, show_logs=False)
    result = follow(view, [Update(running_snapshot()), finished()])
    text = console.export_text()
    assert result.ok
    assert "Run run-1 succeeded after 3m12s" in text
    assert "revision  abc1234def5678" in text
    assert f"image     {IMAGE}" in text
    assert "task def  hello-web:8" in text
    assert "url       http://203.0.113.7" in text


def test_the_live_view_counts_up_between_looks() -> None:
    """Looks come every 5 to 15 s: each refresh draws the last look at the present time."""
    console = Console(record=True, width=120, file=io.StringIO(), force_terminal=True)
    now = [T0 + 95]
    view = LiveView(console, show_logs=False, clock=lambda: now[0])
    with view:
        view.update(Update(running_snapshot()))
        drawn = view._live.renderable
        at_look = record(drawn)
        now[0] += 10  # no new look, ten seconds later
        later = record(drawn)
    assert "  Build            InProgress  1m15s" in at_look
    assert "  Build            InProgress  1m25s" in later
    assert "  Deploy           InProgress  25s" in later
    assert "InProgress  1m35s" in at_look.splitlines()[0]  # the run's own elapsed time
    assert "InProgress  1m45s" in later.splitlines()[0]


def plain_env() -> tuple[Environment, io.StringIO]:
    out = io.StringIO()
    return Environment(stdout=out, stderr=io.StringIO(), stdout_isatty=False), out


def test_plain_lines_are_timestamped_one_per_change_and_end_with_the_diagnosis() -> None:
    env, out = plain_env()
    view = make_view(env, show_logs=False)
    update = Update(running_snapshot(), (
        Change("stage", "stage Build: InProgress", T0 + 20),
        Change("phase", "Build/Build: BUILD started", T0 + 30),
    ))
    follow(view, [update, finished("failed")])
    lines = out.getvalue().splitlines()
    assert lines[0] == "2027-01-15T08:00:20Z stage Build: InProgress"
    assert lines[1] == "2027-01-15T08:00:30Z Build/Build: BUILD started"
    text = out.getvalue()
    assert "Run run-1 FAILED after 3m12s\n" in text
    assert "  failed at stage Build, action Build, build phase BUILD\n" in text
    assert "  reason    Error while executing command: docker build\n" in text
    assert "| Cannot connect to the Docker daemon" in text
    assert "hint: docker builds need privileged mode" in text
    assert "\x1b[" not in text  # no colour codes in CI logs


def test_json_output_is_one_object_per_change_then_the_result() -> None:
    env, out = plain_env()
    env.output = "json"
    view = make_view(env, show_logs=False)
    update = Update(running_snapshot(), (
        Change("action", "Build/Build: InProgress", T0 + 20,
               {"stage": "Build", "action": "Build", "status": "InProgress"}),
    ))
    follow(view, [update, finished()])
    objects = [json.loads(line) for line in out.getvalue().splitlines()]
    assert objects[0]["event"] == "action" and objects[0]["status"] == "InProgress"
    assert objects[0]["at"] == "2027-01-15T08:00:20Z"
    assert objects[-1]["event"] == "result"
    assert objects[-1]["ok"] is True and objects[-1]["outcome"] == "succeeded"
    assert objects[-1]["url"] == "http://203.0.113.7"
    assert objects[-1]["task_definition"] == "hello-web:8"


def test_every_finished_build_phase_stays_readable_on_an_80_column_terminal() -> None:
    names = ("SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD",
             "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING", "COMPLETED")
    build = BuildProgress(
        build_id="hello-web-build:2", status="SUCCEEDED", current_phase="COMPLETED",
        phases=(*(BuildPhase(name, "SUCCEEDED", i) for i, name in enumerate(names[:-1])),
                BuildPhase("COMPLETED", None, None)),
    )
    snapshot = RunSnapshot(
        pipeline="hello-web", execution_id="run-2", status="InProgress", now=T0 + 60,
        started_at=T0,
        stages=(StageView("Build", "Succeeded", (ActionView(
            "Build", "Build", "Build", "CodeBuild", "Succeeded", build=build),)),),
    )
    console = Console(record=True, width=80, file=io.StringIO(), force_terminal=True)
    console.print(render_snapshot(snapshot, show_logs=False))
    text = console.export_text()
    assert "…" not in text
    for i, name in enumerate(names[:-1]):
        assert f"{name} {i}s" in text


def deploying(**service_deployment: object) -> RunSnapshot:
    """The running snapshot, its deploy action showing the service deployment."""
    snapshot = running_snapshot()
    deploy_stage = snapshot.stages[2]
    action = deploy_stage.actions[0]
    assert action.deploy is not None
    deploy = replace(action.deploy, lifecycle_stage="SCALE_UP", failure_threshold=3,
                     breaker_on=True,
                     revisions=(RevisionCount("hello-web:8", 0, 1, 1),
                                RevisionCount("hello-web:7", 1, 1, 0)),
                     **service_deployment)
    stage = replace(deploy_stage, actions=(replace(action, deploy=deploy),))
    return replace(snapshot, stages=(*snapshot.stages[:2], stage))


def rows(renderable: object) -> list[str]:
    """The terminal view's lines, without the padding to the console's width."""
    return [line.strip() for line in record(renderable).splitlines() if line.strip()]


def test_the_live_view_of_a_deployment_that_has_ended_shows_its_outcome_and_its_cause() -> None:
    watched = (("hello-web-5xx", "INSUFFICIENT_DATA"), ("hello-web-p99", "OK"))
    text = rows(render_snapshot(deploying(
        deployment_status="IN_PROGRESS", failure_count=1, alarms=watched), show_logs=False))
    # Two rows, so that the alarms are not lost to the ellipsis of a line that never wraps.
    assert text[-3:-1] == [
        "service deployment IN_PROGRESS (SCALE_UP) · hello-web:8 0/1 running · hello-web:7 1/1 "
        "running",
        "1 of 3 failures before the circuit breaker trips · alarms hello-web-5xx "
        "INSUFFICIENT_DATA, hello-web-p99 OK"]

    # Rolled back by an alarm: the alarm that fired; no stage, countdown or unknown states.
    unread = (("hello-web-5xx", None), ("hello-web-p99", None))
    text = rows(render_snapshot(deploying(
        deployment_status="ROLLBACK_SUCCESSFUL", failure_count=0, alarms=unread,
        triggered_alarms=("hello-web-5xx",), rolled_back=True,
        failure="alarm hello-web-5xx went into ALARM"), show_logs=False))
    assert text[-4:-2] == [
        "service deployment ROLLBACK_SUCCESSFUL · hello-web:8 0/1 running · hello-web:7 1/1 "
        "running", "alarm fired: hello-web-5xx"]
    assert not any("SCALE_UP" in r or "breaker" in r or "?" in r for r in text), text

    # Rolled back by the breaker: the failures that tripped it.
    text = rows(render_snapshot(deploying(
        deployment_status="ROLLBACK_SUCCESSFUL", failure_count=3, breaker_tripped=True,
        alarms=unread, rolled_back=True, failure="3 of 3 tasks failed"), show_logs=False))
    assert text[-4:-2] == [
        "service deployment ROLLBACK_SUCCESSFUL · hello-web:8 0/1 running · hello-web:7 1/1 "
        "running", "3 of 3 failures: the circuit breaker tripped"]
    assert not any("alarm" in r or "?" in r for r in text), text

    # Succeeded: the outcome alone.
    text = rows(render_snapshot(deploying(
        deployment_status="SUCCESSFUL", failure_count=1, alarms=unread), show_logs=False))
    assert text[-2] == ("service deployment SUCCESSFUL · hello-web:8 0/1 running · "
                        "hello-web:7 1/1 running")
    assert not any("breaker" in r or "alarm" in r or "?" in r for r in text), text
