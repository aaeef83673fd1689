"""Draw a watched run: a rich live view on terminals, timestamped lines for CI logs, or
JSON lines for scripts. Each view consumes the watch loop's events; none reads AWS."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, Protocol

from pipectl.runs.deployment import deployment_rows
from pipectl.runs.model import (
    RUNNING_STATUSES,
    Finished,
    RunResult,
    RunSnapshot,
    Update,
    WatchEvent,
)
from pipectl.runs.values import format_duration, image_tag, iso_time, task_definition_label
from pipectl.runs.views import ActionView
from pipectl.ui.environment import Environment
from pipectl.ui.printable import printable

ICONS = {"Succeeded": "✓", "Failed": "✗", "Abandoned": "✗", "Stopped": "■", "Stopping": "■",
         "Cancelled": "■", "Pending": "·", "Skipped": "·", "Never run": "·"}
STYLES = {"Succeeded": "green", "Failed": "red", "Abandoned": "red", "Stopped": "yellow",
          "Stopping": "yellow", "Cancelled": "yellow", "InProgress": "cyan", "Pending": "dim"}
LIVE_LOG_LINES = 6
PHASES_PER_LINE = 4
OUTCOME_WORDS = {"succeeded": "succeeded", "failed": "FAILED", "rolled_back": "ROLLED BACK",
                 "stopped": "STOPPED", "superseded": "SUPERSEDED", "timed_out": "TIMED OUT"}


class RunView(Protocol):
    def update(self, event: Update) -> None: ...
    def finish(self, event: Finished) -> None: ...
    def __enter__(self) -> RunView: ...
    def __exit__(self, *exc: object) -> None: ...


def make_view(env: Environment, *, show_logs: bool) -> RunView:
    if env.output == "json":
        return JsonView(env)
    if env.rich_output:
        return LiveView(env.console(), show_logs=show_logs)
    return PlainView(env)


def follow(view: RunView, events: Iterable[WatchEvent]) -> RunResult:
    """Feed the events to the view; return the result (KeyboardInterrupt passes through)."""
    with view:
        for event in events:
            if isinstance(event, Finished):
                view.finish(event)
                return event.result
            view.update(event)
    raise RuntimeError("the watch loop ended without a result")  # pragma: no cover


# -- plain lines (not a terminal) ------------------------------------------------------------


class PlainView:
    """One timestamped line per state change: readable in CI logs, greppable."""

    def __init__(self, env: Environment) -> None:
        self.env = env

    def __enter__(self) -> PlainView:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, event: Update) -> None:
        for change in event.changes:
            self.env.write(f"{iso_time(change.at)} {change.message}")

    def finish(self, event: Finished) -> None:
        for line in summary_lines(event.result):
            self.env.write(line)


class JsonView:
    """One JSON object per change (JSON lines), then the result object."""

    def __init__(self, env: Environment) -> None:
        self.env = env

    def __enter__(self) -> JsonView:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, event: Update) -> None:
        for change in event.changes:
            self.env.write_json(change.to_dict(), lines=True)

    def finish(self, event: Finished) -> None:
        self.env.write_json(event.result.to_dict(), lines=True)


# -- the live view (terminal) ----------------------------------------------------------------


class LiveView:
    """Redraws the whole run on each look. Between looks (which come every 5 to 15 s on a
    long run) rich refreshes the view several times a second, and each refresh draws the
    last snapshot at the current time: elapsed times count up and spinners turn."""

    def __init__(self, console: Any, *, show_logs: bool,
                 clock: Callable[[], float] = time.time) -> None:
        self.console = console
        self.show_logs = show_logs
        self.clock = clock
        self._live: Any = None

    def __enter__(self) -> LiveView:
        from rich.live import Live
        from rich.text import Text

        self._live = Live(Text("looking at the run…"), console=self.console,
                          refresh_per_second=8, transient=False)
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            live, self._live = self._live, None
            live.__exit__(None, None, None)

    def update(self, event: Update) -> None:
        if self._live is not None:
            self._live.update(TickingSnapshot(event.snapshot, self.clock,
                                              show_logs=self.show_logs))

    def finish(self, event: Finished) -> None:
        if self._live is not None:
            self._live.update(render_snapshot(event.snapshot, show_logs=self.show_logs))
            self.__exit__(None, None, None)
        from rich.text import Text

        style = "bold green" if event.result.ok else "bold red"
        lines = summary_lines(event.result)
        self.console.print(Text(printable(lines[0]), style=style))
        for line in lines[1:]:
            self.console.print(Text(printable(line)))


class TickingSnapshot:
    """The last snapshot, drawn at the time of each refresh (rich calls ``__rich__``
    whenever it redraws): what runs keeps counting between looks."""

    def __init__(self, snapshot: RunSnapshot, clock: Callable[[], float], *,
                 show_logs: bool) -> None:
        self.snapshot = snapshot
        self.clock = clock
        self.show_logs = show_logs

    def __rich__(self) -> Any:
        # Never earlier than the look itself (a clock that stepped back draws the look).
        now = max(self.snapshot.now, self.clock())
        return render_snapshot(replace(self.snapshot, now=now), show_logs=self.show_logs)


def render_snapshot(snapshot: RunSnapshot, *, show_logs: bool = False) -> Any:
    """The run as a rich renderable: a header, then a row per stage and action."""
    from rich.console import Group
    from rich.spinner import Spinner
    from rich.table import Table
    from rich.text import Text

    header = Text.assemble(
        ("Pipeline ", "bold"), (snapshot.pipeline, "bold"),
        f"  run {snapshot.execution_id}  ",
        (snapshot.status, STYLES.get(snapshot.status, "")),
        f"  {format_duration(snapshot.elapsed)}",
    )
    if snapshot.revision:
        header.append(f"  {snapshot.revision[:12]}")
        if snapshot.revision_summary:
            summary = snapshot.revision_summary.splitlines()[0][:60]
            header.append(f" {printable(summary)}", style="dim")
    # Two columns: the icon (a spinner while running) and one line of text that never
    # wraps, so the view keeps its height on narrow terminals and Live never crops it.
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(width=1)
    table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")

    def icon(status: str) -> Any:
        if status in ("InProgress",):
            # The view is rebuilt on every refresh, and a new Spinner starts on its first
            # frame: one that began at time 0 shows the frame of the present moment.
            spinner = Spinner("dots", style="cyan")
            spinner.start_time = 0.0
            return spinner
        return Text(ICONS.get(status, "?"), style=STYLES.get(status, ""))

    def row(name: str, status: str, elapsed: str, bold: bool) -> Text:
        text = Text(f"{name:<18} ", style="bold" if bold else "")
        text.append(f"{status:<11}", style=STYLES.get(status, ""))
        if elapsed:
            text.append(f" {elapsed}")
        return text

    for stage in snapshot.stages:
        table.add_row(icon(stage.status), row(stage.name, stage.status, "", True))
        for action in stage.actions:
            elapsed = ""
            if action.status in RUNNING_STATUSES and action.changed_at is not None:
                elapsed = format_duration(max(0.0, snapshot.now - action.changed_at))
            table.add_row(icon(action.status), row(f"  {action.name}", action.status,
                                                   elapsed, False))
            for line, style in detail_lines(action, show_logs=show_logs):
                table.add_row("", Text(f"    {printable(line)}", style=style, no_wrap=True,
                                       overflow="ellipsis"))
    return Group(header, table)


def detail_lines(action: ActionView, *, show_logs: bool) -> list[tuple[str, str]]:
    """The lines under an action: build phases and logs, or the ECS rollout and events."""
    lines: list[tuple[str, str]] = []
    if action.status in ("Failed", "Abandoned") and (action.error_message or action.summary):
        lines.append((f"error: {action.error_message or action.summary}", "red"))
    build = action.build
    if build is not None:
        if build.status == "IN_PROGRESS" and build.current_phase:
            lines.append((f"phase {build.current_phase} (running)", "cyan"))
        done = [f"{p.name} {format_duration(p.duration)}" + ("" if p.status == "SUCCEEDED"
                                                              else f" {p.status}")
                for p in build.done_phases]
        # A few phases a line: rows never wrap (the live view keeps its height), so one
        # long line would lose the later phases to the ellipsis on an 80-column terminal.
        for start in range(0, len(done), PHASES_PER_LINE):
            label = "done: " if start == 0 else "      "
            lines.append((label + " · ".join(done[start:start + PHASES_PER_LINE]), "dim"))
        failed = build.failed_phase
        if failed is not None and failed.message:
            lines.append((f"{failed.name}: {failed.message}", "red"))
        # Logs while the build runs (--logs), or when it failed; one line per message.
        if (show_logs and build.status == "IN_PROGRESS") or build.failed_phase is not None:
            lines.extend((f"| {line.splitlines()[0] if line else ''}", "dim")
                         for line in build.log_tail[-LIVE_LOG_LINES:])
    deploy = action.deploy
    if deploy is not None:
        tag = image_tag(deploy.image)
        lines.append((
            f"rollout {deploy.rollout_state or '-'} · running {deploy.running}/{deploy.desired}"
            f" · pending {deploy.pending} · failed {deploy.failed_tasks} · "
            f"{task_definition_label(deploy.task_definition) or '-'}"
            + (f" · image {tag}" if tag else ""),
            "red" if deploy.rolled_back else "",
        ))
        if deploy.deployment_status is not None:
            lines.extend((" · ".join(row), "red" if deploy.rolled_back else "")
                         for row in deployment_rows(deploy))
        if deploy.rolled_back:
            lines.append((deploy.failure or "the deployment circuit breaker rolled this "
                          "deployment back", "red"))
            if deploy.status_reason and deploy.failure and deploy.status_reason not in \
                    deploy.failure:
                lines.append((f"ECS: {deploy.status_reason}", "red"))
        lines.extend((f"stopped task: {r}", "red") for r in deploy.stopped_reasons[:3])
        lines.extend((f"event: {e}", "dim") for e in deploy.events[:3])
    return lines


def summary_lines(result: RunResult) -> list[str]:
    """The end of a watch, the same words on a terminal and in a CI log."""
    word = OUTCOME_WORDS.get(result.outcome, result.outcome)
    diagnosis = result.diagnosis
    if diagnosis is not None and diagnosis.phase:
        from pipectl.ui.verdict_view import build_failure_lines

        return build_failure_lines(result, diagnosis, word)
    lines = [f"Run {result.execution_id} {word} after {format_duration(result.duration)}: "
             f"{result.reason}"]
    if result.revision:
        lines.append(f"  revision  {result.revision}")
    if result.image:
        lines.append(f"  image     {result.image}")
    if result.task_definition:
        lines.append(f"  task def  {task_definition_label(result.task_definition)}")
    if result.url:
        lines.append(f"  url       {result.url}")
    diagnosis = result.diagnosis
    if diagnosis is not None:
        if diagnosis.stage:
            where = diagnosis.stage + (f"/{diagnosis.action}" if diagnosis.action else "")
            lines.append(f"  failed at {where}: {diagnosis.message}")
        if diagnosis.phase:
            detail = f": {diagnosis.phase_message}" if diagnosis.phase_message else ""
            lines.append(f"  build phase {diagnosis.phase} failed{detail}")
        for reason in diagnosis.stopped_reasons:
            lines.append(f"  stopped task: {reason}")
        for event in diagnosis.events[:3]:
            lines.append(f"  service event: {event}")
        if diagnosis.log_tail:
            lines.append(f"  last {len(diagnosis.log_tail)} log lines:")
            lines.extend(f"    | {line}" for line in diagnosis.log_tail)
        if diagnosis.hint:
            lines.append(f"  hint: {diagnosis.hint}")
    return lines

