"""What every rule sees: the evidence, the runs as steps, the per-step statistics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipectl.insights import prices
from pipectl.insights.evidence import Evidence
from pipectl.insights.model import PHASE, ROLLOUT, Recommendation, Run, StepStats, Waste
from pipectl.insights.stats import median

#: A saving smaller than this per run is noise: a rule stays silent below it.
MIN_SAVING_S = 5.0


@dataclass(frozen=True)
class Context:
    evidence: Evidence
    runs: tuple[Run, ...]  # newest first
    stats: dict[str, StepStats]
    runs_per_month: float | None
    waste: tuple[Waste, ...] = ()

    def phase(self, name: str) -> list[float]:
        """Seconds of one build phase, one value per run that had it."""
        return [sum(s.duration for s in run.steps if s.kind == PHASE and s.name == name)
                for run in self.runs if any(s.kind == PHASE and s.name == name
                                            for s in run.steps)]

    def rollout(self, name: str) -> list[float]:
        return [sum(s.duration for s in run.steps if s.kind == ROLLOUT and s.name == name)
                for run in self.runs if any(s.kind == ROLLOUT and s.name == name
                                            for s in run.steps)]

    def build_seconds(self) -> list[float]:
        """Whole builds (all their phases), one value per run with a build."""
        return [sum(s.duration for s in run.steps if s.kind == PHASE)
                for run in self.runs if any(s.kind == PHASE for s in run.steps)]

    def codebuild_rate_per_s(self, compute_type: str | None = None) -> float | None:
        rate = prices.CODEBUILD_PER_MINUTE.get(compute_type or self.evidence.compute_type or "")
        return None if rate is None else rate / 60

    def pipeline_rate_per_s(self) -> float:
        if self.evidence.pipeline_type != "V2":
            return 0.0
        return prices.CODEPIPELINE_V2_PER_ACTION_MINUTE / 60

    def build_time_usd(self, seconds: float) -> float:
        """Dollars of ``seconds`` less build time: CodeBuild plus the Build action."""
        return seconds * ((self.codebuild_rate_per_s() or 0.0) + self.pipeline_rate_per_s())

    def monthly(self, per_run_usd: float | None) -> float | None:
        if per_run_usd is None or self.runs_per_month is None:
            return None
        return per_run_usd * self.runs_per_month


Rule = Callable[[Context], Recommendation | None]


def med(values: list[float]) -> float:
    return median(values) if values else 0.0


def seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 10 else f"{value:.1f} s"
