"""A build's CloudWatch logs, from the start; with ``follow`` until the build ends.

GetLogEvents pages forward with ``nextForwardToken``; at the end of the stream the same
token comes back, which is when a follower checks whether the build is over.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from pipectl.aws.log_events import read_log_page
from pipectl.errors import NotFound
from pipectl.runs.model import FINAL_BUILD_STATUSES
from pipectl.runs.progress import BuildProgress
from pipectl.runs.reads import Clients
from pipectl.runs.reads import codebuild as build_reads


def resolve_build(clients: Clients, project: str, build_id: str | None) -> BuildProgress:
    """The build to show: the one named, else the project's latest."""
    if build_id is None:
        build_id = build_reads.latest_build_id(clients, project)
        if build_id is None:
            raise NotFound(f"CodeBuild project {project} has no builds yet",
                           operation="codebuild:ListBuildsForProject", resource=project,
                           hint="start a run with `pipectl run --watch`")
    elif ":" not in build_id:
        build_id = f"{project}:{build_id}"  # accept the bare uuid part too
    found = build_reads.builds(clients, [build_id])
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
        page = None
        if build.log_group and build.log_stream:
            page = read_log_page(logs, build.log_group, build.log_stream, from_head=True,
                                 token=token)
            if page is None and not (follow and build.status not in FINAL_BUILD_STATUSES):
                raise NotFound(
                    f"log stream {build.log_stream} not found in {build.log_group}",
                    operation="logs:GetLogEvents", resource=build.log_group,
                    hint="the build may have been deleted or its logs expired")
            # else the stream appears once the build is provisioned
        if page is not None:
            yield from page.lines
            if page.next_token and page.next_token != token:
                token = page.next_token
                continue  # more may be waiting: read on before sleeping
        if not follow or build.status in FINAL_BUILD_STATUSES:
            if page is None and not follow:
                raise NotFound(f"build {build.build_id} has no logs in CloudWatch Logs (yet)",
                               operation="logs:GetLogEvents", resource=build.build_id,
                               hint="logs appear once the build is provisioned; try --follow")
            return
        sleep(interval)
        refreshed = build_reads.builds(clients, [build.build_id]).get(build.build_id)
        if refreshed is not None:
            if refreshed.status in FINAL_BUILD_STATUSES and build.status not in \
                    FINAL_BUILD_STATUSES:
                # One more read after the end, for the lines written while we slept.
                build = refreshed
                continue
            build = refreshed
