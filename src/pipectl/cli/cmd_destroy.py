"""``pipectl destroy``: delete what pipectl created for this pipeline."""

from __future__ import annotations

import click

from pipectl.cli.options import get_app, output_option
from pipectl.errors import ExitStatus


@click.command("destroy")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", is_flag=True,
              help="Also delete the artifact bucket and the ECR repository when they hold data.")
@click.option("--include-adopted", is_flag=True,
              help="Also delete resources pipectl adopted (that existed before it managed "
                   "them, e.g. after `pipectl import`).")
@output_option
@click.pass_context
def command(ctx: click.Context, yes: bool, force: bool, include_adopted: bool) -> int:
    """Delete the pipeline and the resources pipectl created for it.

    Deletes in reverse dependency order, and only resources tagged
    pipectl:pipeline=<name>. Resources pipectl adopted (tagged pipectl:adopted: they
    existed before pipectl managed them) are kept unless --include-adopted. The
    artifact bucket and the ECR repository are kept while they hold objects or images,
    unless --force. Asks first; without a terminal it refuses unless --yes.

    \b
    Example:
      pipectl destroy
      pipectl destroy --yes --force   # in scripts: no question, bucket and images too
    """
    from pipectl.cli.converge import apply, load
    from pipectl.plan.destroy import destroy_plan
    from pipectl.plan.model import Action
    from pipectl.ui.plan_view import render_plan

    app = get_app(ctx)
    env = app.env
    loaded = load(app)
    plan = destroy_plan(loaded.aws, loaded.state, force=force,
                        include_adopted=include_adopted)
    kept = [s for s in plan.steps if s.action is Action.KEEP]
    if not plan.has_changes:
        if env.output == "json":
            env.write_json({"ok": True, "pipeline": plan.pipeline, "applied": [],
                            "plan": plan.to_dict()})
        else:
            env.write(f"Nothing to delete for pipeline {plan.pipeline}.")
            for step in kept:
                env.write(f"  kept {step.title} {step.name}: {step.note}")
        return ExitStatus.SUCCESS
    if env.output != "json":
        render_plan(env, plan, heading="Destroy", footer=False)
    if not yes and not env.confirm(
            f"Delete {len(plan.pending)} resources of pipeline {plan.pipeline}? "
            "Type 'yes' to confirm: ",
            refusal="destroy deletes resources and needs a confirmation, but there is no "
            "terminal to ask on", hint="pass --yes to confirm in scripts"):
        env.note("Cancelled: nothing was deleted.")
        return ExitStatus.SUCCESS
    code = apply(app, loaded, plan, verb="destroy")
    if env.output != "json":
        for step in kept:
            env.write(f"Kept {step.title} {step.name}: {step.note}.")
    return code
