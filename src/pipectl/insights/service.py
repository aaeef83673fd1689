"""`insights` as one call: read, analyse, pick the run to explain."""

from __future__ import annotations

from pathlib import Path

from pipectl.insights import changes
from pipectl.insights.analysis import analyse
from pipectl.insights.evidence import Target
from pipectl.insights.model import Report, Run
from pipectl.insights.reads import gather
from pipectl.runs.reads import Clients


def insights(clients: Clients, target: Target, runs: int, now: float,
             repo: Path | None = None) -> Report:
    """The report on the last ``runs`` runs; ``repo`` is a git checkout of the source
    (for the files each run's change touched), if there is one."""
    evidence = gather(clients, target, runs)
    if not evidence.executions:
        from pipectl.errors import NotFound

        raise NotFound(f"pipeline {target.pipeline} has no runs yet",
                       operation="codepipeline:ListPipelineExecutions",
                       resource=target.pipeline,
                       hint="start one with `pipectl run --watch`")
    if repo is not None:
        evidence.image_inputs = changes.image_inputs(repo / "Dockerfile")
        revisions = [r for e in reversed(evidence.executions)
                     for r in [_revision(e)] if r]
        if evidence.image_inputs is not None and revisions:
            evidence.changed_files = changes.changed_files(repo, revisions)
    return analyse(evidence, now)


def pick_run(report: Report, execution_id: str | None) -> Run:
    if execution_id is None:
        return report.runs[0]
    for run in report.runs:
        if run.id == execution_id:
            return run
    from pipectl.errors import NotFound

    raise NotFound(f"run {execution_id} is not among the last {len(report.runs)} runs of "
                   f"{report.pipeline}", operation="codepipeline:ListPipelineExecutions",
                   resource=report.pipeline,
                   hint="look further back with --runs, or list runs with `pipectl history`")


def _revision(execution: dict[str, object]) -> str | None:
    from pipectl.runs.projections import summary_revision

    revision, _ = summary_revision(execution)
    return revision
