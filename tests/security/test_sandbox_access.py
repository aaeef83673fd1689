"""Who may talk to the sandbox: only the holder of its token, only through its address.

Any local process and any web page the user opens can reach 127.0.0.1. Each test is an
attack that worked before the sandbox had a token: reset it, read moto's whole state
(SSM values included), start moto's recorder, script it from a page (CORS, DNS
rebinding), or make `sandbox stop` signal a process that is not the sandbox.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipectl.sandbox.server import SandboxServer, start_server
from pipectl.sandbox.state import pid_alive, state_dir, state_file, write_state_file
from tests.conftest import run_cli, run_cli_process


def http(url: str, method: str = "GET", headers: dict[str, str] | None = None,
         body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read()


def bearer(sandbox: SandboxServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {sandbox.token}"}


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with start_server(port=0) as running:
        yield running


def test_without_the_token_nothing_is_reset_armed_or_read(server: SandboxServer) -> None:
    import boto3
    from botocore.exceptions import ClientError

    ssm = boto3.client("ssm", endpoint_url=server.url, region_name="us-east-1",
                       aws_access_key_id=server.token, aws_secret_access_key="x")
    ssm.put_parameter(Name="/hello/token", Value="SsmSecret123", Type="SecureString")
    for method, path in (("POST", "/_pipectl/reset"), ("POST", "/_pipectl/faults"),
                         ("GET", "/_pipectl/health")):
        status, _, answer = http(server.url + path, method, body=b'{"type": "offline"}')
        assert status == 403, (path, answer)
        assert b"token" in answer
    wrong = {"Authorization": "Bearer PSBX" + "0" * 32}
    assert http(server.url + "/_pipectl/reset", "POST", wrong)[0] == 403
    # A client with any other access key id (the old well-known "testing" too) is refused
    # as AWS refuses a key it does not know.
    for key in ("testing", "AKIAIOSFODNN7EXAMPLE"):
        stranger = boto3.client("ssm", endpoint_url=server.url, region_name="us-east-1",
                                aws_access_key_id=key, aws_secret_access_key="x")
        with pytest.raises(ClientError) as caught:
            stranger.get_parameter(Name="/hello/token", WithDecryption=True)
        assert caught.value.response["Error"]["Code"] == "UnrecognizedClientException"
        assert "SsmSecret123" not in str(caught.value.response)
    # Nothing was reset: the parameter is still there for the token holder.
    kept = ssm.get_parameter(Name="/hello/token", WithDecryption=True)
    assert kept["Parameter"]["Value"] == "SsmSecret123"
    assert http(server.url + "/_pipectl/health", headers=bearer(server))[0] == 200


def test_moto_api_is_closed_even_to_the_token_holder_but_reset(
    server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for method, path in (("GET", "/moto-api/data.json"), ("GET", "/moto-api/"),
                         ("POST", "/moto-api/recorder/start-recording"),
                         ("GET", "/moto-api/recorder/download-recording"),
                         ("POST", "/moto-api/seed?a=42"), ("POST", "/moto-api/config")):
        status, _, answer = http(server.url + path, method, bearer(server), b"{}")
        assert status == 403, (path, answer)
    assert list(tmp_path.iterdir()) == []  # no recording written anywhere near the user
    assert http(server.url + "/moto-api/reset", "POST", bearer(server))[0] == 200


def test_no_web_page_may_script_it(server: SandboxServer) -> None:
    origin = {"Origin": "https://evil.example"}
    # The preflight a page's fetch() sends carries no token: refused, and no CORS grant.
    status, headers, _ = http(server.url + "/", "OPTIONS", {
        **origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,x-amz-target"})
    assert status == 403
    assert not any(k.lower().startswith("access-control-") for k in headers)
    # Even an answer to the token holder grants no origin anything.
    status, headers, _ = http(
        server.url + "/", "POST",
        {**origin, **bearer(server), "Content-Type": "application/x-www-form-urlencoded"},
        b"Action=GetCallerIdentity&Version=2011-06-15")
    assert not any(k.lower().startswith("access-control-") for k in headers), headers
    # DNS rebinding: the page's own name arrives as the Host header.
    rebound = {"Host": f"evil.example:{server.port}", **bearer(server)}
    status, _, answer = http(server.url + "/_pipectl/health", headers=rebound)
    assert status == 421 and b"not this sandbox's address" in answer
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}"):
        assert http(server.url + "/_pipectl/health",
                    headers={"Host": host, **bearer(server)})[0] == 200


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_start_keeps_the_token_private_and_runs_outside_the_project(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    started = run_cli_process(["sandbox", "start", "--speed", "test", "-o", "json"],
                              cwd=project)
    assert started.returncode == 0, started.stderr
    answer = json.loads(started.stdout)
    pid = int(answer["pid"])
    try:
        state = json.loads(state_file(os.environ).read_text())
        token = state["token"]
        assert answer["environment"]["AWS_ACCESS_KEY_ID"] == token
        assert mode(state_dir(os.environ)) == 0o700
        assert mode(state_file(os.environ)) == 0o600
        assert mode(Path(state["log"])) == 0o600
        # Other users see a process's command line (ps), not its environment.
        assert token.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
        assert token not in Path(state["log"]).read_text()
        workdir = Path(os.readlink(f"/proc/{pid}/cwd"))
        assert workdir != project and project not in workdir.parents
        assert mode(workdir) == 0o700
    finally:
        stopped = run_cli_process(["sandbox", "stop"])
    assert stopped.returncode == 0, stopped.stderr
    assert list(project.iterdir()) == []


def test_stop_signals_nothing_but_the_sandbox(server: SandboxServer) -> None:
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        # A state file naming another process (a pid reused after the sandbox died).
        write_state_file(state_file(os.environ), {
            "pid": bystander.pid, "url": server.url, "token": server.token})
        refused = run_cli(["sandbox", "stop"])
        assert refused.exit_code == 2, refused.output
        assert f"pid {bystander.pid}, which is not the sandbox" in refused.stderr
        time.sleep(0.2)
        assert bystander.poll() is None and pid_alive(bystander.pid)
        assert not state_file(os.environ).exists()
    finally:
        bystander.kill()
        bystander.wait()


@pytest.mark.parametrize("url", ["http://203.0.113.7:4566", "https://127.0.0.1:4566",
                                 "http://user:pw@127.0.0.1:4566", "file:///etc/passwd"])
def test_a_state_file_that_is_not_a_loopback_sandbox_is_not_used(url: str) -> None:
    state: dict[str, Any] = {"pid": os.getpid(), "url": url, "token": "PSBX" + "1" * 32}
    write_state_file(state_file(os.environ), state)
    used = run_cli(["--sandbox", "status"])
    assert used.exit_code == 2
    assert "no sandbox is running" in used.stderr
    stopped = run_cli(["sandbox", "stop"])
    assert stopped.exit_code == 0 and "no sandbox is running" in stopped.stdout
