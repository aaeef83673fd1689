"""Time a build waits before it runs: QUEUED (no free capacity) and PROVISIONING."""

from __future__ import annotations

from pipectl.insights.model import Recommendation
from pipectl.insights.rules.base import MIN_SAVING_S, Context, med, seconds

#: What PROVISIONING takes with a curated image cached on the host (observed on AWS
#: as tens of seconds; the saving counts only the time above it).
TYPICAL_PROVISIONING_S = 20.0
TYPICAL_QUEUED_S = 2.0
SHARE = 0.25  # of the whole build


def check(ctx: Context) -> Recommendation | None:
    builds = ctx.build_seconds()
    if not builds:
        return None
    queued = med(ctx.phase("QUEUED"))
    provisioning = med(ctx.phase("PROVISIONING"))
    total = med(builds)
    saving_queued = max(0.0, queued - TYPICAL_QUEUED_S)
    saving_provisioning = max(0.0, provisioning - TYPICAL_PROVISIONING_S)
    saving = saving_queued + saving_provisioning
    if saving < MIN_SAVING_S or (queued + provisioning) < SHARE * total:
        return None
    evidence = [f"QUEUED {seconds(queued)} and PROVISIONING {seconds(provisioning)} of a "
                f"{seconds(total)} build (median of {len(builds)} builds)"]
    changes = []
    if saving_queued >= saving_provisioning:
        changes.append("raise the account's concurrent-build quota (Service Quotas: "
                       "CodeBuild concurrently running builds) or the project's "
                       "concurrentBuildLimit; a reserved-capacity fleet never queues")
    else:
        image = ((ctx.evidence.project or {}).get("environment") or {}).get("image", "")
        if image and not str(image).startswith("aws/codebuild/"):
            evidence.append(f"build image {image} is not a CodeBuild-curated one: every "
                            "build pulls it")
            changes.append("build.image: a curated image (aws/codebuild/standard:7.0) is "
                           "cached on CodeBuild's hosts")
        changes.append("a reserved-capacity fleet (CodeBuild fleets) has hosts ready")
    return Recommendation(
        id="build-provisioning",
        title="Less time waiting for a build host",
        evidence=tuple(evidence),
        change="; or ".join(changes),
        saving_s=saving,
        # The Build action's minutes bill for both; CodeBuild does not bill the queue.
        saving_usd=ctx.monthly(saving * ctx.pipeline_rate_per_s()
                               + saving_provisioning * (ctx.codebuild_rate_per_s() or 0.0)),
    )
