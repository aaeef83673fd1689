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
        stream.write(text)
        stream.flush()
        return code
    return run(args, env)


def run(args: list[str], env: Environment | None = None) -> int:
    """Parse ``args`` with click and run the command: the error boundary."""
    from contextlib import redirect_stderr, redirect_stdout

    import click

    from pipectl.cli.group import cli
    from pipectl.errors import ExitStatus, PipectlError
    from pipectl.ui.environment import Environment

    env = env or Environment()
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
    except click.exceptions.NoArgsIsHelpError as exc:
        # A group run without a command (`pipectl sandbox`): its help, as click prints it.
        env.stderr.write(exc.format_message() + "\n")
        env.stderr.flush()
        return ExitStatus.INVALID_INPUT
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
            import traceback

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
    if env.output == "json":
        env.write_json({"ok": False, "exit_code": int(exc.exit_status), "error": _error_dict(exc)})


def _error_dict(exc: PipectlError) -> dict[str, Any]:
    from pipectl.errors import SpecError

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
