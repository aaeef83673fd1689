"""``pipectl update``: converge an existing pipeline to the spec."""

from __future__ import annotations

import click

from pipectl.cli.options import get_app, output_option


@click.command("update")
@output_option
@click.pass_context
def command(ctx: click.Context) -> int:
    """Converge an existing pipeline and its resources to the spec.

    Like `create`, but refuses (exit 3) when the pipeline does not exist yet, so a
    typo in the spec's name cannot create a second pipeline.

    \b
    Example:
      pipectl plan      # see what would change
      pipectl update
    """
    from pipectl.cli.converge import converge

    return converge(get_app(ctx), verb="update", require_pipeline=True)
