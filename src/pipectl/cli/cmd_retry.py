"""`pipectl retry [EXECUTION_ID]`: retry the failed stage's failed actions."""

from __future__ import annotations

import click

from pipectl.cli.cmd_watch import follow_run, watch_options
from pipectl.cli.options import get_app, output_option


@click.command("retry")
@click.argument("execution_id", required=False)
@click.option("--watch", "-w", "watch", is_flag=True, help="Follow the run to its end.")
@watch_options
@output_option
@click.pass_context
def command(ctx: click.Context, execution_id: str | None, watch: bool, timeout: float | None,
            interval: float | None, show_logs: bool) -> None:
    """Retry the failed stage of a run (default: the latest), failed actions only.

    Exit 3 when the run has no failed stage; with --watch, the exit codes of watch.

    \b
    Example:
      pipectl retry --watch
      pipectl retry 3f0c2d1e-7c1b-4a51-9d0e-2b6f0f1f7a10
    """
    from pipectl.runs.control import retry_failed_stage

    app = get_app(ctx)
    if not watch and (timeout or interval or show_logs):
        raise click.UsageError("--timeout, --interval and --logs need --watch")
    spec = app.partial_spec()
    retried = retry_failed_stage(app.aws(spec.region), spec.pipeline, execution_id)
    env = app.env
    if env.output == "json":
        env.write_json({"event": "retried", "pipeline": retried.pipeline,
                        "execution_id": retried.execution_id, "stage": retried.stage,
                        "actions": list(retried.actions)}, lines=watch)
    else:
        actions = ", ".join(retried.actions) or "its failed actions"
        message = f"retrying stage {retried.stage} ({actions}) of run {retried.execution_id}"
        if watch:
            env.note(message)
        else:
            env.write(message)
    if watch:
        follow_run(app, retried.execution_id, timeout=timeout, interval=interval,
                   show_logs=show_logs)
