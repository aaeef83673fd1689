"""`pipectl sandbox reset` and `pipectl sandbox fault ...`: requests to the control API of
the running sandbox (the commands that start and stop it are in cmd_sandbox)."""

from __future__ import annotations

from typing import Any

import click

from pipectl.cli.options import AnyCaseChoice, get_app, output_option
from pipectl.ui.environment import Environment


def _request(ctx: click.Context, method: str, path: str,
             body: dict[str, Any] | None = None) -> tuple[Environment, str, Any]:
    """One request to the running sandbox (a clear error when none runs): the environment
    to answer in, the sandbox's URL and its answer."""
    from pipectl.sandbox.process import control, require_running

    env = get_app(ctx).env
    state = require_running(env.environ)
    url = str(state["url"])
    return env, url, control(url, str(state["token"]), method, path, body)


@click.command("reset")
@output_option
@click.pass_context
def reset(ctx: click.Context) -> None:
    """Wipe every resource, run and fault in the sandbox; it keeps running.

    \b
    Example:
      pipectl sandbox reset
    """
    env, url, _ = _request(ctx, "POST", "/_pipectl/reset")
    if env.output == "json":
        env.write_json({"reset": True, "url": url})
    else:
        env.write(f"reset the sandbox at {url}: no resources, runs or faults left")


@click.group("fault")
def fault() -> None:
    """Make the next run fail the way runs fail on AWS, or make the API misbehave.

    \b
    Example:
      pipectl sandbox fault build --phase BUILD
      pipectl sandbox fault deploy
      pipectl sandbox fault api ecs:DescribeServices --throttle --rate 0.5 --seed 1
      pipectl sandbox fault offline --seconds 30
      pipectl sandbox fault list
      pipectl sandbox fault clear
    """


def _send_fault(ctx: click.Context, spec: dict[str, Any]) -> None:
    env, _, armed = _request(ctx, "POST", "/_pipectl/faults", spec)
    if env.output == "json":
        env.write_json(armed)
        return
    shown = {k: v for k, v in armed.items() if v not in ("", None) and k not in ("type", "hits")}
    if shown.get("kind") == "throttle":
        shown.pop("status", None)
    details = ", ".join(f"{k}={v}" for k, v in shown.items())
    kind = str(armed.get("type"))
    article = "an" if kind[:1] in "aeiou" else "a"
    env.write(f"armed {article} {kind} fault: {details}")


@fault.command("build")
@click.option("--phase", default="BUILD", show_default=True,
              type=AnyCaseChoice(["PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD",
                                  "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS"]),
              help="The build phase that fails.")
@click.option("--message", default="", metavar="TEXT",
              help="The error line in the log (default: a realistic one for the phase).")
@click.option("--command", "command_text", default="", metavar="TEXT",
              help="Fail at the first command containing this text.")
@click.option("--project", default="", metavar="NAME", help="Only builds of this project.")
@click.option("--count", type=click.IntRange(1), default=1, show_default=True,
              help="How many builds fail.")
@output_option
@click.pass_context
def fault_build(ctx: click.Context, phase: str, message: str, command_text: str,
                project: str, count: int) -> None:
    """Fail the next build(s) in a phase, with the log line and context AWS would show.

    BUILD defaults to the error of a project without privileged mode: "Cannot connect
    to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"

    \b
    Example:
      pipectl sandbox fault build --phase BUILD
      pipectl sandbox fault build --phase POST_BUILD --message "denied: not authorized"
    """
    _send_fault(ctx, {"type": "build", "phase": phase.upper(), "message": message,
                      "command": command_text, "project": project, "count": count})


@fault.command("deploy")
@click.option("--reason", default="", metavar="TEXT",
              help="The tasks' stoppedReason (default: CannotPullContainerError ...).")
@click.option("--service", default="", metavar="NAME", help="Only deployments of this service.")
@click.option("--count", type=click.IntRange(1), default=1, show_default=True,
              help="How many deployments fail.")
