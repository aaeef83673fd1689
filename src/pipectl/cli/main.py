"""The ``pipectl`` entry point and the one error boundary.

This module imports nothing heavy: ``pipectl``, ``--help``, ``-h`` and ``--version`` are
answered from :mod:`pipectl.cli.fast_help` without importing click. Everything else goes
through the click group (:mod:`pipectl.cli.group`), whose commands are imported only
when run, so no command's help ever imports boto3.
"""

from __future__ import annotations

import os
import sys

from pipectl.cli.commands import COMMANDS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    import click

    from pipectl.errors import PipectlError
    from pipectl.ui.environment import Environment

__all__ = ["COMMANDS", "main", "run"]


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Run pipectl; every exception becomes an exit code here and nowhere else."""
    from pipectl.cli.fast_help import fast_answer

    args = list(sys.argv[1:] if argv is None else argv)
    answer = fast_answer(args)
    if answer is not None:
        code, text, to_stderr = answer
        stream = (env.stderr if to_stderr else env.stdout) if env is not None else (
            sys.stderr if to_stderr else sys.stdout)
        try:
            stream.write(text)
            stream.flush()
        except BrokenPipeError:  # `pipectl --help | head -1`: stop quietly, as SIGPIPE would
            _silence(stream)
            return 141
        return code
    return run(args, env)


def _silence(stream: Any) -> None:
    """Point a stream whose reader left at /dev/null, so the flush at exit stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass


def run(args: list[str], env: Environment | None = None) -> int:
    """Parse ``args`` with click and run the command: the error boundary."""
    from contextlib import redirect_stderr, redirect_stdout

    import click

    from pipectl.cli.argv import command_name, hoist_global_options, requested_output
    from pipectl.cli.commands import MUTATING_COMMANDS
    from pipectl.cli.group import cli, command_options
    from pipectl.errors import ExitStatus, PipectlError
    from pipectl.ui.environment import Environment
    from pipectl.ui.streams import EXIT_STDOUT_CLOSED, StdoutClosed

    env = env or Environment()
    app: dict[str, Any] = {}
    # Known before click parses anything, so that a usage error is JSON too.
    env.output = requested_output(args) or env.output  # type: ignore[assignment]
    if command_name(args) in MUTATING_COMMANDS:
        env.finish_without_stdout()
    try:
        args = hoist_global_options(args, command_options)
        # click writes --help, --version and prompts to sys.stdout: point it at env's.
        with redirect_stdout(env.stdout), redirect_stderr(env.stderr), cli.make_context(
            "pipectl", args, obj=env
        ) as ctx:
            app["ctx"] = ctx
            result = cli.invoke(ctx)
        return int(result) if isinstance(result, int) else ExitStatus.SUCCESS
    except StdoutClosed:
        return EXIT_STDOUT_CLOSED
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.NoArgsIsHelpError as exc:
        # A group run without a command (`pipectl sandbox`): its help, as click prints it.
        env.stderr.write(exc.format_message() + "\n")
        env.stderr.flush()
        _report_json(env, ExitStatus.INVALID_INPUT, "UsageError", exc.format_message(), None)
        return ExitStatus.INVALID_INPUT
    except click.ClickException as exc:
        _report_usage(env, exc)
        return ExitStatus.INVALID_INPUT
    except (KeyboardInterrupt, click.exceptions.Abort):
        env.error("interrupted")
        _report_json(env, ExitStatus.INTERRUPTED, "Interrupted", "interrupted", None)
        return ExitStatus.INTERRUPTED
    except PipectlError as exc:
        _with_global_options(exc, app)
        _report(env, exc)
        return exc.exit_status
    except Exception as exc:
        from pipectl.aws.errors import is_botocore_error, translate

        if is_botocore_error(exc):
            err = translate(exc)
            _report(env, err, cause=exc)
            return err.exit_status
        if env.debug:
            import traceback

            traceback.print_exc(file=env.stderr)
        message = f"internal error: {type(exc).__name__}: {exc}"
        hint = "this is a bug in pipectl; re-run with --debug and report the traceback"
        env.error(message, hint=hint)
        _report_json(env, ExitStatus.INTERNAL_ERROR, "InternalError", message, hint)
        return ExitStatus.INTERNAL_ERROR
    finally:
        _report_calls(env, app)


def _with_global_options(exc: PipectlError, app: dict[str, Any]) -> None:
    """The commands an error suggests (`pipectl update`), with the global options in
    effect (`pipectl --sandbox update`): domain code names commands, not options."""
    from pipectl.cli.context import AppContext, with_global_options

    obj = getattr(app.get("ctx"), "obj", None)
    if isinstance(obj, AppContext) and exc.hint:
        exc.hint = with_global_options(exc.hint, obj.where_args)


def _report_usage(env: Environment, exc: click.ClickException) -> None:
    from pipectl.errors import ExitStatus

    ctx = getattr(exc, "ctx", None)
    if ctx is not None and getattr(exc, "cmd", None) is None:
        env.stderr.write(ctx.get_usage() + "\n")
    hint = "see `pipectl --help` or `pipectl COMMAND --help`"
    env.error(exc.format_message(), hint=hint)
    _report_json(env, ExitStatus.INVALID_INPUT, "UsageError", exc.format_message(), hint)


def _report_json(env: Environment, status: int, kind: str, message: str,
                 hint: str | None) -> None:
    """A failure that is no PipectlError, as :func:`_error_dict` shapes one: ``kind`` is
    the type, and in kebab case the code."""
    _write_error_json(env, status, {"type": kind, "code": _kebab(kind), "message": message,
                                    "hint": hint})


def _write_error_json(env: Environment, status: int, error: dict[str, Any]) -> None:
    """With ``-o json``, every failure is also one JSON object on stdout."""
    from contextlib import suppress

    from pipectl.ui.streams import StdoutClosed

    if env.output != "json":
        return
    with suppress(StdoutClosed):
        env.write_json({"ok": False, "exit_code": int(status), "error": error})


def _report(env: Environment, exc: PipectlError, cause: BaseException | None = None) -> None:
    from pipectl.errors import SpecError

    if env.debug:
        import traceback

        traceback.print_exception(cause or exc, file=env.stderr)
    if isinstance(exc, SpecError):
        for finding in exc.findings:
            if finding.severity == "error":
                env.error(str(finding), finding.hint)
    else:
        env.error(exc.message, exc.hint)
    _write_error_json(env, exc.exit_status, _error_dict(exc))


def _error_dict(exc: PipectlError) -> dict[str, Any]:
    """``code`` is AWS's error code when AWS gave one, else pipectl's kind of error."""

    from pipectl.errors import SpecError

    data: dict[str, Any] = {"type": type(exc).__name__, "code": _kebab(type(exc).__name__),
                            "message": exc.message,
                            "hint": exc.hint}
    if isinstance(exc, SpecError):
        data["findings"] = [f.to_dict() for f in exc.findings]
    for attr in ("operation", "resource", "code"):
        if getattr(exc, attr, None):
            data[attr] = getattr(exc, attr)
    return data


def _kebab(name: str) -> str:
    """``InvalidInput`` -> ``invalid-input``."""
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


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
