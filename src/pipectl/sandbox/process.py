"""The detached sandbox process: start it, find it, stop it, talk to its control API.

``pipectl sandbox start`` runs ``python -m pipectl.sandbox`` in a new session, with its
output in a log file beside the state file. The child binds, then writes the state file
(pid, URL); it removes the file when it stops, on ``stop`` (SIGTERM) or after its idle
timeout. Nothing here prints: the CLI renders what these functions return.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipectl.errors import AwsError, InvalidInput
from pipectl.sandbox.state import (
    TOKEN_VARIABLE,
    pid_alive,
    private_state_dir,
    remove_state_file,
    running_state,
    state_file,
)

# Named paces: seconds of a whole Source -> Build -> Deploy run, roughly.
SPEEDS: dict[str, float] = {
    "real": 1.0,  # about 50 s, CodeBuild's phases at a small project's pace
    "demo": 0.5,  # about 25 s: long enough to watch
    "fast": 0.1,  # about 5 s
    "test": 0.02,  # about a second
}
START_TIMEOUT = 20.0


def parse_speed(value: str) -> float:
    """``demo``, ``real``, ``fast``, ``test`` or a time scale such as ``0.25``."""
    if value in SPEEDS:
        return SPEEDS[value]
    try:
        scale = float(value)
    except ValueError:
        scale = 0.0
    if scale <= 0:
        raise InvalidInput(
            f"invalid speed {value!r}",
            hint=f"use one of {', '.join(SPEEDS)} or a positive time scale such as 0.25",
        )
    return scale


def parse_duration(value: str) -> float:
    """``2h``, ``30m``, ``90s`` or plain seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", value)
    if not match:
        raise InvalidInput(f"invalid duration {value!r}", hint="use e.g. 2h, 30m, 90s or 600")
    number = float(match.group(1))
    seconds = number * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]
    if seconds <= 0:
        raise InvalidInput(f"invalid duration {value!r}", hint="it must be positive")
    return seconds


def sandbox_environment(url: str, token: str, region: str = "us-east-1") -> dict[str, str]:
    """What a shell needs to point AWS tools at the sandbox: its token as the access key
    id (the sandbox checks it), a dummy secret (nothing checks signatures)."""
    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": token,
        "AWS_SECRET_ACCESS_KEY": "sandbox",
        "AWS_REGION": region,
        # The aws CLI v1 and older boto3 read only this one.
        "AWS_DEFAULT_REGION": region,
    }


@dataclass(frozen=True)
class StartResult:
    state: dict[str, Any]
    already_running: bool


def start_detached(
    environ: Mapping[str, str],
    *,
    host: str,
    port: int,
    time_scale: float,
    idle_timeout: float,
    source_dir: Path,
    given: frozenset[str] = frozenset(),
    restart: bool = False,
) -> StartResult:
    """Start the sandbox, or find the running one. ``given`` names the settings the user
    chose (``port``, ``host``, ``time_scale``, ``idle_timeout``): a running sandbox that
    differs in one of them is replaced with ``restart``, else refused."""
    from pipectl.sandbox.auth import check_loopback, new_token
    from pipectl.sandbox.moto_state import require_moto

    check_loopback(host)
    require_moto()
    current = running_state(environ)
    if current is not None:
        wanted = {"host": host, "port": port, "time_scale": time_scale,
                  "idle_timeout": idle_timeout}
        differ = settings_differ(current, {k: v for k, v in wanted.items() if k in given})
        if not differ:
            return StartResult(current, already_running=True)
        if not restart:
            raise InvalidInput(
                f"a sandbox is already running at {current.get('url')} with "
                + "; ".join(differ),
                hint="add --restart to replace it (its resources and runs are lost), or "
                "leave the options out to use it as it is",
            )
        stop(environ)
    path = state_file(environ).absolute()
    remove_state_file(path)  # a stale file from a process that is gone
    directory = private_state_dir(environ).absolute()
    log_path = directory / "sandbox.log"
    command = [
        sys.executable, "-m", "pipectl.sandbox",
        "--host", host, "--port", str(port), "--time-scale", str(time_scale),
        "--idle-timeout", str(idle_timeout), "--state-file", str(path),
        "--source-dir", str(source_dir), "--log", str(log_path),
    ]
    # The token goes through the environment, which only the user can read
    # (/proc/PID/environ), not the command line, which every local user can (ps).
    child_environ = {k: v for k, v in environ.items() if not k.startswith("MOTO_")}
    child_environ[TOKEN_VARIABLE] = new_token()
    log_fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    os.fchmod(log_fd, 0o600)
    with os.fdopen(log_fd, "ab") as log:
        child = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True, env=child_environ, cwd=str(directory),
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        state = _read(path)
        if state and int(state.get("pid", 0)) == child.pid:
            return StartResult(state, already_running=False)
        if child.poll() is not None:
            raise InvalidInput(
                f"the sandbox did not start: {_last_line(log_path)}",
                hint=f"see {log_path}",
            )
        time.sleep(0.05)
    _terminate(child.pid)
    raise InvalidInput(
        f"the sandbox did not start within {START_TIMEOUT:.0f} s", hint=f"see {log_path}"
    )