@click.option("--alarm", default="", metavar="NAME",
              help="Instead: the tasks start and this CloudWatch alarm goes into ALARM.")
@output_option
@click.pass_context
def fault_deploy(ctx: click.Context, reason: str, service: str, count: int, alarm: str) -> None:
    """Fail the next deployment: its tasks stop before running, the circuit breaker trips.

    With the breaker's rollback on, ECS rolls back to the previous task definition; the
    pipeline's Deploy action stays InProgress until its DeploymentTimeout, as on AWS.
    With --alarm, the new tasks run and the alarm goes into ALARM mid-rollout: a service
    whose deployment configuration watches that alarm (deploy.alarms) is rolled back.

    \b
    Example:
      pipectl sandbox fault deploy
      pipectl sandbox fault deploy --alarm hello-web-5xx
    """
    _send_fault(ctx, {"type": "deploy", "reason": reason, "service": service, "count": count,
                      "alarm": alarm})


@fault.command("api")
@click.argument("target")
@click.option("--throttle", "kind", flag_value="throttle", default=True,
              help="Answer ThrottlingException (400) [default].")
@click.option("--error", "status", type=click.IntRange(500, 599), default=None,
              help="Answer this 5xx status instead.")
@click.option("--rate", type=click.FloatRange(0, 1, min_open=True), default=1.0,
              show_default=True, help="Fraction of matching calls that fail.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the choice, for repeatable runs.")
@click.option("--count", type=click.IntRange(1), default=None,
              help="Stop after this many failures [default: never].")
@output_option
@click.pass_context
def fault_api(ctx: click.Context, target: str, kind: str, status: int | None, rate: float,
              seed: int, count: int | None) -> None:
    """Throttle or fail (5xx) calls to a service (ecs) or an operation (ecs:DescribeServices).

    \b
    Example:
      pipectl sandbox fault api codepipeline:GetPipelineState --rate 0.3 --seed 7
      pipectl sandbox fault api codebuild --error 503 --count 2
    """
    spec: dict[str, Any] = {"type": "api", "target": target, "rate": rate, "seed": seed,
                            "kind": "error" if status else kind}
    if status:
        spec["status"] = status
    if count:
        spec["count"] = count
    _send_fault(ctx, spec)


@fault.command("offline")
@click.option("--seconds", type=click.FloatRange(0, min_open=True), default=None,
              help="For how long [default: until `fault clear`].")
@output_option
@click.pass_context
def fault_offline(ctx: click.Context, seconds: float | None) -> None:
    """Take the endpoint away: connections are dropped without an answer.

    \b
    Example:
      pipectl sandbox fault offline --seconds 30
    """
    _send_fault(ctx, {"type": "offline", "seconds": seconds or 0})


@fault.command("list")
@output_option
@click.pass_context
def fault_list(ctx: click.Context) -> None:
    """Show the armed faults.

    \b
    Example:
      pipectl sandbox fault list -o json
    """
    env, _, faults = _request(ctx, "GET", "/_pipectl/faults")
    if env.output == "json":
        env.write_json(faults)
        return
    lines = [f"build: phase {f['phase']} x{f['count']}" for f in faults["build"]]
    lines += [f"deploy: {f['service'] or 'any service'} x{f['count']}"
              + (f" (alarm {f['alarm']})" if f.get("alarm") else "") for f in faults["deploy"]]
    lines += [f"api: {f['target']} {f['kind']} rate {f['rate']}" for f in faults["api"]]
    if faults.get("offline"):
        lines.append(f"offline: {faults['offline']}")
    env.write("\n".join(lines) if lines else "no faults armed")


@fault.command("clear")
@output_option
@click.pass_context
def fault_clear(ctx: click.Context) -> None:
    """Disarm every fault (and bring an offline endpoint back).

    \b
    Example:
      pipectl sandbox fault clear
    """
    env, _, _ = _request(ctx, "DELETE", "/_pipectl/faults")
    if env.output == "json":
        env.write_json({"cleared": True})
    else:
        env.write("no faults armed")
