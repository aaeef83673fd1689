"""`pipectl status`: stages, the latest run, the ECS service and where it answers."""

from __future__ import annotations

import click

from pipectl.cli.options import get_app, output_option


@click.command("status")
@output_option
@click.pass_context
def command(ctx: click.Context) -> None:
    """Show every stage and action, the latest run, the ECS service and its URL.

    The URL is a running task's public IP with deploy's port, or the load balancer's
    DNS name when the service sits behind one.

    \b
    Example:
      pipectl status
      pipectl status -o json
    """
    from pipectl.runs.status import gather_status
    from pipectl.ui.status_view import status_lines

    app = get_app(ctx)
    spec = app.partial_spec()
    deploy = spec.deploy
    report = gather_status(app.aws(spec.region), spec.pipeline, deploy.cluster, deploy.service,
                           container=deploy.container, port=spec.port, now=app.clock.wall())
    if app.env.output == "json":
        app.env.write_json(report.to_dict())
        return
    for line in status_lines(report, app.suggest):
        app.env.write(line)
