"""`pipectl sandbox ...` as a user runs it: a background process that starts, answers,
says where it is, and leaves nothing behind."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipectl.sandbox.server import SandboxServer, start_server
from pipectl.sandbox.state import pid_alive, state_file, write_state_file
from tests.conftest import run_cli, run_cli_process
from tests.sandbox.polling import control, wait_until


def _gone(pid: int, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_start_status_stop_leave_no_process_behind(tmp_path: Path) -> None:
    import boto3

    started = run_cli_process(
        ["sandbox", "start", "--speed", "test", "--idle-timeout", "5m"], cwd=tmp_path
    )
    assert started.returncode == 0, started.stderr
    exports = dict(
        line.removeprefix("export ").split("=", 1) for line in started.stdout.splitlines()
    )
    url = exports["AWS_ENDPOINT_URL"]
    assert url.startswith("http://127.0.0.1:")
    # The aws CLI v1 and boto3 read AWS_DEFAULT_REGION; v2 reads AWS_REGION.
    assert exports["AWS_REGION"] == exports["AWS_DEFAULT_REGION"] == "us-east-1"
    assert "sandbox running at" in started.stderr
    state = json.loads(state_file(os.environ).read_text())
    # The token is random, kept in the state file, and the access key id of the exports.
    assert exports["AWS_ACCESS_KEY_ID"] == state["token"]
    assert state["token"].startswith("PSBX") and len(state["token"]) == 36
    pid = int(state["pid"])
    try:
        assert pid_alive(pid)
        pipelines = boto3.client(
            "codepipeline", endpoint_url=url, region_name="us-east-1",
            aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
        ).list_pipelines()
        assert pipelines["pipelines"] == []

        again = run_cli_process(["sandbox", "start"], cwd=tmp_path)
        assert again.returncode == 0
        assert "already running" in again.stderr
        assert f"export AWS_ENDPOINT_URL={url}" in again.stdout
        # The same settings again: the running one, as it is.
        same = run_cli_process(["sandbox", "start", "--speed", "test"], cwd=tmp_path)
        assert same.returncode == 0 and f"export AWS_ENDPOINT_URL={url}" in same.stdout
        # Other settings: said, and refused, unless --restart.
        other = run_cli_process(["sandbox", "start", "--speed", "fast"], cwd=tmp_path)
        assert other.returncode == 2, other.stderr
        assert "already running" in other.stderr and "--speed" in other.stderr
        assert "--restart" in other.stderr and other.stdout == ""
        assert pid_alive(pid)

        status = run_cli_process(["sandbox", "status", "-o", "json"])
        assert status.returncode == 0, status.stderr
        described = json.loads(status.stdout)
        assert described["running"] is True and described["url"] == url
        assert described["answering"] is True
        assert described["pid"] == pid
    finally:
        stopped = run_cli_process(["sandbox", "stop"])
    assert stopped.returncode == 0
    assert f"stopped the sandbox at {url}" in stopped.stdout
    assert _gone(pid), "the sandbox process is still there"
    assert not state_file(os.environ).exists()
    after = run_cli_process(["sandbox", "status"])
    # Nothing to act on: exit 3.
    assert after.returncode == 3 and "no sandbox is running" in after.stdout
    as_json = run_cli_process(["sandbox", "status", "-o", "json"])
    assert as_json.returncode == 3 and json.loads(as_json.stdout) == {"running": False}


def test_start_with_other_settings_and_restart_replaces_the_running_one(tmp_path: Path) -> None:
    first = run_cli_process(["sandbox", "start", "--speed", "test"], cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    old_pid = int(json.loads(state_file(os.environ).read_text())["pid"])
    try:
        again = run_cli_process(["sandbox", "start", "--speed", "fast", "--restart"],
                                cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        state = json.loads(state_file(os.environ).read_text())
        assert int(state["pid"]) != old_pid and state["time_scale"] == 0.1
        assert f"export AWS_ENDPOINT_URL={state['url']}" in again.stdout
        assert _gone(old_pid), "the replaced sandbox is still running"
    finally:
        run_cli_process(["sandbox", "stop"])


def test_the_sandbox_stops_by_itself_when_idle(tmp_path: Path) -> None:
    started = run_cli_process(
        ["sandbox", "start", "--speed", "test", "--idle-timeout", "1s", "-o", "json"],
        cwd=tmp_path,
    )
    assert started.returncode == 0, started.stderr
    pid = int(json.loads(started.stdout)["pid"])
    assert _gone(pid), "the idle sandbox did not stop"
    assert not state_file(os.environ).exists()


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "example.com"])
def test_start_refuses_anything_but_loopback(host: str) -> None:
    refused = run_cli(["sandbox", "start", "--host", host])
    assert refused.exit_code == 2
    assert "loopback addresses only" in refused.stderr
    assert not state_file(os.environ).exists()


def test_without_moto_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "moto", None)
    missing = run_cli(["sandbox", "start"])
    assert missing.exit_code == 2
    assert "pip install 'pipectl[sandbox]'" in missing.stderr


@pytest.fixture
def registered_sandbox(sandbox: SandboxServer) -> Iterator[SandboxServer]:
    """An in-process sandbox recorded in the state file, as `sandbox start` records one."""
    write_state_file(state_file(os.environ), {
        "pid": os.getpid(), "url": sandbox.url, "token": sandbox.token,
        "time_scale": sandbox.time_scale,
        "started_at": "now", "log": "",
    })
    yield sandbox


def test_fault_commands_arm_list_and_clear(registered_sandbox: SandboxServer) -> None:
    armed = run_cli(["sandbox", "fault", "build", "--phase", "post_build"])
    assert armed.exit_code == 0, armed.stderr
    assert "armed a build fault: phase=POST_BUILD" in armed.stdout
    assert run_cli(["sandbox", "fault", "deploy", "--service", "hello-web"]).exit_code == 0
    assert run_cli(["sandbox", "fault", "api", "ecs:DescribeServices", "--error", "503",
                    "--rate", "0.5", "--seed", "3"]).exit_code == 0
    faults = control(registered_sandbox, "GET", "/_pipectl/faults")
    assert faults["build"][0]["phase"] == "POST_BUILD"
    assert faults["deploy"][0]["service"] == "hello-web"
    assert faults["api"][0] == {
        "target": "ecs:DescribeServices", "kind": "error", "status": 503, "rate": 0.5,
        "seed": 3, "count": None, "hits": 0,
    }
    listed = run_cli(["sandbox", "fault", "list"])
    assert "build: phase POST_BUILD x1" in listed.stdout
    assert "api: ecs:DescribeServices error rate 0.5" in listed.stdout
    assert run_cli(["sandbox", "fault", "clear"]).stdout.strip() == "no faults armed"
    assert control(registered_sandbox, "GET", "/_pipectl/faults")["build"] == []

    offline = run_cli(["sandbox", "fault", "offline", "--seconds", "0.2"])
    assert offline.exit_code == 0
    wait_until(lambda: control(registered_sandbox, "GET", "/_pipectl/faults")["offline"],
               lambda v: v is None)


def test_reset_and_the_global_sandbox_flag(
    registered_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    # --sandbox sets dummy credentials in the process environment: undo that afterwards.
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")

    client = boto3.client(
        "s3", endpoint_url=registered_sandbox.url, region_name="us-east-1",
        aws_access_key_id=registered_sandbox.token, aws_secret_access_key="sandbox",
    )
    client.create_bucket(Bucket="left-over")
    reset = run_cli(["sandbox", "reset"])
    assert reset.exit_code == 0 and "reset the sandbox" in reset.stdout
    assert client.list_buckets()["Buckets"] == []
    # `pipectl --sandbox` finds the endpoint through the state file.
    from pipectl.cli.context import AppContext
    from pipectl.ui.environment import Environment

    app = AppContext.build(
        env=Environment(environ=dict(os.environ)), config=None, profile=None, region=None,
        endpoint_url=None, sandbox=True,
    )
    assert app.endpoint_url == registered_sandbox.url
    assert os.environ["AWS_ACCESS_KEY_ID"] == registered_sandbox.token
    assert "AWS_SESSION_TOKEN" not in os.environ


def test_fault_without_a_sandbox_says_how_to_start_one() -> None:
    answer = run_cli(["sandbox", "fault", "list"])
    assert answer.exit_code == 2
    assert "no sandbox is running" in answer.stderr
    assert "pipectl sandbox start" in answer.stderr


def test_the_standalone_server_refuses_a_public_host(tmp_path: Path) -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "pipectl.sandbox", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "loopback addresses only" in done.stderr
    with pytest.raises(Exception, match="loopback"):
        start_server(host="8.8.8.8")


def test_start_on_a_taken_port_says_so(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = run_cli_process(["sandbox", "start", "--port", str(port)], cwd=tmp_path)
    assert refused.returncode == 2
    assert "the sandbox did not start" in refused.stderr
    assert f"Port {port} is in use" in refused.stderr
    assert not state_file(os.environ).exists()
