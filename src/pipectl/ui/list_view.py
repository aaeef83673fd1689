"""Text for `pipectl list`: one row a pipeline (JSON is FleetReport.to_dict())."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipectl.runs.values import format_duration, task_definition_label

if TYPE_CHECKING:
    from pipectl.runs.fleet import FleetReport, FleetRow

HEADERS = ("PIPELINE", "LATEST RUN", "REVISION", "DURATION", "AGE", "TASK DEF", "ROLLOUT")


def fleet_lines(report: FleetReport) -> list[str]:
    if not report.rows:
        return [f"no pipeline in {report.region} carries pipectl's tag (create one with "
                "`pipectl create`)"]
    table = [HEADERS, *(_cells(row) for row in report.rows)]
    widths = [max(len(cells[i]) for cells in table) for i in range(len(HEADERS) - 1)]
    lines = ["  ".join([*(c.ljust(w) for c, w in zip(cells, widths, strict=False)),
                        cells[-1]]).rstrip() for cells in table]
    for row in report.failed:
        lines.append(f"{row.pipeline}: {row.error}")
    return lines


def _cells(row: FleetRow) -> tuple[str, ...]:
    latest = row.latest
    if row.error and latest is None:
        return (row.pipeline, "unreadable", "-", "-", "-", "-", "-")
    return (
        row.pipeline,
        latest.status if latest else "never run",
        (latest.revision or "-")[:12] if latest else "-",
        format_duration(latest.duration) if latest else "-",
        f"{format_duration(row.started_age)} ago" if row.started_age is not None else "-",
        task_definition_label(row.task_definition) or "-",
        row.rollout_state or "-",
    )
