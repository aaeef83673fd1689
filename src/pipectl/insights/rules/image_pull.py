"""The image's size against the time ECS tasks spend pulling it."""

from __future__ import annotations

from pipectl.insights.cost import task_hourly_rate
from pipectl.insights.model import Recommendation
from pipectl.insights.rules.base import MIN_SAVING_S, Context, med, seconds
from pipectl.runs.values import epoch

SLOW_PULL_S = 10.0
#: Slimmer layers, zstd and lazy loading (SOCI) typically halve a pull: an estimate.
PULL_SAVING = 0.5


def check(ctx: Context) -> Recommendation | None:
    pulls = ctx.rollout("image pulled")
    if not pulls:
        return None
    pull = med(pulls)
    saving = pull * PULL_SAVING
    if pull < SLOW_PULL_S or saving < MIN_SAVING_S:
        return None
    evidence = [f"tasks spent {seconds(pull)} pulling the image (median of {len(pulls)} "
                "rollouts)"]
    size = _latest_size(ctx)
    if size is not None:
        evidence.append(f"the latest image is {size / 1024**2:.0f} MiB compressed in ECR")
    tasks = [t for t in ctx.evidence.tasks if t.get("startedBy")]
    rate = task_hourly_rate(tasks[0]) if tasks else 0.0
    desired = int((ctx.evidence.service or {}).get("desiredCount") or 1)
    per_run = saving / 3600 * rate * desired  # Fargate bills a task from its pull's start
    return Recommendation(
        id="image-pull",
        title="A smaller image, pulled faster",
        evidence=tuple(evidence),
        change=("a slimmer base image (alpine, distroless) and fewer layers in the "
                "Dockerfile; zstd-compressed layers (docker buildx build --output "
                "type=image,compression=zstd); a SOCI index in ECR so Fargate starts "
                "before the whole image is pulled"),
        saving_s=saving,
        saving_usd=ctx.monthly(per_run),
    )


def _latest_size(ctx: Context) -> int | None:
    images = sorted(ctx.evidence.images, key=lambda i: epoch(i.get("imagePushedAt")) or 0.0)
    for image in reversed(images):
        if "buildcache" not in (image.get("imageTags") or []) and image.get("imageSizeInBytes"):
            return int(image["imageSizeInBytes"])
    return None
