"""The Docker layer cache: measured from the build logs' cache hits.

BuildKit logs each Dockerfile step as ``#N [stage i/n] INSTRUCTION`` and a reused one
as ``#N CACHED``; the classic builder logs ``Step i/n`` and ``---> Using cache``. Builds
that reuse under half their layers while the BUILD phase is long are the evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipectl.insights.model import Recommendation, Run
from pipectl.insights.rules.base import MIN_SAVING_S, Context, med, seconds

_BUILDKIT_STEP = re.compile(r"^#(\d+) \[[^\]]*\d+/\d+\] ")
_BUILDKIT_CACHED = re.compile(r"^#(\d+) CACHED\b")
_CLASSIC_STEP = re.compile(r"^Step \d+/\d+ : ")
_CLASSIC_CACHED = re.compile(r"^\s*---> Using cache\b")
_REGISTRY_CACHE = re.compile(r"--cache-from[= ]\S*type=registry|importing cache manifest")
COLD = 0.5  # a build that reused less than this share of its layers was cold


def cache_hits(lines: Sequence[str]) -> tuple[int, int]:
    """(layers reused, layers built or reused) of one build log."""
    steps: set[str] = set()
    cached: set[str] = set()
    classic_steps = classic_cached = 0
    for line in lines:
        if match := _BUILDKIT_STEP.match(line):
            steps.add(match.group(1))
        elif match := _BUILDKIT_CACHED.match(line):
            cached.add(match.group(1))
        elif _CLASSIC_STEP.match(line):
            classic_steps += 1
        elif _CLASSIC_CACHED.match(line):
            classic_cached += 1
    return len(cached & steps) + classic_cached, len(steps) + classic_steps


def check(ctx: Context) -> Recommendation | None:
    measured: list[tuple[str, Run, int, int]] = []  # (build, run, hits, layers), newest first
    for run in ctx.runs:
        build = ctx.evidence.build_for(run.id)
        if build is None or build["id"] not in ctx.evidence.build_logs:
            continue
        hits, steps = cache_hits(ctx.evidence.build_logs[build["id"]])
        if steps:
            measured.append((str(build["id"]), run, hits, steps))
    if not measured:
        return None
    cold = [m for m in measured if m[2] < COLD * m[3]]
    warm = [m for m in measured if m[2] >= COLD * m[3]]
    latest_cold = measured[0][2] < COLD * measured[0][3]
    if not cold or not latest_cold:
        return None  # the cache works now

    def build_phase(items: list[tuple[str, Run, int, int]]) -> list[float]:
        return [sum(s.duration for s in m[1].steps if s.kind == "phase" and s.name == "BUILD")
                for m in items]

    cold_build = med(build_phase(cold))
    if warm:
        saving = max(0.0, cold_build - med(build_phase(warm)))
        how = (f"builds that reused their layers took {seconds(med(build_phase(warm)))} in "
               f"BUILD, cold ones {seconds(cold_build)}")
    else:
        saving = cold_build / 2
        how = "no build reused its layers; half the BUILD phase is an estimate"
    if saving < MIN_SAVING_S:
        return None
    hits = sum(m[2] for m in cold)
    total = sum(m[3] for m in cold)
    logs = [line for b in ctx.evidence.build_logs.values() for line in b]
    registry = any(_REGISTRY_CACHE.search(line) for line in logs)
    cache_type = ((ctx.evidence.project or {}).get("cache") or {}).get("type", "NO_CACHE")
    if registry:
        change = ("the registry cache misses: let --cache-to write it (mode=max, "
                  "image-manifest=true for ECR) and exempt its tag (buildcache) from tag "
                  "immutability")
    elif cache_type == "NO_CACHE":
        change = ("build.cache: local (LOCAL_DOCKER_LAYER_CACHE), or a BuildKit registry "
                  "cache in ECR: --cache-from/--cache-to type=registry,ref="
                  "$REPOSITORY_URI:buildcache,image-manifest=true (the reference buildspec)")
    else:
        change = ("the local cache only helps builds on the same host: add a BuildKit "
                  "registry cache in ECR (--cache-from/--cache-to type=registry,"
                  "ref=$REPOSITORY_URI:buildcache,image-manifest=true)")
    per_run = ctx.build_time_usd(saving)
    return Recommendation(
        id="build-cache",
        title="Reuse Docker layers between builds",
        evidence=(f"{len(cold)} of {len(measured)} builds read reused {hits} of {total} "
                  f"layers (latest build {measured[0][0]})",
                  f"project cache: {cache_type}; registry cache in the logs: "
                  f"{'yes' if registry else 'no'}", how),
        change=change,
        saving_s=saving,
        saving_usd=ctx.monthly(per_run),
    )
