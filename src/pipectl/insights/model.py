"""The report's data: steps of a run, runs, the summary, recommendations. Plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipectl.runs.values import iso_time

#: Step kinds. An ``action`` is CodePipeline's action execution, with its own duration;
#: ``phase`` (CodeBuild) and ``rollout`` (ECS) steps lie inside an action; a ``gap`` is
#: time no action ran: CodePipeline starting the run or moving it to the next action.
ACTION, PHASE, ROLLOUT, GAP = "action", "phase", "rollout", "gap"


@dataclass(frozen=True)
class Step:
    stage: str | None
    action: str | None
    kind: str
    name: str
    start: float
    duration: float

    @property
    def end(self) -> float:
        return self.start + self.duration

    @property
    def key(self) -> str:
        """Stable across runs: what the per-step statistics group by."""
        if self.kind == ACTION:
            return f"{self.stage}/{self.action}"
        if self.kind == GAP:
            return f"gap: {self.name}"
        return f"{self.stage}/{self.action}/{self.name}"

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "action": self.action, "kind": self.kind,
                "name": self.name, "start": iso_time(self.start),
                "duration_s": round(self.duration, 3)}


@dataclass(frozen=True)
class RunCost:
    codebuild_usd: float | None
    codepipeline_usd: float
    fargate_usd: float

    @property
    def total(self) -> float:
        return (self.codebuild_usd or 0.0) + self.codepipeline_usd + self.fargate_usd

    def to_dict(self) -> dict[str, Any]:
        return {"codebuild": _money(self.codebuild_usd), "codepipeline": _money(
            self.codepipeline_usd), "fargate_overlap": _money(self.fargate_usd)}


@dataclass(frozen=True)
class Run:
    id: str
    status: str
    start: float
    duration: float
    revision: str | None
    trigger: str | None
    steps: tuple[Step, ...]
    cost: RunCost

    def actions(self) -> list[Step]:
        return [s for s in self.steps if s.kind == ACTION]

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "start": iso_time(self.start),
                "duration_s": round(self.duration, 3), "revision": self.revision,
                "trigger": self.trigger, "cost_usd": _money(self.cost.total),
                "cost_breakdown_usd": self.cost.to_dict(),
                "steps": [s.to_dict() for s in self.steps]}


@dataclass(frozen=True)
class StepStats:
    key: str
    kind: str
    median: float
    p90: float
    max: float
    series: tuple[float, ...]  # oldest run first: the trend line
    slope: float  # seconds per run, least squares over the series

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.key, "kind": self.kind, "median_s": round(self.median, 3),
                "p90_s": round(self.p90, 3), "max_s": round(self.max, 3),
                "trend_s_per_run": round(self.slope, 3),
                "series_s": [round(v, 3) for v in self.series]}


@dataclass(frozen=True)
class Waste:
    run: str
    kind: str  # rebuilt | redeployed | superseded | queued | untouched
    seconds: float
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"run": self.run, "kind": self.kind, "seconds": round(self.seconds, 3),
                "detail": self.detail}


@dataclass(frozen=True)
class Recommendation:
    id: str
    title: str
    evidence: tuple[str, ...]
    change: str
    saving_s: float | None  # per run
    saving_usd: float | None  # per month at the observed rate (per run without a rate)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "evidence": list(self.evidence),
                "change": self.change,
                "saving_s": None if self.saving_s is None else round(self.saving_s, 1),
                "saving_usd": _money(self.saving_usd)}


@dataclass(frozen=True)
class Unpriced:
    """Billed time the estimate leaves out: an action's, and why it has no price."""

    action: str  # Stage/Action
    minutes: int  # billed minutes over the runs read (each execution rounded up)
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "minutes": self.minutes, "why": self.why}


@dataclass(frozen=True)
class Summary:
    runs: int
    succeeded: int
    success_rate: float | None
    median_s: float | None
    p90_s: float | None
    dominant: str | None
    steps: tuple[StepStats, ...]
    waste: tuple[Waste, ...]
    runs_per_month: float | None
    cost_per_run_usd: float | None
    cost_per_month_usd: float | None
    storage_per_month_usd: float | None
    fixed_per_month_usd: float
    prices: dict[str, Any] = field(default_factory=dict)
    #: What these runs were billed for that the estimate leaves out, and why.
    not_included: tuple[Unpriced, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "runs": self.runs, "succeeded": self.succeeded,
            "success_rate": None if self.success_rate is None else round(self.success_rate, 3),
            "median_s": _round(self.median_s), "p90_s": _round(self.p90_s),
            "dominant_step": self.dominant,
            "steps": [s.to_dict() for s in self.steps],
            "waste": [w.to_dict() for w in self.waste],
            "waste_s": round(sum(w.seconds for w in self.waste), 3),
            "cost": {"estimate": True, "runs_per_month": _round(self.runs_per_month),
                     "per_run_usd": _money(self.cost_per_run_usd),
                     "per_month_usd": _money(self.cost_per_month_usd),
                     "ecr_storage_per_month_usd": _money(self.storage_per_month_usd),
                     "fixed_per_month_usd": _money(self.fixed_per_month_usd),
                     "prices": self.prices,
                     "not_included": [u.to_dict() for u in self.not_included]},
        }


@dataclass(frozen=True)
class Report:
    pipeline: str
    runs: tuple[Run, ...]  # newest first
    summary: Summary
    recommendations: tuple[Recommendation, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"pipeline": self.pipeline, "runs": [r.to_dict() for r in self.runs],
                "summary": self.summary.to_dict(),
                "recommendations": [r.to_dict() for r in self.recommendations]}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
