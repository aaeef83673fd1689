"""`pipectl watch [EXECUTION_ID]`: follow a run live (default: the latest)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pipectl.cli.context import AppContext
from pipectl.cli.options import get_app, output_option

if TYPE_CHECKING:
    from pipectl.runs.model import WatchEvent

F = TypeVar("F", bound=Callable[..., Any])
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$", re.I)


def parse_duration(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """``90``, ``90s``, ``15m``, ``1h`` -> seconds."""
    if value is None:
        return None
    match = _DURATION.match(value)
    if not match or float(match.group(1)) <= 0:
        raise click.BadParameter(f"{value!r} is not a duration (for example 90s, 15m, 1h)",
                                 ctx=ctx, param=param)
    unit = (match.group(2) or "s").lower()
    return float(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[unit]


def watch_options(func: F) -> F:
    """--timeout, --interval and --logs, shared by run, watch and retry."""
    func = click.option("--logs", "show_logs", is_flag=True,
                        help="Show the build's last log lines while it runs.")(func)
    func = click.option("--interval", type=click.FloatRange(min=0.01), default=None,
                        metavar="SECONDS",
                        help="Poll every SECONDS.  [default: adaptive: 2s at first, about "
                             "5s while the run moves, up to 15s on long quiet phases]")(func)
    func = click.option("--timeout", callback=parse_duration, default=None, metavar="DURATION",
                        help="Give up waiting after this long (exit 4); the run goes on.  "
                             "[default: wait for the end]")(func)
    return func


def follow_run(app: AppContext, execution_id: str, *, timeout: float | None,
               interval: float | None, show_logs: bool,
               summary: dict[str, Any] | None = None) -> None:
    """Watch one execution to its end and turn the verdict into the exit status.
    ``summary``: the execution's ListPipelineExecutions summary, when already read."""
    from pipectl.aws.errors import is_botocore_error, translate
    from pipectl.errors import AwsError
    from pipectl.runs.exit_status import interrupted, lost_watch, reattach_command, verdict_error
    from pipectl.runs.model import ServiceTarget
    from pipectl.runs.watch import RunWatcher, WatchOptions
    from pipectl.ui.run_view import follow, make_view

    spec = app.partial_spec()
    session = app.aws(spec.region)
    deploy = spec.deploy
    options = WatchOptions(
        timeout=timeout, interval=interval, logs=show_logs,
        target=ServiceTarget(deploy.cluster, deploy.service, deploy.container, spec.port),
    )
    view = make_view(app.env, show_logs=show_logs)
    reattach = reattach_command(execution_id, app.suggest)
    try:
        events = RunWatcher(session, spec.pipeline, execution_id, options=options,
                            clock=app.clock, summary=summary)
        result = follow(view, _hints_with_global_options(events, app))
    except KeyboardInterrupt:
        raise interrupted(execution_id, reattach) from None
    except AwsError as exc:
        lost_watch(exc, execution_id, reattach)
        raise
    except Exception as exc:
        if not is_botocore_error(exc):
            raise
        translated = translate(exc)
        if not isinstance(translated, AwsError):
            raise translated from exc
        raise lost_watch(translated, execution_id, reattach) from exc
    error = verdict_error(result, reattach, app.suggest)
    if error is not None:
        raise error


def _hints_with_global_options(events: Iterable[WatchEvent], app: AppContext
                               ) -> Iterator[WatchEvent]:
    """The verdict's hint (`pipectl update`) with the global options in effect."""
    from dataclasses import replace

    from pipectl.cli.context import with_global_options
    from pipectl.runs.model import Finished

    for event in events:
        diagnosis = event.result.diagnosis if isinstance(event, Finished) else None
        if isinstance(event, Finished) and diagnosis is not None and diagnosis.hint:
            hint = with_global_options(diagnosis.hint, app.where_args)
            event = replace(event, result=replace(event.result,
                                                  diagnosis=replace(diagnosis, hint=hint)))
        yield event


@click.command("watch")
@click.argument("execution_id", required=False)
@watch_options
@output_option
@click.pass_context
def command(ctx: click.Context, execution_id: str | None, timeout: float | None,
            interval: float | None, show_logs: bool) -> None:
    """Follow a run live until it ends (default: the latest run).

    Attaches to a running or finished run. Exit 0 only when the pipeline succeeded and
    the new ECS deployment completed; 1 when the run failed, was stopped, superseded or
    rolled back; 4 on --timeout; 130 on Ctrl-C (the run goes on).

    \b
    Example:
      pipectl watch
      pipectl watch 3f0c2d1e-7c1b-4a51-9d0e-2b6f0f1f7a10 --logs
      pipectl watch --timeout 20m -o json
    """
    from pipectl.runs.reads.codepipeline import find_execution

    app = get_app(ctx)
    spec = app.partial_spec()
    latest = None
    if execution_id is None:
        latest = find_execution(app.aws(spec.region), spec.pipeline, None)
        execution_id = str(latest["pipelineExecutionId"])
    follow_run(app, execution_id, timeout=timeout, interval=interval, show_logs=show_logs,
               summary=latest)
