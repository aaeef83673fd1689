"""The benchmark's results and their Markdown rendering (``docs/benchmarks.md``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from benchlib.measure import CallCount, Timing


@dataclass(frozen=True)
class Target:
    name: str
    goal: str
    measured: str
    met: bool


@dataclass(frozen=True)
class CommandCost:
    """One pipectl command's wall time and the AWS calls it made."""

    label: str
    seconds: float
    calls: CallCount


@dataclass(frozen=True)
class ScaleRow:
    pipelines: int  # pipelines in the account
    one: Timing  # `pipectl status` of one pipeline
    one_calls: CallCount
    fleet: Timing  # `pipectl list`: every pipeline, one row each
    fleet_calls: CallCount
    load: str  # the load average while this row was measured


@dataclass
class Results:
    machine: list[tuple[str, str]]
    mode: str
    time_scale: float = 1.0
    startup: list[Timing] = field(default_factory=list)
    status_vs_aws: list[Timing] = field(default_factory=list)
    status_peak_mib: float | None = None
    status_cold: float | None = None  # seconds, before botocore's trimmed models are cached
    loads: dict[str, str] = field(default_factory=dict)  # section -> load average then
    costs: list[CommandCost] = field(default_factory=list)
    watch: CommandCost | None = None
    watch_verdict: str = ""
    scale: list[ScaleRow] = field(default_factory=list)
    insights: Timing | None = None  # `pipectl insights --runs N -o json`
    insights_cost: CommandCost | None = None
    insights_runs: int = 0
    imports: list[tuple[str, float]] = field(default_factory=list)
    status_imports: list[tuple[str, float]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _range(timing: Timing) -> str:
    return f"{ms(min(timing.samples))}-{ms(max(timing.samples))}" if timing.samples else "-"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def per_minute(cost: CommandCost) -> float:
    return cost.calls.total / (cost.seconds / 60) if cost.seconds > 0 else 0.0


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _timing_rows(timings: list[Timing], base: Timing | None) -> list[list[str]]:
    rows = []
    for t in timings:
        low, high = t.spread
        ratio = f"{t.median / base.median:.2f}x" if base and base.median > 0 else ""
        rows.append([f"`{t.label}`", ms(t.median), f"{ms(low)} to {ms(high)}", ratio])
    return rows


def _looks(watch: CommandCost) -> str:
    """How often watch looked at the pipeline (one GetPipelineState per look)."""
    looks = watch.calls.by_operation.get("codepipeline:GetPipelineState", 0)
    if looks < 2:
        return ""
    return f"; it looked {looks} times, once every {watch.seconds / looks:.1f} s"


def _load(results: Results, section: str) -> str:
    load = results.loads.get(section)
    return f" Load average (1 min) while measured: {load}." if load else ""


def _operations(calls: CallCount) -> str:
    if not calls.by_operation:
        return "none"
    return ", ".join(f"{op} {n}" for op, n in sorted(calls.by_operation.items()))


def render(results: Results) -> str:
    out = [
        "# Benchmarks",
        "",
        "Produced by `python bench/run.py` (the README's Benchmarks section); every figure "
        "below comes from one run of it, against a sandbox the script starts on loopback "
        "(`pipectl sandbox start`; every pipectl command runs with `--sandbox`). Wall "
        "times are of child processes, as a user runs them: the median of "
        "repeated runs after one untimed warm-up run. AWS calls are what `pipectl -v` "
        "reports, by operation.",
        "",
        f"Mode: {results.mode}.",
        "",
        "## Machine",
        "",
        *_table(["", ""], [[k, v] for k, v in results.machine]),
        "## Targets",
        "",
        *_table(["target", "goal", "measured", "met"],
                [[t.name, t.goal, t.measured, "yes" if t.met else "**missed**"]
                 for t in results.targets]),
    ]
    missed = [t for t in results.targets if not t.met]
    if missed:
        out += [f"Missed: {', '.join(t.name for t in missed)}. See the notes at the end.", ""]
    if results.startup:
        aws = next((t for t in results.startup if t.label.startswith("aws")), None)
        out += [
            "## Start-up",
            "",
            *_table(["command", "median", "range", "vs `aws --version`"],
                    _timing_rows(results.startup, aws)),
        ]
    if results.status_vs_aws:
        aws = next((t for t in results.status_vs_aws if t.label.startswith("aws")), None)
        out += [
            "## `pipectl status` beside one `aws codepipeline get-pipeline-state`",
            "",
            "Same pipeline, same endpoint, timed in turns. `pipectl status` also reads the "
            "latest run, the ECS service and its deployments, and where the service answers. "
            "CPU is the command's own user + system time (not the sandbox's): on a busy "
            "machine it moves less than wall time." + _load(results, "status"),
            "",
            *_table(["command", "median", "range", "vs aws", "CPU median", "CPU vs aws"],
                    [[*row, ms(t.median_cpu),
                      f"{t.median_cpu / aws.median_cpu:.2f}x" if aws and aws.median_cpu
                      else ""]
                     for row, t in zip(_timing_rows(results.status_vs_aws, aws),
                                       results.status_vs_aws, strict=True)]),
        ]
        if results.status_peak_mib is not None:
            out += [f"Peak memory of `pipectl status`: {results.status_peak_mib:.1f} MiB "
                    "(median of 3 runs).", ""]
        if results.status_cold is not None:
            out += ["The first `pipectl status` on a machine (no trimmed botocore model or "
                    "endpoints cached yet, see the README's Global options) took "
                    f"{ms(results.status_cold)}.",
                    ""]
    if results.costs or results.watch:
        rows = [[f"`{c.label}`", ms(c.seconds), str(c.calls.total),
                 str(sum(c.calls.mutating.values())), _operations(c.calls)]
                for c in results.costs]
        out += ["## AWS calls", "",
                *_table(["command", "wall time", "calls", "mutating", "by operation"], rows)]
        if results.watch:
            w = results.watch
            out += [
                f"`{w.label}` followed a whole run ({results.watch_verdict}; sandbox "
                f"time scale {results.time_scale}) for {w.seconds:.1f} s: {w.calls.total} "
                f"calls, **{per_minute(w):.1f} calls a minute**{_looks(w)}."
                + _load(results, "watch"),
                "",
                *_table(["operation", "calls", "per minute"],
                        [[op, str(n), f"{n / (w.seconds / 60):.1f}"]
                         for op, n in sorted(w.calls.by_operation.items())]),
            ]
    if results.scale:
        out += [
            "## `pipectl list` as pipelines grow",
            "",
            "N pipelines made by pipectl exist in the account. `pipectl list` shows them all, "
            "one row each; `pipectl status` shows one. Both timed in turns, medians.",
            "",
            *_table(["pipelines", "status: median", "status: calls", "list: median",
                     "list vs status", "list: calls", "list: calls per pipeline",
                     "load average"],
                    [[str(r.pipelines), ms(r.one.median), str(r.one_calls.total),
                      ms(r.fleet.median), f"{r.fleet.median / r.one.median:.2f}x",
                      str(r.fleet_calls.total),
                      f"{r.fleet_calls.total / r.pipelines:.2f}", r.load]
                     for r in results.scale]),
        ]
        last = results.scale[-1]
        out += ["`pipectl list` calls by operation, with "
                f"{last.pipelines} pipeline(s): {_operations(last.fleet_calls)}.", ""]
    if results.insights and results.insights_cost:
        c = results.insights_cost
        out += [
            f"## `pipectl insights --runs {results.insights_runs}`",
            "",
            f"One pipeline with {results.insights_runs} runs (most of them superseded, as "
            "runs started back to back are), in a sandbox of its own at a fast pace (what "
            "insights reads does not depend on it). Median "
            f"**{ms(results.insights.median)}** ({_range(results.insights)}); "
            f"{c.calls.total} AWS calls:",
            "",
            *_table(["operation", "calls"],
                    [[op, str(n)] for op, n in sorted(c.calls.by_operation.items())]),
        ]
    for command, imports in (("--help", results.imports),
                             ("status", results.status_imports)):
        if imports:
            out += [
                f"## Where `pipectl {command}` spends its imports",
                "",
                f"Largest cumulative imports (`python -X importtime -m pipectl {command}`, "
                "one run, so only a rough guide):",
                "",
                *_table(["module", "cumulative"],
                        [[f"`{name}`", f"{micro / 1000:.1f} ms"] for name, micro in imports]),
            ]
    if results.notes:
        out += ["## Notes", "", *[f"- {n}" for n in results.notes], ""]
    return "\n".join(out).rstrip() + "\n"
