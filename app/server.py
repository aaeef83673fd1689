"""hello-web: the small web service that the reference pipeline builds and deploys.

``/`` shows the commit the image was built from, ``/version`` says it as JSON and
``/health`` answers the container health check. Standard library only, so the image is
the base image plus this file.

Settings come from the environment: ``PORT`` (80), ``HOST`` (0.0.0.0), ``APP_COMMIT``
(the Dockerfile sets it from the ``COMMIT`` build argument) and ``APP_USER`` (nobody):
started as root, the server binds its port first and then drops to that user before it
serves a request, because ECS gives a non-root process no way to bind port 80.
"""

from __future__ import annotations

import html
import json
import os
import pwd
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>hello-web</title></head>
<body>
<h1>hello-web</h1>
<p>Built from commit <code>{commit}</code>.</p>
</body>
</html>
"""


class Handler(BaseHTTPRequestHandler):
    server_version = "hello-web"
    sys_version = ""  # don't advertise the Python version

    def do_GET(self) -> None:
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        self._respond(with_body=False)

    def _respond(self, *, with_body: bool) -> None:
        commit: str = getattr(self.server, "commit", "unknown")
        path = self.path.split("?", 1)[0]
        if path == "/health":
            status, kind, body = 200, "application/json", b'{"status": "ok"}\n'
        elif path == "/version":
            status, kind = 200, "application/json"
            body = (json.dumps({"commit": commit}) + "\n").encode()
        elif path in ("/", "/index.html"):
            status, kind = 200, "text/html; charset=utf-8"
            body = PAGE.format(commit=html.escape(commit)).encode()
        else:
            status, kind, body = 404, "text/plain; charset=utf-8", b"not found\n"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        # Health checks come every few seconds: keep them out of the access log.
        if not self.path.startswith("/health"):
            sys.stdout.write(f"{self.address_string()} {format % args}\n")


def make_server(host: str, port: int, commit: str) -> ThreadingHTTPServer:
    """Bind ``host:port`` (0 picks a free port) and return the server, not yet serving."""
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    server.commit = commit  # type: ignore[attr-defined]
    return server


def drop_privileges(user: str) -> None:
    """As root, become ``user``; as anyone else, stay who we are."""
    if os.geteuid() != 0:
        return
    entry = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)


def main() -> int:
    host = os.environ.get("HOST", "0.0.0.0")  # a container serves on all interfaces
    port = int(os.environ.get("PORT", "80"))
    commit = os.environ.get("APP_COMMIT") or "unknown"
    server = make_server(host, port, commit)
    drop_privileges(os.environ.get("APP_USER", "nobody"))

    def stop(signum: int, frame: FrameType | None) -> None:
        # As PID 1 the process gets no default SIGTERM action: without this handler,
        # ECS waits out the stop timeout and then kills the task.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    bound_host, bound_port = server.server_address[:2]
    print(f"hello-web {commit} listening on http://{bound_host!s}:{bound_port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    print("hello-web stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
