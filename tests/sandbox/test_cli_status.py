"""`pipectl sandbox status` of a running sandbox, as a terminal user reads it."""

from __future__ import annotations

import json
import os

from pipectl.sandbox.server import SandboxServer
from pipectl.sandbox.state import state_file, write_state_file
from tests.conftest import run_cli


def test_status_says_where_how_fast_and_what_ran(sandbox: SandboxServer) -> None:
    write_state_file(state_file(os.environ), {
        "pid": os.getpid(), "url": sandbox.url, "token": sandbox.token, "time_scale": 0.1,
        "started_at": "2026-01-02T03:04:05Z", "log": "sandbox.log",
    })
    shown = run_cli(["sandbox", "status"])
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        f"sandbox running at {sandbox.url} (pid {os.getpid()}, speed fast: a run takes "
        "about 5 s)",
        "  since 2026-01-02T03:04:05Z; 0 runs, 0 builds",
        "  log: sandbox.log",
    ]
    as_json = run_cli(["sandbox", "status", "-o", "json"])
    assert as_json.exit_code == 0
    described = json.loads(as_json.stdout)
    assert (described["answering"], described["executions"], described["builds"]) == (True, 0, 0)
    assert described["time_scale"] == 0.1 and described["url"] == sandbox.url
