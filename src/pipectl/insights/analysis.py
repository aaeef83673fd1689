"""From the evidence to the report: the runs' steps, statistics, costs, recommendations."""

from __future__ import annotations

from pipectl.insights import cost, prices
from pipectl.insights.evidence import Evidence
from pipectl.insights.model import Report, Run, Summary
from pipectl.insights.rules import RULES, Context
from pipectl.insights.stats import dominant, median, percentile, step_stats, waste
from pipectl.insights.timeline import run_steps
from pipectl.runs.model import FINAL_EXECUTION_STATUSES
from pipectl.runs.projections import summary_revision
from pipectl.runs.values import epoch


def analyse(evidence: Evidence, now: float) -> Report:
    runs = tuple(build_run(evidence, e, now) for e in evidence.executions)
    stats = step_stats(runs)
    per_month = cost.runs_per_month([r.start for r in runs])
    found_waste = waste(evidence, runs)
    context = Context(evidence, runs, {s.key: s for s in stats}, per_month, found_waste)
    recommendations = tuple(r for rule in RULES if (r := rule(context)) is not None)
    finished = [r for r in runs if r.status in FINAL_EXECUTION_STATUSES]
    succeeded = sum(1 for r in finished if r.status == "Succeeded")
    durations = [r.duration for r in finished]
    per_run = (sum(r.cost.total for r in runs) / len(runs)) if runs else None
    storage = cost.storage_per_month(evidence)
    fixed = cost.fixed_per_month(evidence)
    monthly = None
    if per_run is not None and per_month is not None:
        monthly = per_run * per_month + (storage or 0.0) + fixed
    summary = Summary(
        runs=len(runs),
        succeeded=succeeded,
        success_rate=(succeeded / len(finished)) if finished else None,
        median_s=median(durations) if durations else None,
        p90_s=percentile(durations, 0.9) if durations else None,
        dominant=dominant(runs, stats),
        steps=stats,
        waste=found_waste,
        runs_per_month=per_month,
        cost_per_run_usd=per_run,
        cost_per_month_usd=monthly,
        storage_per_month_usd=storage,
        fixed_per_month_usd=fixed,
        prices=prices.describe(),
        not_included=cost.not_included(evidence),
    )
    return Report(evidence.target.pipeline, runs, summary, recommendations)


def build_run(evidence: Evidence, execution: dict[str, object], now: float) -> Run:
    execution_id = str(execution["pipelineExecutionId"])
    status = str(execution.get("status") or "Unknown")
    start = epoch(execution.get("startTime")) or now
    end = now if status in ("InProgress", "Stopping") else (
        epoch(execution.get("lastUpdateTime")) or now)
    steps = run_steps(evidence, execution, now)
    last_step = max((s.end for s in steps), default=start)
    revision, _ = summary_revision(execution)
    trigger = (execution.get("trigger") or {})
    return Run(
        id=execution_id,
        status=status,
        start=start,
        duration=max(end, last_step) - start,
        revision=revision,
        trigger=str(trigger.get("triggerType")) if isinstance(trigger, dict)
        and trigger.get("triggerType") else None,
        steps=steps,
        cost=cost.run_cost(evidence, evidence.build_for(execution_id), steps,
                           evidence.deployment_id_for(execution_id)),
    )
