"""`pipectl stop [EXECUTION_ID]`: stop a run."""

from __future__ import annotations

import click

from pipectl.cli.options import get_app, output_option


@click.command("stop")
@click.argument("execution_id", required=False)
@click.option("--abandon", is_flag=True,
              help="Stop at once, abandoning actions in progress (default: let them finish).")
@click.option("--reason", metavar="TEXT", help="Why (recorded with the run).")
@output_option
@click.pass_context
def command(ctx: click.Context, execution_id: str | None, abandon: bool,
            reason: str | None) -> None:
    """Stop a run (default: the newest run in progress).

    Without --abandon, actions in progress finish first and the run ends Stopped; with
    --abandon they are abandoned at once. Exit 3 when no run is in progress, or the run
    named has already ended.

    \b
    Example:
      pipectl stop
      pipectl stop --abandon --reason "bad commit"
    """
    from pipectl.runs.control import stop_run

    app = get_app(ctx)
    spec = app.partial_spec()
    stopped = stop_run(app.aws(spec.region), spec.pipeline, execution_id,
                       abandon=abandon, reason=reason)
    if app.env.output == "json":
        app.env.write_json({"pipeline": stopped.pipeline, "execution_id": stopped.execution_id,
                            "abandon": stopped.abandon, "reason": stopped.reason,
                            "status": "Stopping"})
        return
    how = "abandoning actions in progress" if abandon else "after the actions in progress"
    app.env.write(f"stopping run {stopped.execution_id} of {stopped.pipeline} ({how})")
    app.env.note(f"follow it with `{app.suggest(f'watch {stopped.execution_id}')}`")
