"""Text and JSON lines for ``pipectl build --local``: one line per build event, each
prefixed with its phase."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipectl.ui.printable import printable

if TYPE_CHECKING:
    from pipectl.localbuild.events import BuildEvent, BuildFinished
    from pipectl.ui.environment import Environment

#: A piece of a line and its rich style ("" for none).
Part = tuple[str, str]


def summary(command: str, width: int = 100) -> str:
    """A command on one line: its first line, shortened, with '...' when there is more."""
    lines = [line.strip() for line in command.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    first = lines[0].removesuffix("\\").rstrip()
    if len(first) > width:
        return first[: width - 3] + "..."
    return first + (" ..." if len(lines) > 1 else "")


def render_build_event(env: Environment, event: BuildEvent) -> BuildFinished | None:
    """Show one event; return it when it is the build's end."""
    from pipectl.localbuild import events as ev

    if env.output == "json":
        env.write_json(ev.event_to_dict(event), lines=True)
        return event if isinstance(event, ev.BuildFinished) else None
    if isinstance(event, ev.OutputLine):
        _line(env, _prefix(event.phase), (f" {event.text}", ""))
    elif isinstance(event, ev.CommandStarted):
        lines = event.command.rstrip("\n").splitlines() or [""]
        _line(env, _prefix(event.phase), (f" $ {lines[0]}", ""))
        for line in lines[1:]:
            _line(env, _prefix(event.phase), (f"   {line}", ""))
    elif isinstance(event, ev.CommandFinished):
        if event.exit_code != 0:
            _line(env, _prefix(event.phase), (" ", ""),
                  (f"command exited with status {event.exit_code}", "red"))
    elif isinstance(event, ev.PhaseStarted):
        _line(env, _prefix(event.phase), (" ", ""), ("phase started", "bold"))
    elif isinstance(event, ev.PhaseFinished):
        result = "succeeded" if event.succeeded else "failed"
        _line(env, _prefix(event.phase), (" ", ""), (f"phase {result} in {event.seconds:.1f}s",
                                                     "green" if event.succeeded else "red"))
    elif isinstance(event, ev.PhaseSkipped):
        _line(env, _prefix(event.phase), (f" skipped: {event.reason}", ""))
    elif isinstance(event, ev.Notice):
        env.note(f"note: {event.message}")
    elif isinstance(event, ev.ArtifactsChecked):
        for path in event.found:
            _line(env, _prefix("upload_artifacts"), (f" artifact {path}", ""))
        for pattern in event.missing:
            _line(env, _prefix("upload_artifacts"), (" ", ""),
                  (f"no file matches {pattern}", "red"))
    elif isinstance(event, ev.BuildFinished):
        if event.succeeded:
            _line(env, (f"build succeeded in {event.seconds:.1f}s", "green"))
            for name, value in event.exported.items():
                env.write(f"exported {name}={value}")
        return event
    return None


def _prefix(phase: str) -> Part:
    return f"[{phase}]", "cyan"


def _line(env: Environment, *parts: Part) -> None:
    """One line of parts, styled on a colour terminal. Each part is made printable
    before it is styled: a build's output must not move the cursor, the styles may."""
    if not env.color:
        env.write("".join(text for text, _ in parts))
        return
    from rich.text import Text

    line = Text()
    for text, style in parts:
        line.append(printable(text), style=style)
    env.console().print(line, soft_wrap=True)
