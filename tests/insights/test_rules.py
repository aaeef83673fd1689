"""Each recommendation fires on the evidence it needs and stays silent without it.

The runs are Stubber responses in AWS's documented shapes (not sandbox output), read
through the same code as `pipectl insights`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from pipectl.insights.model import Recommendation, Report
from pipectl.insights.service import insights
from tests.insights.world import COLD_LOG, T0, TARGET, WARM_LOG, RunSpec, World

NOW = T0 + 10 * 86400


def report(world: World, repo: Path | None = None) -> Report:
    result = insights(world.clients, TARGET, len(world.runs), NOW, repo=repo)
    world.clients.assert_all_used()
    return result


def rec(result: Report, rule: str) -> Recommendation | None:
    return next((r for r in result.recommendations if r.id == rule), None)


def runs(count: int = 5, **fields: Any) -> list[RunSpec]:
    result = []
    for _ in range(count):
        spec = RunSpec()
        for key, value in fields.items():
            setattr(spec, key, dict(value) if isinstance(value, dict) else value)
        result.append(spec)
    return result


def with_phases(**changes: float) -> dict[str, float]:
    return {**RunSpec().phases, **changes}


# --- the baseline: a quick, healthy pipeline has nothing to change ----------------------


def test_a_healthy_pipeline_gets_no_recommendation() -> None:
    result = report(World(runs()))
    assert result.recommendations == ()
    assert result.summary.success_rate == 1.0


# --- build cache ---


def test_build_cache_fires_on_cold_builds_and_measures_the_warm_ones() -> None:
    history = runs(2, log=WARM_LOG, phases=with_phases(BUILD=20)) + runs(
        3, log=COLD_LOG, phases=with_phases(BUILD=95))
    found = rec(report(World(history)), "build-cache")
    assert found is not None
    assert found.saving_s == pytest.approx(75)
    assert any("3 of 5 builds read reused 0 of 12 layers" in e for e in found.evidence)
    assert "build.cache: local" in found.change  # the project has no cache at all
    assert found.saving_usd is not None and found.saving_usd > 0


def test_build_cache_is_silent_when_the_latest_builds_hit_the_cache() -> None:
    history = runs(2, log=COLD_LOG, phases=with_phases(BUILD=95)) + runs(
        3, log=WARM_LOG, phases=with_phases(BUILD=20))
    assert rec(report(World(history)), "build-cache") is None


# --- compute type ---


def test_compute_type_bigger_for_a_cpu_bound_build_phase() -> None:
    found = rec(report(World(runs(phases=with_phases(BUILD=240)))), "compute-type")
    assert found is not None and found.change == "build.compute_type: BUILD_GENERAL1_MEDIUM"
    assert found.saving_s == pytest.approx(80)


def test_compute_type_smaller_for_a_build_that_waits_for_its_host() -> None:
    world = World(runs(phases=with_phases(QUEUED=30, PROVISIONING=90, BUILD=10)),
                  compute_type="BUILD_GENERAL1_LARGE")
    found = rec(report(world), "compute-type")
    assert found is not None and found.change == "build.compute_type: BUILD_GENERAL1_MEDIUM"
    assert found.saving_s == 0 and found.saving_usd is not None and found.saving_usd > 0


def test_compute_type_is_silent_for_a_balanced_build() -> None:
    assert rec(report(World(runs(phases=with_phases(BUILD=45)))), "compute-type") is None


# --- queued / provisioning ---


def test_provisioning_fires_on_a_slow_custom_build_image() -> None:
    world = World(runs(phases=with_phases(PROVISIONING=95)),
                  build_image=f"{TARGET.repository}-builder:latest")
    found = rec(report(world), "build-provisioning")
    assert found is not None and found.saving_s == pytest.approx(75)
    assert "curated image" in found.change
    assert any("not a CodeBuild-curated one" in e for e in found.evidence)


def test_provisioning_fires_on_queued_builds_with_the_quota() -> None:
    found = rec(report(World(runs(phases=with_phases(QUEUED=120)))), "build-provisioning")
    assert found is not None and "concurrent-build quota" in found.change


def test_provisioning_is_silent_at_the_usual_provisioning_time() -> None:
    assert rec(report(World(runs())), "build-provisioning") is None


# --- image size vs pull time ---


def test_image_pull_fires_on_slow_pulls_of_a_big_image() -> None:
    world = World(runs(pull=48.0), image_bytes=900 * 1024**2)
    found = rec(report(world), "image-pull")
    assert found is not None and found.saving_s == pytest.approx(24)
    assert any("900 MiB" in e for e in found.evidence)
    assert "SOCI" in found.change and "zstd" in found.change


def test_image_pull_is_silent_on_quick_pulls() -> None:
    assert rec(report(World(runs(pull=4.0))), "image-pull") is None


# --- health checks ---


def test_health_check_fires_on_the_target_groups_default_timing() -> None:
    world = World(runs(healthy=150.0), target_group={
        "HealthCheckIntervalSeconds": 30, "HealthyThresholdCount": 5, "delay": 20})
    found = rec(report(world), "health-check")
    assert found is not None and found.saving_s == pytest.approx(130)
    assert "HealthCheckIntervalSeconds 10" in found.change


def test_health_check_fires_on_a_slow_container_health_check() -> None:
    world = World(runs(healthy=90.0),
                  container_health_check={"command": ["CMD", "true"], "interval": 30,
                                          "startPeriod": 60})
    found = rec(report(world), "health-check")
    assert found is not None and found.saving_s == pytest.approx(80)


def test_health_check_is_silent_with_fast_checks_or_none() -> None:
    fast = World(runs(healthy=150.0), target_group={
        "HealthCheckIntervalSeconds": 10, "HealthyThresholdCount": 2, "delay": 20})
    assert rec(report(fast), "health-check") is None
    assert rec(report(World(runs(healthy=150.0))), "health-check") is None


# --- deregistration delay ---


def test_deregistration_delay_fires_on_the_default_300_seconds() -> None:
    world = World(runs(drain=300.0), target_group={
        "HealthCheckIntervalSeconds": 10, "HealthyThresholdCount": 2, "delay": 300})
    found = rec(report(world), "deregistration-delay")
    assert found is not None and found.saving_s == pytest.approx(270)
    assert "deregistration_delay.timeout_seconds=30" in found.change


def test_deregistration_delay_is_silent_without_a_load_balancer_or_with_a_short_one() -> None:
    assert rec(report(World(runs(drain=300.0))), "deregistration-delay") is None
    short = World(runs(drain=20.0), target_group={
        "HealthCheckIntervalSeconds": 10, "HealthyThresholdCount": 2, "delay": 20})
    assert rec(report(short), "deregistration-delay") is None


# --- minimum healthy / maximum percent ---


def test_rollout_waves_fire_when_maximum_percent_allows_one_task_at_a_time() -> None:
    world = World(runs(), desired=4, minimum_percent=100, maximum_percent=125)
    found = rec(report(world), "rollout-waves")
    assert found is not None
    assert any("4 waves" in e for e in found.evidence)
    assert "maximumPercent=200" in found.change


def test_rollout_waves_are_silent_with_room_for_every_new_task() -> None:
    assert rec(report(World(runs(), desired=4)), "rollout-waves") is None


# --- QUEUED vs SUPERSEDED ---


def test_execution_mode_fires_when_queued_runs_pile_up() -> None:
    world = World(runs(wait=240.0), execution_mode="QUEUED")
    found = rec(report(world), "execution-mode")
    assert found is not None and "SUPERSEDED" in found.change
    assert found.saving_s == pytest.approx(240)
    assert [w.kind for w in report(World(runs(wait=240.0), execution_mode="QUEUED")
                                   ).summary.waste].count("queued") == 5


def test_execution_mode_is_silent_in_superseded_mode_or_without_waits() -> None:
    assert rec(report(World(runs(wait=240.0))), "execution-mode") is None
    assert rec(report(World(runs(), execution_mode="QUEUED")), "execution-mode") is None


# --- trigger file paths ---


def git_history(repo: Path, changes: list[str]) -> list[str]:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], check=True, text=True,
                              capture_output=True).stdout.strip()

    git("init", "-q")
    git("config", "user.email", "dev@example.com")
    git("config", "user.name", "dev")
    (repo / "Dockerfile").write_text("FROM public.ecr.aws/nginx/nginx:1.27-alpine\n"
                                     "COPY app/ /usr/share/nginx/html/\n")
    (repo / "app").mkdir()
    (repo / "app" / "index.html").write_text("hello\n")
    (repo / "README.md").write_text("# hello\n")
    git("add", "-A")
    git("commit", "-qm", "start")
    revisions = []
    for number, path in enumerate(changes):
        with (repo / path).open("a") as handle:
            handle.write(f"change {number}\n")
        git("commit", "-qam", f"change {number}")
        revisions.append(git("rev-parse", "HEAD"))
    return revisions


def test_trigger_file_paths_fire_on_runs_that_changed_nothing_in_the_image(
    tmp_path: Path,
) -> None:
    revisions = git_history(tmp_path, ["app/index.html", "README.md", "README.md",
                                       "app/index.html"])
    history = runs(4)
    for spec, revision in zip(history, revisions, strict=True):
        spec.revision = revision
    result = report(World(history), repo=tmp_path)
    found = rec(result, "trigger-file-paths")
    assert found is not None
    assert any("2 of 4 runs changed nothing" in e for e in found.evidence)
    assert "file_paths.includes [Dockerfile, app]" in found.change
    assert [w.kind for w in result.summary.waste].count("untouched") == 2


def test_trigger_file_paths_are_silent_when_every_change_touches_the_image(
    tmp_path: Path,
) -> None:
    revisions = git_history(tmp_path, ["app/index.html", "Dockerfile", "app/index.html"])
    history = runs(3)
    for spec, revision in zip(history, revisions, strict=True):
        spec.revision = revision
    assert rec(report(World(history), repo=tmp_path), "trigger-file-paths") is None
    # Revisions git does not know are no evidence either way.
    assert rec(report(World(runs(3)), repo=tmp_path), "trigger-file-paths") is None


# --- work done for nothing ---


def test_a_rebuilt_image_and_a_redeployed_revision_are_waste() -> None:
    history = runs(3)
    history[1].revision = history[2].revision = "c0ffee1" + "ab" * 16 + "0"  # ran twice
    result = report(World(history))
    kinds = {(w.kind, w.run) for w in result.summary.waste}
    again = result.runs[0].id  # newest first: the second run of that commit
    assert ("rebuilt", again) in kinds and ("redeployed", again) in kinds
    rebuilt = next(w for w in result.summary.waste if w.kind == "rebuilt")
    assert rebuilt.seconds == pytest.approx(48)  # BUILD 40 + POST_BUILD 8
    assert {k for k, _ in kinds} == {"rebuilt", "redeployed"}


def test_superseded_runs_are_waste_and_lower_the_success_rate() -> None:
    history = runs(4)
    history[1].status = "Superseded"
    result = report(World(history))
    assert [w.kind for w in result.summary.waste] == ["superseded"]
    assert result.summary.success_rate == pytest.approx(0.75)
