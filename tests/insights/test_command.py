"""`pipectl insights` through the real main(), on Stubber responses."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pipectl.aws.session import AwsSession
from tests.conftest import run_cli
from tests.insights.world import RunSpec, World
from tests.runs.conftest import SPEC

Use = Callable[[World], World]


@pytest.fixture
def use(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Use:
    (in_tmp / "config").mkdir()
    (in_tmp / "config" / "pipeline.yml").write_text(SPEC)

    def install(world: World) -> World:
        monkeypatch.setattr(AwsSession, "client",
                            lambda self, service: world.clients.client(service))
        return world

    return install


def test_json_has_the_documented_shape(use: Use) -> None:
    world = use(World([RunSpec() for _ in range(4)]))
    result = run_cli(["insights", "-o", "json", "--runs", "4"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) >= {"pipeline", "runs", "summary", "recommendations"}
    run = report["runs"][0]
    assert set(run) >= {"id", "status", "start", "duration_s", "cost_usd", "steps"}
    assert report["selected_run"] == run["id"]
    step_keys = {"stage", "action", "kind", "name", "start", "duration_s"}
    assert all(set(s) == step_keys for s in run["steps"])
    actions = [s for s in run["steps"] if s["kind"] == "action"]
    # The action's own duration as CodePipeline reports it (start to last update).
    assert [a["duration_s"] for a in actions] == [3.0, 76.0, 33.0]
    build = [s for s in run["steps"] if s["kind"] == "phase"]
    assert [s["name"] for s in build][:3] == ["SUBMITTED", "QUEUED", "PROVISIONING"]
    rollout = {s["name"]: s["duration_s"] for s in run["steps"] if s["kind"] == "rollout"}
    assert rollout == {"tasks placed": 5.0, "image pulled": 6.0, "running": 2.0,
                       "healthy": 10.0, "old tasks drained": 5.0, "steady": 3.0}
    gaps = [s for s in run["steps"] if s["kind"] == "gap"]
    assert [g["name"] for g in gaps] == ["start of the run", "transition", "transition"]
    # 76 s of SMALL build round up to 2 minutes at $0.005; action minutes 1 + 2 + 1 at
    # $0.002; two new 0.25 vCPU / 0.5 GB tasks ran 23 s beside the old ones.
    breakdown = run["cost_breakdown_usd"]
    assert breakdown["codebuild"] == pytest.approx(2 * 0.005)
    assert breakdown["codepipeline"] == pytest.approx(4 * 0.002)
    fargate = 2 * 23 / 3600 * (0.25 * 0.04048 + 0.5 * 0.004445)
    assert breakdown["fargate_overlap"] == pytest.approx(fargate, abs=1e-4)
    assert run["cost_usd"] == pytest.approx(0.018 + fargate, abs=1e-4)
    summary = report["summary"]
    assert summary["dominant_step"] == "Build/Build/BUILD"
    assert summary["cost"]["runs_per_month"] == pytest.approx(720)
    assert summary["cost"]["prices"]["as_of"] and summary["cost"]["estimate"] is True
    world.clients.assert_all_used()


def test_the_commands_actions_compute_is_named_as_left_out_of_the_estimate(use: Use) -> None:
    # ScaleUp ran 70 s in each of 3 runs: CodeBuild minutes AWS bills at a compute type
    # it does not name. Its action-minutes are priced (2 each); its compute is listed.
    use(World([RunSpec() for _ in range(3)], scale_up=70.0))
    result = run_cli(["insights", "-o", "json", "--runs", "3"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    left_out = report["summary"]["cost"]["not_included"]
    assert [(u["action"], u["minutes"]) for u in left_out] == [("Deploy/ScaleUp", 6)]
    assert "does not say which compute type" in left_out[0]["why"]
    run = report["runs"][0]
    assert run["cost_breakdown_usd"]["codepipeline"] == pytest.approx((4 + 2) * 0.002)
    text = run_cli(["insights", "--runs", "3"])
    assert "not included: Deploy/ScaleUp's CodeBuild compute, 6 min over these runs" \
        in text.stdout


def test_without_a_commands_action_nothing_is_left_out(use: Use) -> None:
    use(World([RunSpec() for _ in range(2)]))
    report = json.loads(run_cli(["insights", "-o", "json"]).stdout)
    assert report["summary"]["cost"]["not_included"] == []


def test_runs_within_an_hour_give_no_monthly_rate(use: Use) -> None:
    # Two runs a minute apart would be 43,200 runs a month: no rate, no monthly cost.
    use(World([RunSpec() for _ in range(2)], every=60.0))
    result = run_cli(["insights", "-o", "json"])
    assert result.exit_code == 0, result.output
    cost = json.loads(result.stdout)["summary"]["cost"]
    assert cost["per_run_usd"] > 0
    assert cost["runs_per_month"] is None and cost["per_month_usd"] is None
    use(World([RunSpec() for _ in range(2)], every=60.0))
    text = run_cli(["insights"])
    assert "per month - (no rate: too few runs, or all within an hour)" in text.stdout


def test_no_ecr_repository_is_no_storage_cost_and_a_refusal_is_an_error(use: Use) -> None:
    use(World([RunSpec() for _ in range(2)], ecr_error="RepositoryNotFoundException"))
    result = run_cli(["insights", "-o", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["cost"]["ecr_storage_per_month_usd"] is None
    use(World([RunSpec() for _ in range(2)], ecr_error="AccessDeniedException"))
    refused = run_cli(["insights"])
    assert refused.exit_code == 3
    assert "ecr:DescribeImages" in refused.stderr and "Traceback" not in refused.output


def test_a_hundred_runs_cost_a_handful_of_calls(use: Use) -> None:
    world = use(World([RunSpec() for _ in range(100)]))
    result = run_cli(["-v", "insights", "-o", "json", "--runs", "100"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["runs"]) == 100
    calls = world.clients.calls
    assert calls["codepipeline:ListPipelineExecutions"] == 1
    assert calls["codepipeline:ListActionExecutions"] == 3  # 300 action executions
    assert calls["codebuild:BatchGetBuilds"] == 1
    assert calls["logs:GetLogEvents"] == 5  # only the latest builds' logs
    assert calls["ecs:DescribeTasks"] == 2  # 200 tasks, 100 a call
    assert sum(calls.values()) <= 20


def test_one_run_by_id_and_an_unknown_id(use: Use) -> None:
    world = use(World([RunSpec() for _ in range(3)]))
    oldest = world._timeline[0]["id"]
    result = run_cli(["insights", oldest, "--runs", "3"])
    assert result.exit_code == 0, result.output
    assert f"Run {oldest} Succeeded" in result.stdout
    use(World([RunSpec() for _ in range(3)]))
    missing = run_cli(["insights", "nope", "--runs", "3"])
    assert missing.exit_code == 3
    assert "run nope is not among the last 3 runs" in missing.stderr
    assert "--runs" in missing.stderr and "Traceback" not in missing.output


def test_no_runs_yet_is_a_clear_error(use: Use) -> None:
    use(World([]))
    result = run_cli(["insights"])
    assert result.exit_code == 3
    assert "has no runs yet" in result.stderr and "pipectl run --watch" in result.stderr


def test_html_is_written_and_unwritable_paths_are_refused(use: Use, in_tmp: Path) -> None:
    use(World([RunSpec() for _ in range(2)]))
    result = run_cli(["insights", "--html", "report.html"])
    assert result.exit_code == 0, result.output
    page = (in_tmp / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and 'id="waterfall"' in page
    assert "http" not in page.replace("http://www.w3.org/2000/svg", "").split(
        "<h2>Cost</h2>")[0]  # no network resources before the cost's source notes
    use(World([RunSpec() for _ in range(2)]))
    refused = run_cli(["insights", "--html", "no/such/dir/report.html"])
    assert refused.exit_code == 2
    assert "cannot write no/such/dir/report.html" in refused.stderr


def test_terminal_output_is_drawn_with_rich(use: Use) -> None:
    use(World([RunSpec() for _ in range(3)]))
    result = run_cli(["insights"], tty=True)
    assert result.exit_code == 0, result.output
    assert "█" in result.stdout and "Waterfall" in result.stdout
    assert "Last 3 runs: 3 succeeded (100%)" in result.stdout
