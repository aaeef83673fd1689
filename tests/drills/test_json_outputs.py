"""Drill: what scripts read. Each command's ``-o json`` shape, against the sandbox.

Also the paths a daily user walks that had no test: ``watch --logs`` streaming the build's
lines, ``destroy`` keeping a bucket and a repository that hold data (and ``--force``),
``logs`` with the bare build id CodePipeline shows.
"""

from __future__ import annotations

import json
from typing import Any

from tests.drills.project import Project


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _lines(result: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_update_history_logs_and_destroy_as_json(project: Project) -> None:
    assert project.cli("create").exit_code == 0
    updated = _json(project.cli("update", "-o", "json"))
    assert updated["ok"] is True and updated["pipeline"] == "drill-web"
    assert updated["applied"] == []
    assert updated["plan"]["changes_pending"] is False
    assert {r["action"] for r in updated["plan"]["resources"]} == {"no-change"}

    ran = project.cli("run", "--watch", "--interval", "0.05", "-o", "json")
    assert ran.exit_code == 0, ran.output
    execution = _lines(ran)[0]["execution_id"]

    history = _json(project.cli("history", "-o", "json"))
    assert history["pipeline"] == "drill-web"
    assert history["runs"][0]["execution_id"] == execution
    assert history["runs"][0]["status"] == "Succeeded"

    logs = project.cli("logs", "-o", "json")
    assert logs.exit_code == 0, logs.output
    lines = _lines(logs)
    assert len(lines) > 5
    build_id = lines[0]["build_id"]
    assert all(set(line) == {"build_id", "line"} and line["build_id"] == build_id
               for line in lines)
    assert any("Running on CodeBuild" in line["line"] for line in lines)
    # The bare id (what CodePipeline's console shows) finds the same build.
    bare = project.cli("logs", build_id.split(":", 1)[1])
    assert bare.exit_code == 0, bare.output
    assert "\n".join(line["line"] for line in lines) == bare.stdout.rstrip("\n")

    # The run pushed an image and left artifacts: destroy keeps both, and says why.
    kept = project.cli("destroy", "--yes", "-o", "json")
    assert kept.exit_code == 0, kept.output
    answer = json.loads(kept.stdout)
    assert answer["ok"] is True and answer["pipeline"] == "drill-web"
    actions = {r["kind"]: r["action"] for r in answer["plan"]["resources"]}
    # ... and the ScaleUp action's log group, which holds that action's log.
    assert actions["s3-bucket"] == actions["ecr-repository"] == "keep", actions
    assert actions["logs-log-group"] == "keep", actions
    assert actions["codepipeline"] == "delete"
    inventory = project.inventory()
    assert not inventory["pipelines"]
    assert inventory["buckets"] and inventory["repositories"]

    forced = project.cli("destroy", "--yes", "--force", "-o", "json")
    assert forced.exit_code == 0, forced.output
    gone = {r["kind"]: r["action"] for r in json.loads(forced.stdout)["plan"]["resources"]}
    assert gone == {"ecr-repository": "delete", "s3-bucket": "delete",
                    "logs-log-group": "delete"}, gone
    inventory = project.inventory()
    assert not inventory["buckets"] and not inventory["repositories"]


def test_stop_as_json(project: Project) -> None:
    assert project.cli("create").exit_code == 0
    # The first run brings the service up; then a deploy whose tasks never start stays
    # in progress: there is a run to stop.
    assert project.cli("run", "--watch", "--interval", "0.05").exit_code == 0
    project.fault(type="deploy")
    started = project.cli("run")
    assert started.exit_code == 0, started.output
    execution = started.stdout.strip()
    stopped = _json(project.cli("stop", "--abandon", "-o", "json", "--reason", "drill"))
    assert stopped == {"pipeline": "drill-web", "execution_id": execution, "abandon": True,
                       "reason": "drill", "status": "Stopping"}
    watched = project.cli("watch", execution, "--interval", "0.05")
    assert watched.exit_code == 1 and "stopped" in watched.output.lower(), watched.output


def test_retry_and_rollback_as_json(project: Project) -> None:
    assert project.cli("create").exit_code == 0
    assert project.cli("run", "--watch", "--interval", "0.05").exit_code == 0

    project.fault(type="build", phase="BUILD")
    failed = project.cli("run", "--watch", "--interval", "0.05")
    assert failed.exit_code == 1, failed.output
    retried = project.cli("retry", "-o", "json")
    assert retried.exit_code == 0, retried.output
    event = json.loads(retried.stdout)
    assert event["event"] == "retried" and event["pipeline"] == "drill-web"
    assert event["stage"] == "Build" and event["actions"] == ["Build"]
    finished = project.cli("watch", event["execution_id"], "--interval", "0.05")
    assert finished.exit_code == 0, finished.output

    rolled = project.cli("rollback", "--yes", "--interval", "0.05", "-o", "json")
    assert rolled.exit_code == 0, rolled.output
    events = _lines(rolled)
    assert events[0]["event"] == "rollback_started"
    assert events[-1]["event"] == "result" and events[-1]["ok"] is True


def test_watch_logs_streams_the_build_lines(project: Project) -> None:
    assert project.cli("create").exit_code == 0
    # Paced: watch follows the build as it runs (a run of a second could end before its
    # first look on a loaded machine).
    watched = project.paced("run", "--watch", "--logs", "--interval", "0.05")
    assert watched.exit_code == 0, watched.output
    streamed = [line for line in watched.stdout.splitlines() if " | " in line]
    assert any("Running command" in line for line in streamed), watched.stdout
    # Each log line once, in order.
    texts = [line.split(" | ", 1)[1] for line in streamed]
    assert len(texts) == len(set(texts))

    as_json = project.paced("run", "--watch", "--logs", "--interval", "0.05", "-o", "json")
    assert as_json.exit_code == 0, as_json.output
    log_events = [e for e in _lines(as_json) if "line" in e]
    assert any("Running command" in e["line"] for e in log_events), as_json.stdout
