"""hello-web, the service the Dockerfile packages: its pages, its start-up and its shutdown."""

from __future__ import annotations

import importlib.util
import json
import os
import pwd
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import REPO_ROOT

SERVER = REPO_ROOT / "app" / "server.py"


def load_app() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hello_web_server", SERVER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def base_url() -> Iterator[str]:
    app = load_app()
    server = app.make_server("127.0.0.1", 0, "abc1234<b>")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def get(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_the_page_shows_the_commit_escaped(base_url: str) -> None:
    status, headers, body = get(base_url + "/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert "abc1234&lt;b&gt;" in body.decode()
    assert "<b>" not in body.decode()


def test_health_and_version(base_url: str) -> None:
    status, headers, body = get(base_url + "/health")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert headers["Content-Type"] == "application/json"
    status, _, body = get(base_url + "/version?x=1")
    assert (status, json.loads(body)) == (200, {"commit": "abc1234<b>"})


def test_unknown_paths_are_404_and_head_has_no_body(base_url: str) -> None:
    assert get(base_url + "/nope")[0] == 404
    status, headers, body = get(base_url + "/", method="HEAD")
    assert status == 200
    assert int(headers["Content-Length"]) > 0
    assert body == b""


@pytest.fixture
def running_app() -> Iterator[tuple[subprocess.Popen[str], str]]:
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": "0", "APP_COMMIT": "deadbee"}
    process = subprocess.Popen([sys.executable, str(SERVER)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in first, first
        yield process, first.rsplit(" ", 1)[-1].strip()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def test_the_server_answers_and_stops_promptly_on_sigterm(
    running_app: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = running_app
    status, _, body = get(url + "/")
    assert status == 200 and b"deadbee" in body
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=5) == 0
    assert process.stdout is not None
    assert "hello-web stopped" in process.stdout.read()


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping privileges needs root")
def test_started_as_root_it_serves_as_nobody(
    running_app: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = running_app
    assert get(url + "/health")[0] == 200
    status = Path(f"/proc/{process.pid}/status").read_text()
    uids: list[Any] = next(line.split()[1:] for line in status.splitlines()
                           if line.startswith("Uid:"))
    nobody = pwd.getpwnam("nobody").pw_uid
    assert [int(u) for u in uids] == [nobody] * 4
