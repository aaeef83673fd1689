"""CloudWatch Logs reads of build logs, through the one log reader in :mod:`pipectl.aws`."""

from __future__ import annotations

from pipectl.aws.log_events import read_log_page
from pipectl.runs.reads import Clients


def log_tail(clients: Clients, group: str, stream: str, lines: int = 20) -> tuple[str, ...]:
    """The last ``lines`` lines of a log stream (one GetLogEvents call)."""
    # A build that failed before writing a line has no stream yet: no tail, no error.
    page = read_log_page(clients.client("logs"), group, stream, from_head=False, limit=lines)
    return page.lines if page else ()


def log_page(
    clients: Clients, group: str, stream: str, token: str | None
) -> tuple[tuple[str, ...], str | None]:
    """One forward page of a log stream: (lines, nextForwardToken). No stream yet: no lines."""
    page = read_log_page(clients.client("logs"), group, stream, from_head=True, token=token)
    return (page.lines, page.next_token) if page else ((), token)
