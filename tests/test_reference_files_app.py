"""hello-web, the site the Dockerfile packages: an nginx configuration template.

The nginx image's entrypoint fills environment variables into the template when the
container starts (envsubst, for the variables that are set). These tests do the same
and check the result; then a real nginx (Debian's, see tests/system_tools.py) serves it
and every page is requested.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.system_tools import require_tool

TEMPLATE = REPO_ROOT / "app" / "default.conf.template"


def render(template: str, environ: dict[str, str]) -> str:
    """What the image's entrypoint does: envsubst, restricted to the variables that are set."""
    def fill(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return environ.get(name, match.group(0))

    return re.sub(r"\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)", fill, template)


def test_the_template_fills_in_only_the_commit() -> None:
    template = TEMPLATE.read_text()
    assert set(re.findall(r"\$\{?([A-Za-z_]\w*)", template)) == {"APP_COMMIT"}
    site = render(template, {"APP_COMMIT": "abc1234", "HOME": "/root"})
    assert "$" not in site
    assert site.count("abc1234") == 2  # the page and /version
    assert re.search(r"^\s*listen 80;$", site, re.MULTILINE)
    for location in ("= /health", "= /version", "= /", "/"):
        assert f"location {location} {{" in site


def test_the_dockerfile_installs_the_template_and_sets_the_commit() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert "COPY app/default.conf.template /etc/nginx/templates/default.conf.template" in (
        dockerfile)
    assert "ENV APP_COMMIT=${COMMIT}" in dockerfile


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    nginx = require_tool("nginx")
    port = free_port()
    conf = render(TEMPLATE.read_text(), {"APP_COMMIT": "deadbee"})
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{port};")
    (tmp_path / "site.conf").write_text(conf)
    temp = " ".join(f"{kind}_temp_path {tmp_path / kind};"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  {temp}\n  include {tmp_path / 'site.conf'};\n}}\n"
    )
    args = [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    check = subprocess.run([*args, "-t"], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([*args, "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def get(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_the_page_shows_the_commit(site: str) -> None:
    status, headers, body = get(site + "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<p>Built from commit <code>deadbee</code>.</p>" in body.decode()
    assert headers["Cache-Control"] == "no-store"


def test_health_and_version_answer_json(site: str) -> None:
    status, headers, body = get(site + "/health")
    assert (status, headers["Content-Type"], json.loads(body)) == (
        200, "application/json", {"status": "ok"})
    status, _, body = get(site + "/version?verbose=1")
    assert (status, json.loads(body)) == (200, {"commit": "deadbee"})


def test_other_paths_are_404_and_head_has_no_body(site: str) -> None:
    assert get(site + "/admin")[0] == 404
    status, headers, body = get(site + "/", method="HEAD")
    assert status == 200
    assert int(headers["Content-Length"]) > 0
    assert body == b""
