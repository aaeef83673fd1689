"""A sandbox endpoint of the benchmark's own, in a child process on loopback.

The child serves until its standard input closes, so it ends with the benchmark
even if the benchmark is killed: nothing is left listening.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from benchlib.measure import BenchError

_CHILD = """
import sys
from pipectl.sandbox.server import start_server
server = start_server(port=0, time_scale=float(sys.argv[1]))
print(server.url, flush=True)
sys.stdin.read()
server.stop()
"""


class Sandbox:
    """``with Sandbox(time_scale, env) as sandbox:`` ... ``sandbox.url``."""

    def __init__(self, time_scale: float, env: Mapping[str, str], log: Path) -> None:
        self.time_scale = time_scale
        self.env = dict(env)
        self.log = log
        self.url = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> Sandbox:
        with self.log.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(self.time_scale)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                text=True, env=self.env,
            )
        self._process = process
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            self.__exit__(None, None, None)
            raise BenchError(f"the sandbox did not start: {self.log.read_text()[-2000:]}")
        self.url = url
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process = self._process
        if process is None:
            return
        self._process = None
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the sandbox's control API (``/_pipectl/...``)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}/_pipectl/{path.lstrip('/')}", data=data, method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read() or b"null")
