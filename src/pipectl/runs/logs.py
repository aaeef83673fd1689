"""A build's CloudWatch logs, from the start; with ``follow`` until the build ends.

GetLogEvents pages forward with ``nextForwardToken``; at the end of the stream the same
token comes back, which is when a follower checks whether the build is over.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from pipectl.aws.errors import aws_call, error_code
from pipectl.errors import NotFound
from pipectl.runs import reads
from pipectl.runs.model import FINAL_BUILD_STATUSES, BuildProgress
from pipectl.runs.reads import Clients


def resolve_build(clients: Clients, project: str, build_id: str | None) -> BuildProgress:
    """The build to show: the one named, else the project's latest."""
    if build_id is None:
        build_id = reads.latest_build_id(clients, project)
        if build_id is None:
            raise NotFound(f"CodeBuild project {project} has no builds yet",
                           operation="codebuild:ListBuildsForProject", resource=project,
                           hint="start a run with `pipectl run --watch`")
    elif ":" not in build_id:
        build_id = f"{project}:{build_id}"  # accept the bare uuid part too
    found = reads.builds(clients, [build_id])
    if build_id not in found:
        raise NotFound(f"no build {build_id}", operation="codebuild:BatchGetBuilds",
                       resource=build_id, hint="list builds with `aws codebuild "
                       f"list-builds-for-project --project-name {project}`")
    return found[build_id]


def read_logs(
    clients: Clients,
    build: BuildProgress,
    *,
    follow: bool = False,
    sleep: Callable[[float], None] | None = None,
    interval: float = 2.0,
) -> Iterator[str]:
    """Yield log lines; with ``follow``, keep reading until the build has ended."""
    sleep = sleep or time.sleep
    logs = clients.client("logs")
    token: str | None = None
    while True:
        if build.log_group and build.log_stream:
            params: dict[str, Any] = {"logGroupName": build.log_group,
                                      "logStreamName": build.log_stream, "startFromHead": True}
            if token:
                params["nextToken"] = token
            response = _get_events(logs, params, follow and build.status not in
                                   FINAL_BUILD_STATUSES)
        else:
            response = None
        if response is not None:
            for event in response.get("events", []):
                yield str(event.get("message", "")).rstrip("\n")
            next_token = response.get("nextForwardToken")
            if next_token and next_token != token:
                token = next_token
                continue  # more may be waiting: read on before sleeping
        if not follow or build.status in FINAL_BUILD_STATUSES:
            if response is None and not follow:
                raise NotFound(f"build {build.build_id} has no logs in CloudWatch Logs (yet)",
                               operation="logs:GetLogEvents", resource=build.build_id,
                               hint="logs appear once the build is provisioned; try --follow")
            return
        sleep(interval)
        refreshed = reads.builds(clients, [build.build_id]).get(build.build_id)
        if refreshed is not None:
            if refreshed.status in FINAL_BUILD_STATUSES and build.status not in \
                    FINAL_BUILD_STATUSES:
                # One more read after the end, for the lines written while we slept.
                build = refreshed
                continue
            build = refreshed


def _get_events(logs: Any, params: dict[str, Any], may_be_missing: bool) -> Any:
    try:
        return logs.get_log_events(**params)
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            if may_be_missing:
                return None  # the stream appears once the build is provisioned
            raise NotFound(
                f"log stream {params['logStreamName']} not found in {params['logGroupName']}",
                operation="logs:GetLogEvents", resource=params["logGroupName"],
                hint="the build may have been deleted or its logs expired",
            ) from exc
        with aws_call("logs:GetLogEvents", resource=params["logGroupName"]):
            raise
