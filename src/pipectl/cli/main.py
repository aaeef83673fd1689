"""The ``pipectl`` entry point: global options, lazy commands, the one error boundary.

Commands live one per module (``cmd_<name>.py``) and are imported only when run,
so ``pipectl --help`` stays fast and never imports boto3.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import click

from pipectl import __version__
from pipectl.errors import ExitStatus, PipectlError, SpecError
from pipectl.ui.environment import Environment

# name -> (module, one-line help). The help is here so that listing commands imports none.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("pipectl.cli.cmd_init", "Scaffold spec, task definition, buildspec, Dockerfile."),
    "validate": ("pipectl.cli.cmd_validate", "Check spec, buildspec and task definition offline."),
    "schema": ("pipectl.cli.cmd_schema", "Print the JSON Schema of the spec (for editors)."),
    "plan": ("pipectl.cli.cmd_plan", "Show what create/update would change, field by field."),
    "create": ("pipectl.cli.cmd_create", "Create what is missing and converge the rest."),
    "update": ("pipectl.cli.cmd_update", "Converge an existing pipeline to the spec."),
    "destroy": ("pipectl.cli.cmd_destroy", "Delete what pipectl created for this pipeline."),
    "run": ("pipectl.cli.cmd_run", "Start a pipeline run; --watch follows it to the end."),
    "watch": ("pipectl.cli.cmd_watch", "Follow a run live (default: the latest)."),
    "status": ("pipectl.cli.cmd_status", "Stages, latest run, ECS service and its URL."),
    "history": ("pipectl.cli.cmd_history", "Recent runs."),
    "logs": ("pipectl.cli.cmd_logs", "CodeBuild logs of a build (default: the latest)."),
    "stop": ("pipectl.cli.cmd_stop", "Stop the running execution."),
    "retry": ("pipectl.cli.cmd_retry", "Retry the failed stage (failed actions only)."),
    "rollback": ("pipectl.cli.cmd_rollback", "Put the service back on its previous revision."),
    "build": ("pipectl.cli.cmd_build", "Run the buildspec's phases on this machine (--local)."),
    "sandbox": ("pipectl.cli.cmd_sandbox", "A local AWS endpoint where pipelines really run."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        command: click.Command = module.command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, summary) for name, (_, summary) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and name not in COMMANDS and not name.startswith("-"):
            import difflib

            close = difflib.get_close_matches(name, list(COMMANDS), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise click.UsageError(f"No such command '{name}'.{hint}", ctx)
        return super().resolve_command(ctx, args)


CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.option(
    "-c", "--config", "config", type=click.Path(dir_okay=False, path_type=Path),
    envvar="PIPECTL_CONFIG", default=None,
    help="The pipeline spec.  [default: config/pipeline.yml; env PIPECTL_CONFIG]",
)
@click.option("--profile", envvar="AWS_PROFILE", help="AWS profile.  [env AWS_PROFILE]")
@click.option("--region", envvar="AWS_REGION", help="AWS region.  [env AWS_REGION]")
@click.option(
    "--endpoint-url", envvar="AWS_ENDPOINT_URL", metavar="URL",
    help="Send every AWS call to this endpoint.  [env AWS_ENDPOINT_URL]",
)
@click.option(
    "--sandbox", is_flag=True, envvar="PIPECTL_SANDBOX",
    help="Use the local sandbox started by `pipectl sandbox start` (dummy credentials).",
)
@click.option(
    "-o", "--output", type=click.Choice(["text", "json"]), default=None,
    help="Output format.  [default: text]",
)
@click.option("--no-color", is_flag=True, help="No colours (also: NO_COLOR).")
@click.option("-v", "--verbose", count=True, help="More detail; shows the AWS calls made.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(__version__, "--version", prog_name="pipectl", message="%(prog)s %(version)s")
@click.pass_context
def cli(
    ctx: click.Context,
    config: Path | None,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    sandbox: bool,
    output: str | None,
    no_color: bool,
    verbose: int,
    debug: bool,
) -> None:
    """Create, run and watch a CodeBuild -> ECS pipeline on AWS CodePipeline.

    \b
    Example:
      pipectl validate
      pipectl create
      pipectl run --watch
      pipectl status
    """
    from pipectl.cli.context import AppContext

    env: Environment = ctx.obj
    if output:
        env.output = output  # type: ignore[assignment]
    if no_color:
        env.color = False
    env.verbose = verbose
    env.debug = debug
    ctx.obj = AppContext.build(
        env=env,
        config=config,
        profile=profile,
        region=region,
        endpoint_url=endpoint_url,
        sandbox=sandbox,
    )


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Run pipectl; every exception becomes an exit code here and nowhere else."""
    env = env or Environment()
    args = list(sys.argv[1:] if argv is None else argv)
    app: dict[str, Any] = {}
    try:
        # click writes --help, --version and prompts to sys.stdout: point it at env's.
        with redirect_stdout(env.stdout), redirect_stderr(env.stderr), cli.make_context(
            "pipectl", args, obj=env
        ) as ctx:
            app["ctx"] = ctx
            result = cli.invoke(ctx)
        return int(result) if isinstance(result, int) else ExitStatus.SUCCESS
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        env.error("interrupted")
        return ExitStatus.INTERRUPTED
    except click.ClickException as exc:
        _report_usage(env, exc)
        return ExitStatus.INVALID_INPUT
    except KeyboardInterrupt:
        env.error("interrupted")
        return ExitStatus.INTERRUPTED
    except PipectlError as exc:
        _report(env, exc)
        return exc.exit_status
    except Exception as exc:
        from pipectl.aws.errors import is_botocore_error, translate

        if is_botocore_error(exc):
            err = translate(exc)
            _report(env, err, cause=exc)
            return err.exit_status
        if env.debug:
            traceback.print_exc(file=env.stderr)
        env.error(
            f"internal error: {type(exc).__name__}: {exc}",
            hint="this is a bug in pipectl; re-run with --debug and report the traceback",
        )
        return ExitStatus.INTERNAL_ERROR
    finally:
        _report_calls(env, app)


