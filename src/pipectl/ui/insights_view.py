"""Text for `insights`: a rich waterfall and tables on a terminal, plain lines elsewhere.

JSON is ``Report.to_dict()``; the HTML page is ``pipectl.ui.insights_html``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipectl.insights import prices
from pipectl.insights.model import ACTION, GAP, Recommendation, Report, Run, Step, Summary
from pipectl.runs.values import format_duration, iso_time
from pipectl.ui.environment import Environment

BAR_WIDTH = 40
SPARKS = "▁▂▃▄▅▆▇█"
KIND_STYLES = {"action": "bold cyan", "phase": "blue", "rollout": "magenta", "gap": "yellow"}


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}s" if value < 60 else format_duration(value)


def money(value: float | None) -> str:
    if value is None:
        return "-"
    return f"${value:.4f}" if abs(value) < 1 else f"${value:,.2f}"


def label(step: Step) -> str:
    if step.kind == ACTION:
        return f"{step.stage}/{step.action}"
    if step.kind == GAP:
        return f"  ({step.name})"
    return f"    {step.name}"


def bar(step: Step, run: Run, width: int = BAR_WIDTH) -> tuple[int, int]:
    """(offset, length) of a step's bar, in characters."""
    total = max(run.duration, 1e-9)
    offset = int((step.start - run.start) / total * width)
    length = max(1, round(step.duration / total * width))
    offset = min(max(offset, 0), width - 1)
    return offset, min(length, width - offset)


def sparkline(series: Sequence[float]) -> str:
    if not series:
        return ""
    low, high = min(series), max(series)
    span = high - low
    return "".join(SPARKS[0 if span <= 0 else min(len(SPARKS) - 1, int((v - low) / span
                                                                        * len(SPARKS)))]
                   for v in series[-30:])


def estimate_note() -> str:
    return (f"costs are estimates at {prices.REGION} on-demand prices as of {prices.AS_OF}, "
            "before free tiers")


def headline(run: Run) -> str:
    revision = f", revision {run.revision[:7]}" if run.revision else ""
    return (f"Run {run.id} {run.status}, {seconds(run.duration)}{revision}, started "
            f"{iso_time(run.start)}, estimate {money(run.cost.total)}")


def plain_lines(report: Report, run: Run) -> list[str]:
    lines = [f"Pipeline {report.pipeline}", headline(run), "", "Waterfall"]
    width = max((len(label(s)) for s in run.steps), default=10) + 2
    for step in run.steps:
        offset, length = bar(step, run)
        drawn = " " * offset + ("=" if step.kind != GAP else "-") * length
        offset_text = "+" + seconds(step.start - run.start)
        lines.append(f"  {label(step):<{width}} {offset_text:>8} "
                     f"{seconds(step.duration):>7}  |{drawn:<{BAR_WIDTH}}|")
    lines += ["", *summary_lines(report)]
    return lines


def summary_lines(report: Report) -> list[str]:
    s = report.summary
    rate = "-" if s.success_rate is None else f"{s.success_rate:.0%}"
    lines = [f"Last {s.runs} runs: {s.succeeded} succeeded ({rate}), median "
             f"{seconds(s.median_s)}, p90 {seconds(s.p90_s)}; dominant step: "
             f"{s.dominant or '-'}"]
    width = max((len(st.key) for st in s.steps), default=10) + 2
    lines.append(f"  {'STEP':<{width}} {'MEDIAN':>8} {'P90':>8} {'MAX':>8}  TREND")
    for st in s.steps:
        lines.append(f"  {st.key:<{width}} {seconds(st.median):>8} {seconds(st.p90):>8} "
                     f"{seconds(st.max):>8}  {sparkline(st.series)} {st.slope:+.1f}s/run")
    lines.append("")
    if s.waste:
        lines.append(f"Work done for nothing: {seconds(sum(w.seconds for w in s.waste))}")
        for w in s.waste:
            lines.append(f"  {w.run} {w.kind}: {w.detail}")
    else:
        lines.append("Work done for nothing: none found")
    lines.append("")
    lines.append(f"Cost ({estimate_note()})")
    lines += [f"  {line}" for line in cost_lines(s)]
    lines.append("")
    if not report.recommendations:
        lines.append("Recommendations: none; these runs show nothing to change")
    for number, rec in enumerate(report.recommendations, 1):
        lines.append(f"{number}. {rec.title} ({saving(rec)})")
        for item in rec.evidence:
            lines.append(f"   evidence: {item}")
        lines.append(f"   change:   {rec.change}")
    return lines


def cost_lines(s: Summary) -> list[str]:
    """The cost summary, as the terminal and the HTML page both show it."""
    rate = (f" at {s.runs_per_month:.0f} runs a month" if s.runs_per_month
            else " (no rate: too few runs, or all within an hour)")
    lines = [f"per run {money(s.cost_per_run_usd)}; per month "
             f"{money(s.cost_per_month_usd)}{rate}"]
    if s.storage_per_month_usd is not None:
        lines.append(f"ECR storage {money(s.storage_per_month_usd)} a month")
    if s.fixed_per_month_usd:
        lines.append(f"CodePipeline V1 {money(s.fixed_per_month_usd)} a month")
    for unpriced in s.not_included:
        lines.append(f"not included: {unpriced.action}'s CodeBuild compute, "
                     f"{unpriced.minutes} min over these runs ({unpriced.why})")
    return lines


def saving(rec: Recommendation) -> str:
    text = f"saves ~{seconds(rec.saving_s)} a run" if rec.saving_s else "saves no time"
    if rec.saving_usd is not None:
        text += f", {money(rec.saving_usd)} a month"
    return text


def show(env: Environment, report: Report, run: Run) -> None:
    if not env.rich_output:
        for line in plain_lines(report, run):
            env.write(line)
        return
    from rich.table import Table
    from rich.text import Text

    console = env.console()
    console.print(Text(f"Pipeline {report.pipeline}", style="bold"))
    console.print(headline(run))
    table = Table(title="Waterfall", title_justify="left", box=None, pad_edge=False)
    table.add_column("step")
    table.add_column("start", justify="right")
    table.add_column("duration", justify="right")
    table.add_column("", no_wrap=True)
    for step in run.steps:
        offset, length = bar(step, run)
        drawn = Text(" " * offset)
        drawn.append("█" * length if step.kind != GAP else "░" * length,
                     style=KIND_STYLES.get(step.kind, ""))
        table.add_row(Text(label(step), style=KIND_STYLES.get(step.kind, "")
                           if step.kind == ACTION else ""),
                      seconds(step.start - run.start), seconds(step.duration), drawn)
    console.print(table)
    for line in summary_lines(report):
        console.print(Text(line))
