"""``pipectl create``: create what is missing and converge the rest."""

from __future__ import annotations

import click

from pipectl.cli.options import get_app, output_option


@click.command("create")
@output_option
@click.pass_context
def command(ctx: click.Context) -> int:
    """Create every resource of the pipeline that is missing; converge the rest.

    Safe to re-run at any time: on an up-to-date pipeline it changes nothing, and after
    a failure or Ctrl-C it picks up where it stopped.

    \b
    Example:
      pipectl create
      pipectl -v create    # also prints the AWS calls made, by operation
    """
    from pipectl.cli.converge import converge

    return converge(get_app(ctx), verb="create", require_pipeline=False)
