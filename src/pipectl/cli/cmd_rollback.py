"""`pipectl rollback`: put the ECS service back on its previous task definition revision."""

from __future__ import annotations

import click

from pipectl.cli.cmd_watch import parse_duration
from pipectl.cli.options import get_app, output_option


@click.command("rollback")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--to", "to", default=None, metavar="REVISION",
              help="Go back to this task definition revision (7, web:7 or an ARN).")
@click.option("--timeout", callback=parse_duration, default=None, metavar="DURATION",
              help="Give up waiting for the service to be stable after this long (exit 4).  "
                   "[default: deploy.timeout_minutes]")
@click.option("--interval", type=click.FloatRange(min=0.01), default=None, metavar="SECONDS",
              help="Poll every SECONDS.  [default: adaptive]")
@output_option
@click.pass_context
def command(ctx: click.Context, yes: bool, to: str | None, timeout: float | None,
            interval: float | None) -> None:
    """Put the service back on the revision of its last good deployment and watch it.

    During a deployment: stop it (ECS StopServiceDeployment, ROLLBACK), and ECS goes back
    to the revision the service ran before. After one: the revision of the last service
    deployment that succeeded (never one that failed), named with when it finished.
    Where the endpoint has no service deployments: the revision an older deployment still
    runs, else the newest earlier revision of the family. --to picks one. Asks first
    (--yes to skip; without a terminal --yes is required). Exit 0 once the rollback
    completed, 1 if it failed, 4 on timeout.

    \b
    Example:
      pipectl rollback
      pipectl rollback --to 7 --yes -o json
    """
    from pipectl.errors import Interrupted, RunFailed, WaitTimedOut
    from pipectl.runs.rollback import RolloutDone, apply_rollback, plan_rollback, watch_rollout
    from pipectl.ui.status_view import rollback_question, show_rollout

    app = get_app(ctx)
    env = app.env
    spec = app.partial_spec()
    session = app.aws(spec.region)
    deploy = spec.deploy
    plan = plan_rollback(session, deploy.cluster, deploy.service, deploy.container, to)
    question = rollback_question(plan)
    if not yes and not env.confirm(
            f"{question} [y/N] ", refusal=f"refusing to roll back without confirmation: "
            f"{question}", hint="pass --yes to confirm from a script"):
        env.note("nothing changed")
        return
    started = app.clock.wall()  # compared with ECS's timestamps
    apply_rollback(session, plan)
    if env.output == "json":
        env.write_json({"event": "rollback_started", **plan.to_dict()}, lines=True)
    else:
        env.note(question.replace("Roll back", "rolling back").replace(
            "Stop", "stopping").rstrip("?"))
    wait = timeout if timeout is not None else spec.deploy_timeout_minutes * 60.0
    try:
        for event in watch_rollout(session, plan, since=started, timeout=wait,
                                   interval=interval, clock=app.clock):
            show_rollout(env, event)
            if isinstance(event, RolloutDone):
                if event.ok:
                    return
                if event.outcome == "timed_out":
                    raise WaitTimedOut(event.reason, hint="the rollback goes on in ECS; see "
                                       f"`{app.suggest('status')}`")
                raise RunFailed(event.reason, hint="see the stopped tasks above and "
                                f"`{app.suggest('status')}`")
    except KeyboardInterrupt:
        raise Interrupted("stopped watching the rollback; it goes on in ECS",
                          hint=f"see where it stands with `{app.suggest('status')}`") from None
