"""Where a running sandbox is remembered, so `pipectl --sandbox ...` finds it.

The state file lives in ``$PIPECTL_STATE_DIR`` (default: ``$XDG_STATE_HOME/pipectl``
or ``~/.local/state/pipectl``).
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


def read_state(environ: Mapping[str, str]) -> dict[str, Any] | None:
    path = state_file(environ)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_endpoint(environ: Mapping[str, str]) -> str | None:
    state = read_state(environ)
    if not state or not _pid_alive(int(state.get("pid", 0) or 0)):
        return None
    url = state.get("url")
    return str(url) if url else None


def require_running_endpoint(environ: Mapping[str, str]) -> str:
    url = running_endpoint(environ)
    if url is None:
        raise InvalidInput(
            "--sandbox was given but no sandbox is running",
            hint="start one with `pipectl sandbox start`",
        )
    return url


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
    if not state or not pid_alive(int(state.get("pid", 0) or 0)):
        return None
    return state


def write_state_file(path: Path, data: Mapping[str, Any]) -> None:
    """Write atomically, readable by the user only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(dict(data), indent=2) + "\n")
    os.chmod(temporary, 0o600)
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
