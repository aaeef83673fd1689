"""``pipectl plan``: what create/update would change, resource by resource, field by field."""

from __future__ import annotations

import click

from pipectl.cli.options import get_app, output_option
from pipectl.errors import ExitStatus


@click.command("plan")
@click.option(
    "--detailed-exitcode", is_flag=True,
    help="Exit 5 when changes are pending, 0 when none (for drift checks in CI).",
)
@output_option
@click.pass_context
def command(ctx: click.Context, detailed_exitcode: bool) -> int:
    """Show what `create` or `update` would change. Read-only: makes no change in AWS.

    Every resource of the pipeline is listed with what would happen to it (create,
    update, no change) and, for updates, each differing field as `field: old -> new`.
    With -v, each change also lists the AWS calls `create` would send for it.

    \b
    Example:
      pipectl plan
      pipectl plan -v                    # and the calls create would make
      pipectl plan --detailed-exitcode   # exit 5 if AWS differs from the spec
      pipectl plan -o json
    """
    from pipectl.cli.converge import current_plan
    from pipectl.ui.plan_view import render_plan

    app = get_app(ctx)
    _, plan = current_plan(app)
    render_plan(app.env, plan, suggest=app.suggest)
    if detailed_exitcode and plan.has_changes:
        return ExitStatus.CHANGES_PENDING
    return ExitStatus.SUCCESS
