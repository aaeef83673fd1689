"""`pipectl run [--watch]`: start a pipeline run."""

from __future__ import annotations

import click

from pipectl.cli.cmd_watch import follow_run, watch_options
from pipectl.cli.options import get_app, output_option


@click.command("run")
@click.option("--watch", "-w", "watch", is_flag=True, help="Follow the run to its end.")
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE",
              help="Set a pipeline variable for this run (V2 pipelines; repeatable).")
@click.option("--source-revision", metavar="[TYPE=]VALUE",
              help="Run this source revision: a commit id (GitHub, CodeCommit), an S3 object "
                   "version id, or TYPE=VALUE with TYPE one of COMMIT_ID, IMAGE_DIGEST, "
                   "S3_OBJECT_VERSION_ID, S3_OBJECT_KEY.")
@watch_options
@output_option
@click.pass_context
def command(ctx: click.Context, watch: bool, variables: tuple[str, ...],
            source_revision: str | None, timeout: float | None, interval: float | None,
            show_logs: bool) -> None:
    """Start a run of the pipeline and print its execution id.

    A retried start never makes two runs: the request carries a client request token
    made once per invocation. With --watch, follow the run live; the exit code is then
    the run's verdict (0 only when the new version is deployed).

    \b
    Example:
      pipectl run --watch
      pipectl run --var DEPLOY_ENV=staging --source-revision 4f2a9c1
      pipectl run --watch --timeout 30m --logs
    """
    from pipectl.runs.start import StartRequest, parse_source_revision, parse_variables, start_run

    app = get_app(ctx)
    spec = app.spec()
    request = StartRequest(
        pipeline=spec.names.pipeline,
        variables=parse_variables(variables, pipeline_type=spec.pipeline.type,
                                  declared=spec.pipeline.variables),
        source_revision=parse_source_revision(source_revision, spec.source.provider),
    )
    if not watch and (timeout or interval or show_logs):
        raise click.UsageError("--timeout, --interval and --logs need --watch")
    execution_id = start_run(app.aws(spec.region), request)
    env = app.env
    if env.output == "json":
        env.write_json({"event": "run_started", "pipeline": request.pipeline,
                        "execution_id": execution_id}, lines=watch)
    elif watch:
        env.note(f"started run {execution_id} of {request.pipeline}")
    else:
        env.write(execution_id)
        env.note(f"started run {execution_id} of {request.pipeline}; follow it with "
                 f"`{app.suggest(f'watch {execution_id}')}`")
    if watch:
        follow_run(app, execution_id, timeout=timeout, interval=interval, show_logs=show_logs)
