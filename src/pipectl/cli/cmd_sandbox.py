"""`pipectl sandbox start|stop|status`: the local AWS endpoint where runs run, as a process
in the background; `reset` and `fault` talk to it (cmd_sandbox_control)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from pipectl.cli.cmd_sandbox_control import fault, reset
from pipectl.cli.options import get_app, output_option
from pipectl.errors import ExitStatus

SPEED_HELP = "demo (a run takes ~25 s), fast (~5 s), test (~1 s), real (~50 s), or a time scale"


@click.group("sandbox")
def command() -> None:
    """A local AWS endpoint (moto plus a run engine) where pipelines really run.

    Runs go through Source, Build (CodeBuild phases, logs, an image in ECR) and Deploy
    (a new task definition rolling out on ECS) over time, with no AWS account. The
    sandbox listens on 127.0.0.1 only and stops by itself when left idle.

    \b
    Example:
      pipectl sandbox start
      pipectl --sandbox create
      pipectl --sandbox run --watch
      pipectl sandbox fault build --phase BUILD
      pipectl sandbox stop
    """


command.add_command(reset)
command.add_command(fault)


def _counted(n: object, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _speed_words(scale: float) -> str:
    from pipectl.sandbox.process import SPEEDS

    named = {v: k for k, v in SPEEDS.items()}.get(scale)
    seconds = 50 * scale
    pace = f"a run takes about {seconds:.0f} s" if seconds >= 1 else "a run takes under a second"
    return f"speed {named}: {pace}" if named else f"time scale {scale}: {pace}"


def _running_at(state: dict[str, Any]) -> str:
    """What start and status say of a running sandbox: where, which process, how fast."""
    return (f"sandbox running at {state['url']} (pid {state.get('pid')}, "
            f"{_speed_words(float(state.get('time_scale', 0.5)))})")


#: start's options -> the sandbox settings they set.
_GIVEN_SETTINGS = {"port": "port", "host": "host", "speed": "time_scale",
                   "idle_timeout": "idle_timeout"}


@command.command("start")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Loopback address to bind; anything else is refused.")
@click.option("--speed", default="demo", show_default=True, metavar="SPEED", help=SPEED_HELP)
@click.option("--idle-timeout", default="2h", show_default=True, metavar="DURATION",
              help="Stop after this long without a request (e.g. 30m, 2h).")
@click.option("--source-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where builds read the buildspec the project names [default: here].")
@click.option("--restart", is_flag=True,
              help="Replace a running sandbox whose settings differ from the ones given.")
@output_option
@click.pass_context
def start(ctx: click.Context, port: int, host: str, speed: str, idle_timeout: str,
          source_dir: Path | None, restart: bool) -> None:
    """Start the sandbox in the background and print the variables to use it.

    The `export` lines go to stdout, so `eval "$(pipectl sandbox start)"` points every
    AWS tool of the shell at the sandbox; `pipectl --sandbox ...` finds it by itself.
    A second start while one runs prints the running one; if --speed, --port, --host
    or --idle-timeout differ from it, it says so and exits 2, unless --restart.

    \b
    Example:
      pipectl sandbox start
      pipectl sandbox start --speed fast --port 4599
      eval "$(pipectl sandbox start)"
    """
    from pipectl.sandbox.process import (
        parse_duration,
        parse_speed,
        sandbox_environment,
        start_detached,
    )

    app = get_app(ctx)
    env = app.env
    result = start_detached(
        env.environ, host=host, port=port, time_scale=parse_speed(speed),
        idle_timeout=parse_duration(idle_timeout),
        source_dir=(source_dir or Path.cwd()).resolve(),
        given=frozenset(_GIVEN_SETTINGS[name] for name in _GIVEN_SETTINGS
                        if ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE),
        restart=restart,
    )
    state = result.state
    url = str(state["url"])
    environment = sandbox_environment(url, str(state["token"]))
    if env.output == "json":
        env.write_json({
            "running": True, "already_running": result.already_running, "url": url,
            "pid": state.get("pid"), "time_scale": state.get("time_scale"),
            "idle_timeout": state.get("idle_timeout"), "log": state.get("log"),
            "environment": environment,
        })
        return
    if result.already_running:
        env.note(f"a sandbox is already running at {url} (pid {state.get('pid')})")
    else:
        env.note(_running_at(state))
    for key, value in environment.items():
        env.write(f"export {key}={value}")
    env.note("use it with `pipectl --sandbox ...`, or run the export lines above "
             "to point any AWS tool at it")
    env.note(f"it stops after {idle_timeout} without requests; `pipectl sandbox stop` "
             "ends it now")


@command.command("stop")
@output_option
@click.pass_context
def stop(ctx: click.Context) -> None:
    """Stop the running sandbox (its state is gone with it).

    \b
    Example:
      pipectl sandbox stop
    """
    from pipectl.sandbox.process import stop as stop_sandbox

    env = get_app(ctx).env
    state = stop_sandbox(env.environ)
    if env.output == "json":
        env.write_json({"stopped": state is not None,
                        "url": state.get("url") if state else None})
        return
    if state is None:
        env.write("no sandbox is running")
    else:
        env.write(f"stopped the sandbox at {state.get('url')} (pid {state.get('pid')})")


@command.command("status")
@output_option
@click.pass_context
def status(ctx: click.Context) -> int:
    """Say whether the sandbox runs, and where (exit 3 when none runs).

    \b
    Example:
      pipectl sandbox status
      pipectl sandbox status -o json
    """
    from pipectl.sandbox.process import health
    from pipectl.sandbox.state import running_state

    env = get_app(ctx).env
    state = running_state(env.environ)
    answer: dict[str, Any] = {"running": state is not None}
    if state is not None:
        live = health(str(state["url"]), str(state["token"]))
        answer.update({
            "url": state.get("url"), "pid": state.get("pid"),
            "time_scale": state.get("time_scale"), "started_at": state.get("started_at"),
            "idle_timeout": state.get("idle_timeout"), "log": state.get("log"),
            "answering": live is not None,
            "executions": (live or {}).get("executions"), "builds": (live or {}).get("builds"),
            # Each one failed a build, rollout or action with its message; the log has more.
            "engine_errors": (live or {}).get("error_count"),
        })
    # None running: nothing to act on, exit 3 (as `systemctl status` says 3).
    if env.output == "json":
        env.write_json(answer)
        return ExitStatus.SUCCESS if state is not None else ExitStatus.AWS_ERROR
    if state is None:
        env.write("no sandbox is running (start one with `pipectl sandbox start`)")
        return ExitStatus.AWS_ERROR
    env.write(_running_at(state))
    env.write(f"  since {state.get('started_at')}; "
              f"{_counted(answer['executions'], 'run') if answer['answering'] else '? runs'}, "
              f"{_counted(answer['builds'], 'build') if answer['answering'] else '? builds'}")
    if not answer["answering"]:
        env.note("it does not answer right now (an `offline` fault?)")
    elif answer["engine_errors"]:
        env.write(f"  {_counted(answer['engine_errors'], 'engine error')} (each failed the "
                  "build, deployment or action it happened in; tracebacks in the log)")
    env.write(f"  log: {state.get('log')}")
    return ExitStatus.SUCCESS
