"""The build's compute type: bigger for a CPU-bound BUILD phase, smaller for a build
that mostly waits for its host.

CodeBuild reports no CPU use; a BUILD phase that takes most of the build is the sign
that compute is what the build waits for, and a build dominated by QUEUED and
PROVISIONING gains nothing from a bigger host.
"""

from __future__ import annotations

from pipectl.insights.model import Recommendation
from pipectl.insights.rules.base import MIN_SAVING_S, Context, med, seconds

LARGER = {"BUILD_GENERAL1_SMALL": "BUILD_GENERAL1_MEDIUM",
          "BUILD_GENERAL1_MEDIUM": "BUILD_GENERAL1_LARGE"}
SMALLER = {"BUILD_GENERAL1_LARGE": "BUILD_GENERAL1_MEDIUM",
           "BUILD_GENERAL1_MEDIUM": "BUILD_GENERAL1_SMALL"}
CPU_BOUND_SHARE = 0.5  # BUILD takes at least half the build
MIN_CPU_BUILD_S = 60.0  # ... and at least a minute
#: Twice the vCPUs rarely halves a docker build: assume a third less BUILD time.
SPEED_UP = 1 / 3
WAITING_SHARE = 0.5  # QUEUED + PROVISIONING take at least half the build
SHORT_BUILD_S = 30.0


def check(ctx: Context) -> Recommendation | None:
    compute = ctx.evidence.compute_type
    builds = ctx.build_seconds()
    if compute is None or not builds:
        return None
    total = med(builds)
    build = med(ctx.phase("BUILD"))
    waiting = med(ctx.phase("QUEUED")) + med(ctx.phase("PROVISIONING"))
    if total <= 0:
        return None
    if compute in LARGER and build >= MIN_CPU_BUILD_S and build >= CPU_BOUND_SHARE * total:
        bigger = LARGER[compute]
        saving = build * SPEED_UP
        if saving < MIN_SAVING_S:
            return None
        now_rate = ctx.codebuild_rate_per_s(compute) or 0.0
        new_rate = ctx.codebuild_rate_per_s(bigger) or 0.0
        per_run = total * now_rate - (total - saving) * new_rate
        return Recommendation(
            id="compute-type",
            title=f"A bigger build host: {bigger}",
            evidence=(f"BUILD takes {seconds(build)} of a {seconds(total)} build (median of "
                      f"{len(builds)}) on {compute}: the build waits for CPU, not for AWS",),
            change=f"build.compute_type: {bigger}",
            saving_s=saving,
            saving_usd=ctx.monthly(per_run),  # negative: faster, and costs more
        )
    if compute in SMALLER and waiting >= WAITING_SHARE * total and build < SHORT_BUILD_S:
        smaller = SMALLER[compute]
        now_rate = ctx.codebuild_rate_per_s(compute) or 0.0
        new_rate = ctx.codebuild_rate_per_s(smaller) or 0.0
        per_run = total * (now_rate - new_rate)
        return Recommendation(
            id="compute-type",
            title=f"A smaller build host: {smaller}",
            evidence=(f"QUEUED and PROVISIONING take {seconds(waiting)} of a {seconds(total)} "
                      f"build (median of {len(builds)}); BUILD only {seconds(build)} on "
                      f"{compute}",),
            change=f"build.compute_type: {smaller}",
            saving_s=0.0,
            saving_usd=ctx.monthly(per_run),
        )
    return None
