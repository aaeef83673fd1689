"""``pipectl import PIPELINE``: write the spec of a pipeline that exists, to adopt it."""

from __future__ import annotations

from pathlib import Path

import click

from pipectl.cli.options import get_app, output_option
from pipectl.errors import ExitStatus, InvalidInput


@click.command("import")
@click.argument("pipeline")
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
@output_option
@click.pass_context
def command(ctx: click.Context, pipeline: str, force: bool) -> int:
    """Write the spec of PIPELINE, a pipeline that exists, so pipectl can manage it.

    Reads the pipeline, its CodeBuild project, ECS service and the task definition the
    service runs, the ECR repository, the artifact store, the EventBridge rules that
    start the pipeline and, for a service pipectl created, the retention of its task's
    log groups (read-only calls), then writes the spec (-c, default
    config/pipeline.yml), config/task_definition.json and, when the project's buildspec
    is inline, buildspec.yml. Existing files are left alone unless --force; a symbolic
    link is never written through (exit 2, nothing written). Every live setting the spec
    cannot hold is reported; a pipeline with more than Source -> Build -> Deploy is
    refused (exit 2).

    \b
    Example:
      pipectl import hello-web
      pipectl validate && pipectl plan   # no create, replace or delete: only pipectl's tags
      pipectl create                     # tags the resources as adopted
    """
    from pipectl.adopt.files import write_imported
    from pipectl.adopt.live import read_pipeline
    from pipectl.adopt.model import Notes
    from pipectl.adopt.translate import imported
    from pipectl.spec import names as rules
    from pipectl.ui.import_view import render_import

    if not rules.PIPELINE_NAME.match(pipeline):
        raise InvalidInput(f"'{pipeline}' is not a pipeline name",
                           hint="1-100 letters, digits, '.', '@', '-' and '_'")
    app = get_app(ctx)
    notes = Notes()
    live = read_pipeline(app.aws(), pipeline, notes)
    result = imported(live, notes)
    files = write_imported(result, app.config_path, Path.cwd(), force=force)
    render_import(app.env, result, files,
                  [app.suggest(c) for c in ("validate", "plan", "create")])
    return ExitStatus.SUCCESS