def _report_usage(env: Environment, exc: click.ClickException) -> None:
    ctx = getattr(exc, "ctx", None)
    if ctx is not None and getattr(exc, "cmd", None) is None:
        env.stderr.write(ctx.get_usage() + "\n")
    env.error(exc.format_message(), hint="see `pipectl --help` or `pipectl COMMAND --help`")


def _report(env: Environment, exc: PipectlError, cause: BaseException | None = None) -> None:
    if env.debug:
        traceback.print_exception(cause or exc, file=env.stderr)
    if isinstance(exc, SpecError):
        for finding in exc.findings:
            if finding.severity == "error":
                env.error(str(finding), finding.hint)
    else:
        env.error(exc.message, exc.hint)
    if env.output == "json":
        env.write_json({"ok": False, "exit_code": int(exc.exit_status), "error": _error_dict(exc)})


def _error_dict(exc: PipectlError) -> dict[str, Any]:
    data: dict[str, Any] = {"type": type(exc).__name__, "message": exc.message, "hint": exc.hint}
    if isinstance(exc, SpecError):
        data["findings"] = [f.to_dict() for f in exc.findings]
    for attr in ("operation", "resource", "code"):
        if getattr(exc, attr, None):
            data[attr] = getattr(exc, attr)
    return data


def _report_calls(env: Environment, app: dict[str, Any]) -> None:
    ctx = app.get("ctx")
    obj = getattr(ctx, "obj", None)
    session = getattr(obj, "aws_session", None)
    if not env.verbose or session is None or not session.counter.total:
        return
    counts = session.counter.counts
    env.note(f"AWS calls: {session.counter.total}")
    for key, n in sorted(counts.items()):
        env.note(f"  {key} {n}")


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
