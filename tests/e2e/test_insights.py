"""End to end: three runs on the sandbox, then `pipectl insights`.

The durations insights reports for each action are the ones CodePipeline reports (read
here with the aws CLI); the HTML page it writes parses and holds the waterfall.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_runs import FAST, Project, make_project  # noqa: F401 (fixture)
from tests.sandbox.test_aws_cli import aws
from tests.system_tools import aws_cli

pytestmark = pytest.mark.e2e


def seconds(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    return dt.datetime.fromisoformat(str(value)).timestamp()


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


@pytest.fixture
def three_runs(make_project: Callable[[float], Project]) -> Project:  # noqa: F811
    project = make_project(FAST)
    for _ in range(3):
        result = project.cli("run", "--watch", "--interval", "0.05")
        assert result.exit_code == 0, result.output
    return project


def test_insights_json_durations_are_codepipelines(three_runs: Project, tmp_path: Path) -> None:
    aws_cli()  # missing, it skips before the run (fails under CI=true)
    page = tmp_path / "insights.html"
    result = three_runs.cli("insights", "-o", "json", "--runs", "3", "--html", str(page))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["pipeline"] == "hello-web"
    assert len(report["runs"]) == 3
    assert {r["status"] for r in report["runs"]} == {"Succeeded"}
    listed = aws(three_runs.server.url, "codepipeline", "list-action-executions",
                 "--pipeline-name", "hello-web")["actionExecutionDetails"]
    stages = aws(three_runs.server.url, "codepipeline", "get-pipeline",
                 "--name", "hello-web")["pipeline"]["stages"]
    actions = sum(len(stage["actions"]) for stage in stages)
    assert actions == 4  # Source, Build, Deploy and Deploy's ScaleUp
    # Every action of each of the three runs, once: an empty or partial answer fails here.
    assert len(listed) == 3 * actions, [(d["stageName"], d["actionName"]) for d in listed]
    reported = {(run["id"], step["stage"], step["action"]): step
                for run in report["runs"] for step in run["steps"] if step["kind"] == "action"}
    assert len(reported) == 3 * actions
    compared = set()
    for detail in listed:
        key = (detail["pipelineExecutionId"], detail["stageName"], detail["actionName"])
        assert key in reported, f"insights has no step for {key}"
        expected = seconds(detail["lastUpdateTime"]) - seconds(detail["startTime"])
        assert abs(reported[key]["duration_s"] - expected) < 1.0, key
        assert abs(seconds(reported[key]["start"].replace("Z", "+00:00"))
                   - seconds(detail["startTime"])) < 1.0
        compared.add(key)
    # ... and every step of kind "action" insights reports was one of them.
    assert compared == set(reported)
    latest = report["runs"][0]
    kinds = {s["kind"] for s in latest["steps"]}
    assert {"action", "phase", "rollout"} <= kinds
    phases = [s["name"] for s in latest["steps"] if s["kind"] == "phase"]
    assert phases[:3] == ["SUBMITTED", "QUEUED", "PROVISIONING"] and "BUILD" in phases
    rollout = [s["name"] for s in latest["steps"] if s["kind"] == "rollout"]
    assert rollout[0] == "tasks placed" and "steady" in rollout
    assert "old tasks drained" in rollout  # the second and third runs replaced tasks
    assert latest["cost_usd"] > 0
    # The sandbox's first build found no layer cache; the later ones did (item 8).
    build_phase = [sum(s["duration_s"] for s in run["steps"]
                       if s["kind"] == "phase" and s["name"] == "BUILD")
                   for run in report["runs"]]
    assert build_phase[-1] > 2 * build_phase[0] > 0
    summary = report["summary"]
    assert summary["runs"] == 3 and summary["success_rate"] == 1.0
    # Warm now: the cache rule has evidence that the cache works, and says nothing.
    assert "build-cache" not in {r["id"] for r in report["recommendations"]}
    assert summary["cost"]["estimate"] is True and summary["cost"]["prices"]["as_of"]
    # The HTML page parses and holds the waterfall: one bar per step of the latest run.
    parser = Elements()
    parser.feed(page.read_text(encoding="utf-8"))
    svg = [a for t, a in parser.tags if t == "svg" and a.get("id") == "waterfall"]
    bars = [a for t, a in parser.tags if t == "rect" and "bar" in (a.get("class") or "")]
    assert svg and len(bars) == len(latest["steps"])
    assert not [a for t, a in parser.tags if t in ("script", "link", "img")]


def test_insights_text_shows_the_waterfall_and_the_trends(three_runs: Project) -> None:
    result = three_runs.cli("insights", "--runs", "3")
    assert result.exit_code == 0, result.output
    out = result.stdout
    print(out)
    assert "Waterfall" in out and "Build/Build" in out and "PROVISIONING" in out
    assert "image pulled" in out and "Last 3 runs: 3 succeeded (100%)" in out
    assert "estimates at us-east-1" in out
    assert "\x1b[" not in out  # plain text when not a terminal
