"""`pipectl history`: recent runs."""

from __future__ import annotations

import click

from pipectl.cli.options import get_app, output_option


@click.command("history")
@click.option("-n", "--limit", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many runs to show, newest first.")
@output_option
@click.pass_context
def command(ctx: click.Context, limit: int) -> None:
    """List the last runs: id, status, revision, start time and duration.

    \b
    Example:
      pipectl history
      pipectl history -n 30 -o json
    """
    from pipectl.runs.history import history
    from pipectl.ui.status_view import history_lines

    app = get_app(ctx)
    spec = app.partial_spec()
    runs = history(app.aws(spec.region), spec.pipeline, limit, app.clock.wall())
    if app.env.output == "json":
        app.env.write_json({"pipeline": spec.pipeline,
                            "runs": [r.to_dict() for r in runs]})
        return
    for line in history_lines(runs, app.suggest):
        app.env.write(line)
