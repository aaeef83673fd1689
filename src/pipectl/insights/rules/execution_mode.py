"""QUEUED against SUPERSEDED when runs pile up."""

from __future__ import annotations

from pipectl.insights.model import Recommendation
from pipectl.insights.rules.base import MIN_SAVING_S, Context, med, seconds

MIN_QUEUED_RUNS = 2


def check(ctx: Context) -> Recommendation | None:
    if ctx.evidence.execution_mode != "QUEUED":
        return None
    queued = [w for w in ctx.waste if w.kind == "queued"]
    if len(queued) < MIN_QUEUED_RUNS:
        return None
    waited = med([w.seconds for w in queued])
    saving = sum(w.seconds for w in queued) / len(ctx.runs)
    if saving < MIN_SAVING_S:
        return None
    return Recommendation(
        id="execution-mode",
        title="Let a newer run replace a waiting one",
        evidence=(f"{len(queued)} of {len(ctx.runs)} runs waited behind another "
                  f"(median wait {seconds(waited)}) in QUEUED mode",),
        change=("pipeline.execution_mode: SUPERSEDED (a run waiting to enter a stage is "
                "replaced by the newer one, so the latest change ships first)"),
        saving_s=saving,
        saving_usd=None,  # waiting costs nothing; the wait is the cost
    )
