"""``python -m pipectl.sandbox``: the sandbox endpoint as a process of its own.

``pipectl sandbox start`` runs this detached. It serves until SIGTERM/SIGINT or until no
request came for ``--idle-timeout`` seconds, and keeps the state file (pid, URL) only
while it serves.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from pipectl.errors import PipectlError
from pipectl.sandbox.state import TOKEN_VARIABLE, remove_state_file, write_state_file


def serve(
    *, host: str, port: int, time_scale: float, idle_timeout: float,
    state_path: Path | None, source_dir: Path, log: str = "",
) -> int:
    from pipectl.sandbox.server import start_server

    # The token came through the environment; no child of ours needs it there.
    token = os.environ.pop(TOKEN_VARIABLE, "") or None
    server = start_server(port=port, time_scale=time_scale, host=host,
                          source_dir=source_dir, token=token)
    stopping = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    pid = os.getpid()
    if state_path is not None:
        write_state_file(state_path, {
            "pid": pid,
            "url": server.url,
            "token": server.token,
            "host": server.host,
            "port": server.port,
            "time_scale": time_scale,
            "idle_timeout": idle_timeout,
            "source_dir": str(source_dir),
            "log": log,
            "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        })
    print(f"pipectl sandbox serving {server.url} (pid {pid}, time scale {time_scale})",
          flush=True)
    reason = "stopped"
    try:
        while not stopping.wait(timeout=min(1.0, idle_timeout)):
            idle = time.monotonic() - server.app.last_request
            if idle >= idle_timeout:
                reason = f"idle for {idle_timeout:.0f} s"
                break
    finally:
        server.stop()
        if state_path is not None:
            remove_state_file(state_path, pid)
    print(f"pipectl sandbox {reason}; bye", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipectl.sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--time-scale", type=float, default=0.5)
    parser.add_argument("--idle-timeout", type=float, default=7200.0)
    parser.add_argument("--state-file", type=Path, default=None)
    parser.add_argument("--source-dir", type=Path, default=Path.cwd())
    parser.add_argument("--log", default="")
    args = parser.parse_args(argv)
    # Work in a directory of our own: whatever moto or a library writes to the working
    # directory stays out of the user's project.
    args.source_dir = args.source_dir.resolve()
    if args.state_file is not None:
        args.state_file = args.state_file.absolute()
    workdir = tempfile.mkdtemp(prefix="pipectl-sandbox-")
    os.chdir(workdir)
    try:
        return serve(
            host=args.host, port=args.port, time_scale=args.time_scale,
            idle_timeout=args.idle_timeout, state_path=args.state_file,
            source_dir=args.source_dir, log=args.log,
        )
    except PipectlError as exc:
        print(f"error: {exc.message}" + (f" (hint: {exc.hint})" if exc.hint else ""),
              file=sys.stderr, flush=True)
        return int(exc.exit_status)
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr,
              flush=True)
        return 2
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
