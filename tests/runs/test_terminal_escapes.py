"""A pushed commit controls its build's log lines and the run's revision summary: escape
sequences in them must reach nobody's terminal (retitle, clear screen, recolour)."""

from __future__ import annotations

import io
import json
from dataclasses import replace

from rich.console import Console

from pipectl.ui.run_view import render_snapshot
from tests.conftest import run_cli
from tests.runs.world import BUILD_ID, StubbedClients, build
from tests.ui.test_run_view import running_snapshot

RETITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J\x1b[H"
HOSTILE = f"step 1{RETITLE}{CLEAR}\x9b31m red\ttabbed"


def stub_one_log_line(stubbed: StubbedClients, message: str) -> None:
    stubbed.add("codebuild", "list_builds_for_project", {"ids": [BUILD_ID]},
                {"projectName": "hello-web-build", "sortOrder": "DESCENDING"})
    stubbed.add("codebuild", "batch_get_builds", build("SUCCEEDED", "COMPLETED", []))
    stubbed.add("logs", "get_log_events", {"events": [{"timestamp": 1, "message": message}],
                                           "nextForwardToken": "f/1"})
    stubbed.add("logs", "get_log_events", {"events": [], "nextForwardToken": "f/1"})


def test_logs_shows_control_characters_as_escapes(stubbed: StubbedClients) -> None:
    stub_one_log_line(stubbed, HOSTILE + "\n")
    result = run_cli(["logs"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\x9b" not in result.stdout
    assert result.stdout == ("step 1\\x1b]0;pwned\\x07\\x1b[2J\\x1b[H\\x9b31m red\ttabbed\n")


def test_logs_json_escapes_them_as_json_does(stubbed: StubbedClients) -> None:
    stub_one_log_line(stubbed, HOSTILE)
    result = run_cli(["logs", "-o", "json"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\u001b]0;pwned\\u0007" in result.stdout
    assert json.loads(result.stdout.splitlines()[0])["line"] == HOSTILE


def test_the_live_view_never_sends_a_commit_message_escape_to_the_terminal() -> None:
    snapshot = running_snapshot()
    stages = list(snapshot.stages)
    build_action = stages[1].actions[0]
    assert build_action.build is not None
    hostile_build = replace(build_action.build, log_tail=(HOSTILE,))
    stages[1] = replace(stages[1], actions=(replace(build_action, build=hostile_build),))
    snapshot = replace(snapshot, revision_summary=f"Fix{RETITLE}{CLEAR}",
                       stages=tuple(stages))
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=200, color_system="truecolor")
    console.print(render_snapshot(snapshot, show_logs=True))
    drawn = out.getvalue()
    # rich's own colours are CSI sequences; none of the hostile ones may get through.
    assert "\x1b]0;" not in drawn and "\x07" not in drawn and "\x1b[2J" not in drawn
    assert "Fix\\x1b]0;pwned" in drawn
    assert "step 1\\x1b]0;pwned" in drawn
