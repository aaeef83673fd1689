"""`pipectl list`: every pipeline pipectl manages in the region, one row each."""

from __future__ import annotations

import time

import click

from pipectl.cli.options import get_app, output_option


@click.command("list")
@click.option("--workers", type=click.IntRange(1, 32), default=8, show_default=True,
              help="Pipelines read at once (AWS throttling slows them all down).")
@output_option
@click.pass_context
def command(ctx: click.Context, workers: int) -> int:
    """List every pipeline pipectl manages in the region (it carries pipectl's tag).

    Each row: the latest run's status, revision, duration and age, and the task
    definition revision the ECS service runs with its rollout state. Needs no spec; the
    spec's region is used when the file exists. A pipeline that cannot be read is a row
    with its error (exit 3); the other rows are complete.

    \b
    Example:
      pipectl list
      pipectl list --region eu-west-1 -o json
    """
    from pipectl.aws.pool import ThrottleAwarePool
    from pipectl.errors import ExitStatus
    from pipectl.runs.fleet import list_managed
    from pipectl.ui.list_view import fleet_lines

    app = get_app(ctx)
    region = app.partial_spec().region if app.config_path.exists() else None
    session = app.aws(region)
    report = list_managed(session, session.region, session.account_id(), time.time(),
                          ThrottleAwarePool(workers))
    if app.env.output == "json":
        app.env.write_json(report.to_dict())  # one document: "failed" and each row's error
    else:
        for line in fleet_lines(report):
            app.env.write(line)
        if report.failed:
            app.env.error(f"{len(report.failed)} of {len(report.rows)} pipelines could not "
                          "be read; their rows say why",
                          hint="run `pipectl list` again; throttling or a missing "
                               "permission is the usual cause")
    return ExitStatus.AWS_ERROR if report.failed else ExitStatus.SUCCESS
