"""`pipectl insights [EXECUTION_ID]`: where runs' time and money go, and what to change."""

from __future__ import annotations

from pathlib import Path

import click

from pipectl.cli.options import get_app, output_option


@click.command("insights")
@click.argument("execution_id", required=False)
@click.option("--runs", "runs", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="How many recent runs to analyse.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, metavar="FILE",
              help="Also write a self-contained HTML page (waterfall, trends) to FILE.")
@output_option
@click.pass_context
def command(ctx: click.Context, execution_id: str | None, runs: int,
            html_path: Path | None) -> None:
    """Explain a run (default: the latest) and the last --runs runs: a waterfall of
    stages, actions, build phases and the ECS rollout; per-step median, p90 and trend;
    work done for nothing; estimated cost; recommendations with their evidence.
    Read-only. Exit 3 when the pipeline has no runs, or EXECUTION_ID is not among the
    last --runs runs.

    \b
    Example:
      pipectl insights
      pipectl insights --runs 50 -o json
      pipectl insights --html insights.html
    """
    from pipectl.insights.evidence import Target
    from pipectl.insights.service import insights, pick_run

    app = get_app(ctx)
    spec = app.partial_spec()
    target = Target(pipeline=spec.pipeline, project=spec.project, repository=spec.repository,
                    cluster=spec.deploy.cluster, service=spec.deploy.service,
                    container=spec.deploy.container)
    report = insights(app.aws(spec.region), target, runs, app.clock.wall(), repo=Path.cwd())
    run = pick_run(report, execution_id)
    if html_path is not None:
        from pipectl.ui.insights_html import write_html

        write_html(html_path, report, run)
    if app.env.output == "json":
        # One line: json's C encoder only runs without indentation, and a report of
        # 100 runs is thousands of values (pipe it to `jq` to read it).
        app.env.write_json({**report.to_dict(), "selected_run": run.id,
                            "html": str(html_path) if html_path else None}, lines=True)
        return
    from pipectl.ui.insights_view import show

    show(app.env, report, run)
    if html_path is not None:
        app.env.note(f"wrote {html_path}")
