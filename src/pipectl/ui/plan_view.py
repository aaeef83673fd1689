"""Draw plans and apply progress: plain lines (terminals and CI logs alike) or JSON."""

from __future__ import annotations

import json
from typing import Any

from pipectl.plan.executor import Progress
from pipectl.plan.model import Action, Plan, Step
from pipectl.runs.suggest import Suggest, plain_command
from pipectl.ui.environment import Environment
from pipectl.ui.printable import printable

MAX_VALUE_WIDTH = 160

SYMBOLS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.NO_CHANGE: "=",
    Action.DELETE: "-",
    Action.KEEP: "!",
}
LABELS = {
    Action.CREATE: "create",
    Action.UPDATE: "update",
    Action.NO_CHANGE: "no change",
    Action.DELETE: "delete",
    Action.KEEP: "keep",
}
PAST = {Action.CREATE: "created", Action.UPDATE: "updated", Action.DELETE: "deleted"}
PRESENT = {Action.CREATE: "creating", Action.UPDATE: "updating", Action.DELETE: "deleting"}
COLORS = {Action.CREATE: "green", Action.UPDATE: "yellow", Action.DELETE: "red",
          Action.KEEP: "magenta", Action.NO_CHANGE: "dim"}


def format_value(value: Any) -> str:
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return text if len(text) <= MAX_VALUE_WIDTH else text[: MAX_VALUE_WIDTH - 3] + "..."


def summary(plan: Plan, *, done: bool = False) -> str:
    counts = plan.counts()
    parts = [f"{counts[a.value]} {PAST[a] if done else 'to ' + a.value}"
             for a in (Action.CREATE, Action.UPDATE, Action.DELETE) if a.value in counts]
    if Action.KEEP.value in counts:
        parts.append(f"{counts[Action.KEEP.value]} kept")
    if Action.NO_CHANGE.value in counts:
        parts.append(f"{counts[Action.NO_CHANGE.value]} unchanged")
    return ", ".join(parts) or "no resources"


def plan_lines(plan: Plan, *, show_unchanged: bool = True,
               calls: bool = False) -> list[tuple[str, str | None]]:
    """(line, colour) pairs: one per resource, then its field diffs indented, then (with
    ``calls``) the AWS calls that applying it sends."""
    steps = [s for s in plan.steps if show_unchanged or s.action is not Action.NO_CHANGE]
    kind_width = max((len(s.title) for s in steps), default=0)
    name_width = max((len(s.name) for s in steps), default=0)
    lines: list[tuple[str, str | None]] = []
    for step in steps:
        head = (f"  {SYMBOLS[step.action]} {step.title:<{kind_width}}  {step.name:<{name_width}}"
                f"  {LABELS[step.action]}")
        if step.note:
            head += f" ({step.note})"
        lines.append((head.rstrip(), COLORS[step.action]))
        for diff in step.diffs:
            lines.append((f"      {diff.field}: {format_value(diff.old)} -> "
                          f"{format_value(diff.new)}", None))
        if calls and step.changes:
            lines.extend((f"      > {call_line(request.to_dict())}", "dim")
                         for request in step.requests)
    return lines


def call_line(call: dict[str, Any]) -> str:
    """``service:Operation {params}`` (shortened), and what a listing is read for."""
    line = f"{call['call']} {format_value(call['params'])}"
    return f"{line}, then {call['then']}" if "then" in call else line


def _print(env: Environment, text: str, color: str | None) -> None:
    if env.rich_output and env.color and color:
        from rich.text import Text

        env.console().print(Text(printable(text), style=color))
    else:
        env.write(text)


def render_plan(env: Environment, plan: Plan, *, heading: str = "Plan",
                suggest: Suggest = plain_command,
                footer: bool = True) -> None:
    calls = bool(env.verbose)  # -v: the AWS calls each change sends
    if env.output == "json":
        env.write_json(plan.to_dict(calls=calls))
        return
    env.write(f"{heading} for pipeline {plan.pipeline}: {summary(plan)}")
    env.write()
    for line, color in plan_lines(plan, calls=calls):
        _print(env, line, color)
    env.write()
    if not footer:
        return
    if plan.has_changes:
        env.write(f"Apply with `{suggest('create')}` (or `{suggest('update')}`).")
    else:
        env.write("No changes: AWS matches the spec.")


def render_progress(env: Environment, event: Progress) -> None:
    """One line per step as it starts and ends (text output only)."""
    if env.output == "json":
        return
    step = event.step
    if event.done:
        _print(env, f"  {SYMBOLS[step.action]} {PAST.get(step.action, 'done')} {step.title} "
               f"{step.name} ({event.seconds:.1f} s)", COLORS[step.action])
    elif env.verbose:
        env.note(f"  {PRESENT.get(step.action, 'applying')} {step.title} {step.name} ...")


def step_label(step: Step) -> str:
    return f"{step.title} {step.name}"
