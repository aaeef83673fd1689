"""The one CloudWatch Logs reader: a page of a log stream's lines (GetLogEvents).

``watch``, ``logs``, the failure diagnosis and ``insights`` all read build logs through
it, so a stream that does not exist is told apart from a failed call in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipectl.aws.errors import aws_call, error_code


@dataclass(frozen=True)
class LogPage:
    lines: tuple[str, ...]
    #: GetLogEvents' ``nextForwardToken``: at the end of the stream the same one comes back.
    next_token: str | None


def read_log_page(
    logs: Any,
    group: str,
    stream: str,
    *,
    from_head: bool,
    limit: int | None = None,
    token: str | None = None,
) -> LogPage | None:
    """One GetLogEvents page through the ``logs`` client; None when the stream does not
    exist (a build that has not written a line yet, or logs that expired): each caller
    decides whether that is an error. Any other failure is a pipectl error."""
    params: dict[str, Any] = {"logGroupName": group, "logStreamName": stream,
                              "startFromHead": from_head}
    if limit is not None:
        params["limit"] = limit
    if token:
        params["nextToken"] = token
    try:
        response = logs.get_log_events(**params)
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        with aws_call("logs:GetLogEvents", resource=f"{group}/{stream}"):
            raise
    lines = tuple(str(e.get("message", "")).rstrip("\n") for e in response.get("events", []))
    return LogPage(lines, response.get("nextForwardToken"))
