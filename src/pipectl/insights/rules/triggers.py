"""Runs started by changes that touched no file the image is built from."""

from __future__ import annotations

from pipectl.insights.model import Recommendation
from pipectl.insights.rules.base import Context, seconds


def check(ctx: Context) -> Recommendation | None:
    untouched = [w for w in ctx.waste if w.kind == "untouched"]
    if not untouched or ctx.evidence.image_inputs is None:
        return None
    ids = {w.run for w in untouched}
    runs = [r for r in ctx.runs if r.id in ids]
    spent = sum(r.duration for r in runs)
    cost = sum(r.cost.total for r in runs)
    inputs = [p for p in ctx.evidence.image_inputs if p not in (".dockerignore",)]
    includes = ", ".join(inputs[:6])
    return Recommendation(
        id="trigger-file-paths",
        title="Run only for changes the image is built from",
        evidence=(f"{len(runs)} of {len(ctx.runs)} runs changed nothing the image is built "
                  f"from ({includes}) and took {seconds(spent)} in all",
                  *(w.detail for w in untouched[:3])),
        change=("pipeline.triggers: a push trigger with file_paths.includes "
                f"[{includes}] (V2 pipelines)"),
        saving_s=spent / len(ctx.runs),
        saving_usd=ctx.monthly(cost / len(ctx.runs)),
    )
