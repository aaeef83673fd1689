"""`pipectl logs [BUILD_ID]`: a build's CloudWatch logs."""

from __future__ import annotations

import click

from pipectl.cli.options import get_app, output_option


@click.command("logs")
@click.argument("build_id", required=False)
@click.option("-f", "--follow", is_flag=True, help="Keep reading until the build ends.")
@click.option("--interval", type=click.FloatRange(min=0.01), default=2.0, show_default=True,
              metavar="SECONDS", help="With --follow: how often to look for new lines.")
@output_option
@click.pass_context
def command(ctx: click.Context, build_id: str | None, follow: bool, interval: float) -> None:
    """Print a CodeBuild build's logs (default: the project's latest build).

    BUILD_ID is `project:uuid` as CodeBuild names it, or just the uuid part.

    \b
    Example:
      pipectl logs
      pipectl logs --follow
      pipectl logs hello-web-build:1b0f8f55-2d5c-4e35-9a4e-0f5f3b6c2d11
    """
    from pipectl.errors import Interrupted
    from pipectl.runs.logs import read_logs, resolve_build

    app = get_app(ctx)
    spec = app.partial_spec()
    session = app.aws(spec.region)
    build = resolve_build(session, spec.project, build_id)
    env = app.env
    if env.output != "json":
        env.note(f"build {build.build_id} ({build.status})")
    try:
        for line in read_logs(session, build, follow=follow, interval=interval,
                              sleep=app.clock.sleep):
            if env.output == "json":
                env.write_json({"build_id": build.build_id, "line": line}, lines=True)
            else:
                env.write(line)
    except KeyboardInterrupt:
        raise Interrupted("stopped reading the logs; the build goes on",
                          hint=f"read on with `{app.suggest('logs --follow')}`") from None