_SETTING_FLAGS = {"host": "--host", "port": "--port", "time_scale": "--speed",
                  "idle_timeout": "--idle-timeout"}


def settings_differ(state: Mapping[str, Any], wanted: Mapping[str, object]) -> list[str]:
    """``--speed 0.1 (asked: 0.02)``, one per setting of ``wanted`` the running one lacks."""
    running = dict(state)
    running["port"] = _port_of(str(state.get("url", "")))
    differ = []
    for key, value in wanted.items():
        have = running.get(key)
        if key == "port" and value == 0:
            continue  # any free port: the one it has
        same = (float(have) == float(str(value))) if key in ("time_scale", "idle_timeout") \
            and have is not None else have == value
        if not same:
            differ.append(f"{_SETTING_FLAGS[key]} {have} (asked: {value})")
    return differ


def _port_of(url: str) -> int | None:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).port
    except ValueError:
        return None


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _last_line(path: Path) -> str:
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no log"
    return lines[-1] if lines else "no output"


def _terminate(pid: int, grace: float = 5.0) -> bool:
    """SIGTERM, then SIGKILL after ``grace`` seconds; True once the process is gone."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    time.sleep(0.1)
    return not pid_alive(pid)


def stop(environ: Mapping[str, str]) -> dict[str, Any] | None:
    """Stop the running sandbox; return the state it had, or None if none was running.

    The pid comes from a file: before it is signalled, the process must prove to be the
    sandbox (its health answer, given only to the token holder, names that pid) or, when
    it does not answer (an ``offline`` fault), run ``pipectl.sandbox`` with this state file.
    """
    state = running_state(environ)
    path = state_file(environ)
    if state is None:
        remove_state_file(path)
        return None
    pid = int(state["pid"])
    if not is_the_sandbox(state, path):
        remove_state_file(path, pid)
        raise InvalidInput(
            f"the state file names pid {pid}, which is not the sandbox; left it alone",
            hint="the sandbox it named is gone: `pipectl sandbox start` starts a new one",
        )
    _terminate(pid)
    remove_state_file(path, pid)
    return state


def is_the_sandbox(state: Mapping[str, Any], path: Path) -> bool:
    """Whether the pid of ``state`` is the sandbox that ``path`` remembers: the process
    runs ``pipectl.sandbox`` with this state file (where /proc tells), and the sandbox at
    the URL, when it answers, names that pid (a pid reused by another process, or a port
    reused by another server, fails one of the two)."""
    pid = int(state["pid"])
    arguments: list[bytes] | None
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        arguments = None if not Path("/proc/self").exists() else []
    except OSError:
        arguments = []
    if arguments is not None and not (
        b"pipectl.sandbox" in arguments and str(path.absolute()).encode() in arguments
    ):
        return False
    answer = health(str(state["url"]), str(state["token"]))
    if answer is None:
        return arguments is not None  # silent (an offline fault): /proc vouched for it
    return answer.get("pid") == pid


def require_running(environ: Mapping[str, str]) -> dict[str, Any]:
    state = running_state(environ)
    if state is None:
        raise InvalidInput("no sandbox is running", hint="start one with `pipectl sandbox start`")
    return state


def control(
    url: str, token: str, method: str, path: str, body: dict[str, Any] | None = None
) -> Any:
    """Call the sandbox's control API; its error message becomes ours."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url.rstrip("/") + path, data=data, method=method,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read()).get("error", str(exc))
        except ValueError:
            message = str(exc)
        raise InvalidInput(f"the sandbox refused: {message}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise AwsError(
            f"the sandbox at {url} does not answer ({exc})",
            hint="`pipectl sandbox status` shows it; a fault may have taken it offline",
        ) from exc


def health(url: str, token: str) -> dict[str, Any] | None:
    try:
        answer = control(url, token, "GET", "/_pipectl/health")
    except (InvalidInput, AwsError):
        return None
    return answer if isinstance(answer, dict) else None
