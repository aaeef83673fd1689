"""Where a running sandbox is remembered, so `pipectl --sandbox ...` finds it.

The state file lives in ``$PIPECTL_STATE_DIR`` (default: ``$XDG_STATE_HOME/pipectl``
or ``~/.local/state/pipectl``), a directory only the user may enter (0700); the file
(0600) holds the sandbox's token. Nothing read from it is used before it is checked:
a URL that is not loopback or a missing token makes the file count as absent.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipectl.errors import InvalidInput


def state_dir(environ: Mapping[str, str]) -> Path:
    explicit = environ.get("PIPECTL_STATE_DIR")
    if explicit:
        return Path(explicit)
    base = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "pipectl"


def state_file(environ: Mapping[str, str]) -> Path:
    return state_dir(environ) / "sandbox.json"


# How ``sandbox start`` hands the token to the process it starts (never on its command line).
TOKEN_VARIABLE = "PIPECTL_SANDBOX_TOKEN"


def private_state_dir(environ: Mapping[str, str]) -> Path:
    """The state directory, created if missing, and made the user's alone (0700)."""
    directory = state_dir(environ)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if directory.stat().st_uid == os.getuid():
        os.chmod(directory, 0o700)
    return directory


def read_state(environ: Mapping[str, str]) -> dict[str, Any] | None:
    """The state file's content if it is well formed: loopback URL, token, pid."""
    path = state_file(environ)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not is_trustworthy(data):
        return None
    return data


def is_trustworthy(data: Mapping[str, Any]) -> bool:
    """A state that names an http URL on a loopback address, a token and a pid."""
    from urllib.parse import urlsplit

    url = data.get("url")
    token = data.get("token")
    pid = data.get("pid")
    if not isinstance(url, str) or not isinstance(token, str) or not token:
        return False
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    if parts.scheme != "http" or parts.username or parts.password:
        return False
    return _is_loopback(host)


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_endpoint(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """(URL, token) of the sandbox that runs, or None."""
    state = read_state(environ)
    if not state or not _pid_alive(int(state["pid"])):
        return None
    return str(state["url"]), str(state["token"])


def require_running_endpoint(environ: Mapping[str, str]) -> tuple[str, str]:
    endpoint = running_endpoint(environ)
    if endpoint is None:
        raise InvalidInput(
            "--sandbox was given but no sandbox is running",
            hint="start one with `pipectl sandbox start`",
        )
    return endpoint


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs (a zombie counts as gone)."""
    if pid <= 0 or not _pid_alive(pid):
        return False
    if _is_zombie(pid):
        return False
    try:
        # A child that has exited but was not reaped yet is not running.
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # not our child: it exists
    return done == 0


def running_state(environ: Mapping[str, str]) -> dict[str, Any] | None:
    """The state of the sandbox that is running, or None (a stale file is ignored)."""
    state = read_state(environ)
    if not state or not pid_alive(int(state["pid"])):
        return None
    return state


def write_state_file(path: Path, data: Mapping[str, Any]) -> None:
    """Write atomically, readable by the user only (it holds the token)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW,
                         0o600)
    with os.fdopen(descriptor, "w") as handle:
        os.fchmod(descriptor, 0o600)
        handle.write(json.dumps(dict(data), indent=2) + "\n")
    os.replace(temporary, path)


def remove_state_file(path: Path, pid: int | None = None) -> None:
    """Remove the state file; with ``pid``, only if it still names that process."""
    if pid is not None:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or int(data.get("pid", 0) or 0) != pid:
            return
    path.unlink(missing_ok=True)


def _is_zombie(pid: int) -> bool:
    # An exited process whose parent has not reaped it still answers kill(pid, 0).
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]
