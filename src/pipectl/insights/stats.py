"""Per-step statistics over the runs, the dominant step, and the work done for nothing."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pipectl.insights.evidence import Evidence
from pipectl.insights.model import ACTION, GAP, Run, Step, StepStats, Waste
from pipectl.runs.values import epoch

#: A run waiting longer than this before its first action was queued behind another.
QUEUE_WAIT_S = 5.0


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: a value that occurred, not an interpolation."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def slope(series: Sequence[float]) -> float:
    """Least-squares slope per run; 0 for fewer than two points."""
    n = len(series)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(series) / n
    num = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(series))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return num / den if den else 0.0


def step_stats(runs: Sequence[Run]) -> tuple[StepStats, ...]:
    """One line per step key, in the order steps first appear; series oldest first."""
    order: list[str] = []
    kinds: dict[str, str] = {}
    values: dict[str, list[float]] = {}
    for run in reversed(runs):  # runs are newest first
        totals: dict[str, float] = {}
        for step in run.steps:
            if step.key not in kinds:
                order.append(step.key)
                kinds[step.key] = step.kind
            totals[step.key] = totals.get(step.key, 0.0) + step.duration
        for key, total in totals.items():
            values.setdefault(key, []).append(total)
    return tuple(
        StepStats(key, kinds[key], median(values[key]), percentile(values[key], 0.9),
                  max(values[key]), tuple(values[key]), slope(values[key]))
        for key in order
    )


def leaf_steps(run: Run) -> list[Step]:
    """Steps with nothing inside them: phases, rollout steps, gaps, bare actions."""
    parents = {(s.stage, s.action) for s in run.steps if s.kind not in (ACTION, GAP)}
    return [s for s in run.steps
            if s.kind != ACTION or (s.stage, s.action) not in parents]


def dominant(runs: Sequence[Run], stats: Sequence[StepStats]) -> str | None:
    leaves = {s.key for run in runs for s in leaf_steps(run)}
    candidates = [s for s in stats if s.key in leaves]
    if not candidates:
        return None
    return max(candidates, key=lambda s: s.median).key


def waste(evidence: Evidence, runs: Sequence[Run]) -> tuple[Waste, ...]:
    found: list[Waste] = []
    found.extend(_superseded_and_queued(evidence, runs))
    found.extend(_rebuilt(evidence, runs))
    found.extend(_redeployed(runs))
    found.extend(_untouched(evidence, runs))
    return tuple(found)


def _superseded_and_queued(evidence: Evidence, runs: Sequence[Run]) -> list[Waste]:
    found = []
    for run in runs:
        if run.status == "Superseded":
            worked = sum(s.duration for s in run.actions())
            found.append(Waste(run.id, "superseded", worked,
                               f"superseded by a newer run after {worked:.0f} s of actions"))
        first = next((s for s in run.steps if s.kind == GAP and s.name == "start of the run"),
                     None)
        if first is not None and first.duration > QUEUE_WAIT_S:
            found.append(Waste(run.id, "queued", first.duration,
                               f"waited {first.duration:.0f} s before its first action "
                               f"({evidence.execution_mode} mode)"))
    return found


def _rebuilt(evidence: Evidence, runs: Sequence[Run]) -> list[Waste]:
    """A build of a revision whose image was in ECR before the build started."""
    pushed: dict[str, float] = {}
    for image in evidence.images:
        at = epoch(image.get("imagePushedAt"))
        for tag in image.get("imageTags") or []:
            if at is not None:
                pushed[str(tag)] = min(at, pushed.get(str(tag), at))
    found = []
    for run in runs:
        build = evidence.build_for(run.id)
        if build is None or not run.revision:
            continue
        start = epoch(build.get("startTime"))
        at = pushed.get(run.revision[:7])
        # ECR keeps push times to the second: a push by this very build is not "before".
        if start is None or at is None or at >= start - 1:
            continue
        docker = sum(s.duration for s in run.steps
                     if s.kind == "phase" and s.name in ("BUILD", "POST_BUILD"))
        found.append(Waste(run.id, "rebuilt", docker,
                           f"image tag {run.revision[:7]} was in ECR before this build; "
                           f"BUILD and POST_BUILD took {docker:.0f} s"))
    return found


def _redeployed(runs: Sequence[Run]) -> list[Waste]:
    """A deployment of the revision the previous successful deployment put there."""
    found = []
    running: str | None = None
    for run in reversed(runs):  # oldest first
        deploys = [s for s in run.actions() if s.stage == "Deploy"]
        if not deploys or run.status != "Succeeded":
            continue
        if running is not None and run.revision == running:
            seconds = sum(s.duration for s in deploys)
            found.append(Waste(run.id, "redeployed", seconds,
                               f"deployed revision {run.revision[:7]}, already running "
                               f"({seconds:.0f} s)"))
        running = run.revision
    return found


def _untouched(evidence: Evidence, runs: Sequence[Run]) -> list[Waste]:
    """Runs whose change touched no file the image is built from (when git can tell)."""
    if evidence.image_inputs is None:
        return []
    from pipectl.insights.changes import touches

    found = []
    for run in runs:
        files = evidence.changed_files.get(run.revision or "")
        if files is None or touches(files, evidence.image_inputs):
            continue
        shown = ", ".join(files[:3]) + (" ..." if len(files) > 3 else "")
        found.append(Waste(run.id, "untouched", run.duration,
                           f"changed only {shown or 'nothing'}: nothing the image is built "
                           "from"))
    return found
