"""Benchmark pipectl against a sandbox it starts itself; write docs/benchmarks.md.

    python bench/run.py            # the full run (a few minutes)
    python bench/run.py --quick    # 1 repetition, 1 pipeline, a fast run (seconds)

Measures start-up (beside ``python -c pass`` and ``aws --version``), ``status`` beside
``aws codepipeline get-pipeline-state`` (wall time and peak memory), the AWS calls of a
no-op ``create``, of ``status`` and of ``watch`` per minute on a quiet run, ``insights
--runs 100`` (time and calls), and ``list`` beside ``status`` over 1, 10 and 50 pipelines.
Everything runs on this machine: the endpoint listens on 127.0.0.1 only, with dummy
credentials and no AWS configuration files, so nothing can reach real AWS.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchlib import machine
from benchlib.measure import (
    BenchError,
    Timing,
    parse_calls,
    peak_memory_mib,
    run,
    time_commands,
)
from benchlib.report import CommandCost, Results, ScaleRow, Target, ms, per_minute, render
from benchlib.sandbox import Sandbox
from benchlib.workspace import REPO_ROOT, pipeline_name, write_project

DEFAULT_OUTPUT = REPO_ROOT / "docs" / "benchmarks.md"
#: pipectl --help must take at most this share of `aws --version`.
HELP_SHARE = 0.15
#: pipectl status must take at most this share of one `aws codepipeline get-pipeline-state`.
STATUS_SHARE = 0.75
STATUS_PEAK_MIB = 80.0
WATCH_CALLS_PER_MINUTE = 20
#: `pipectl list` of the most pipelines must take at most this many `pipectl status`.
LIST_SHARE = 3.0
#: `pipectl insights --runs 100` must take less than this.
INSIGHTS_SECONDS = 2.0
#: The insights runs' sandbox pace: 100 runs at the quiet pace would take hours; what
#: insights reads (the calls, the amount of data) does not depend on the pace.
INSIGHTS_TIME_SCALE = 0.005
SCALE_STEPS = (1, 10, 50)
#: The watched run's sandbox time scale: 4 makes phases about as long as on AWS
#: (provisioning 20 s, docker build 40 s), a quiet run; 1 is a run of under a minute.
QUIET_TIME_SCALE = 4.0


@dataclass(frozen=True)
class Settings:
    repeat: int
    scale: tuple[int, ...]
    time_scale: float  # the sandbox's: 1.0 runs at about AWS's pace
    quick: bool
    insights_runs: int = 100


@dataclass(frozen=True)
class Tools:
    python: str
    pipectl: list[str]
    aws: list[str] | None


def find_tools() -> Tools:
    here = Path(sys.executable).parent
    script = here / "pipectl"
    pipectl = [str(script)] if script.exists() else [sys.executable, "-m", "pipectl"]
    aws_path = here / "aws"
    aws = str(aws_path) if aws_path.exists() else shutil.which("aws")
    return Tools(sys.executable, pipectl, [aws] if aws else None)


def clean_environment(root: Path) -> dict[str, str]:
    """The user's environment less anything AWS or pipectl, plus dummy credentials.

    Python writes bytecode as an installed package has it (pip compiles on install), in a
    directory of the benchmark's own, so the checkout is not touched; pipectl's cache
    (the trimmed botocore models) lives there too.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "PIPECTL_", "BOTO_"))
           and k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    env.update({
        "PYTHONPYCACHEPREFIX": str(root / "bytecode"),
        "PIPECTL_CACHE_DIR": str(root / "cache"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(root / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(root / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "PIPECTL_STATE_DIR": str(root / "state"),
        "NO_COLOR": "1",
    })
    return env


class Bench:
    def __init__(self, settings: Settings, root: Path) -> None:
        self.settings = settings
        self.root = root
        self.project = root / "project"
        self.tools = find_tools()
        self.env = clean_environment(root)
        self.url = ""
        self.specs: list[Path] = []
        self.results = Results(machine.describe(), mode_text(settings),
                               time_scale=settings.time_scale)

    # --- running commands -----------------------------------------------------------

    def pipectl(self, spec: Path, *args: str, verbose: bool = False) -> list[str]:
        """``pipectl [-v] --sandbox -c SPEC ARGS``, as a user points it at the sandbox."""
        flags = ["-v"] if verbose else []
        return [*self.tools.pipectl, *flags, "--sandbox", "-c", str(spec), *args]

    def timed(self, *commands: tuple[str, Sequence[str]]) -> list[Timing]:
        return time_commands(commands, env=self.env, cwd=self.project,
                             repeat=self.settings.repeat, warm_up=not self.settings.quick)

    def cost(self, label: str, args: Sequence[str], timeout: float = 300) -> CommandCost:
        done = run(args, env=self.env, cwd=self.project, timeout=timeout).check()
        return CommandCost(label, done.seconds, parse_calls(done.stderr))

    # --- the measurements ---------------------------------------------------------

    def startup(self) -> None:
        spec = self.specs[0]
        commands: list[tuple[str, Sequence[str]]] = [
            ("python -c pass", [self.tools.python, "-c", "pass"])]
        if self.tools.aws:
            commands.append(("aws --version", [*self.tools.aws, "--version"]))
        else:
            self.results.notes.append("`aws` is not installed: no aws CLI comparisons.")
        commands += [("pipectl --help", [*self.tools.pipectl, "--help"]),
                     ("pipectl validate", [*self.tools.pipectl, "-c", str(spec), "validate"])]
        self.results.startup = self.timed(*commands)
        if not self.settings.quick:
            self.results.imports = slowest_imports(self.tools.python, self.env, ["--help"])

    def create_and_run(self) -> None:
        spec = self.specs[0]
        first = self.cost("pipectl create (new pipeline)", self.pipectl(spec, "create",
                                                                        verbose=True))
        again = self.cost("pipectl create (no-op)", self.pipectl(spec, "create", verbose=True))
        self.results.costs += [first, again]
        started = run(self.pipectl(spec, "run"), env=self.env, cwd=self.project).check()
        execution = started.stdout.strip().splitlines()[-1].strip()
        done = run(self.pipectl(spec, "watch", execution, verbose=True), env=self.env,
                   cwd=self.project, timeout=900)
        if done.exit_code not in (0, 1):
            done.check()
        self.results.watch = CommandCost(f"pipectl watch {execution[:8]}...", done.seconds,
                                         parse_calls(done.stderr))
        self.results.watch_verdict = "succeeded" if done.exit_code == 0 else "failed"
        self.results.loads["watch"] = machine.load_average()
        shutil.rmtree(self.root / "cache", ignore_errors=True)  # as on a new machine
        cold = run(self.pipectl(spec, "status"), env=self.env, cwd=self.project).check()
        self.results.status_cold = cold.seconds  # the first status: nothing cached yet
        self.results.costs.append(self.cost("pipectl status", self.pipectl(spec, "status",
                                                                           verbose=True)))

    def status_beside_aws(self) -> None:
        spec = self.specs[0]
        commands: list[tuple[str, Sequence[str]]] = [
            ("pipectl status", self.pipectl(spec, "status"))]
        if self.tools.aws:
            commands.append(("aws codepipeline get-pipeline-state",
                             [*self.tools.aws, "--endpoint-url", self.url, "codepipeline",
                              "get-pipeline-state", "--name", pipeline_name(1)]))
        self.results.status_vs_aws = self.timed(*commands)
        self.results.loads["status"] = machine.load_average()
        self.results.status_peak_mib = peak_memory_mib(
            self.tools.python, self.pipectl(spec, "status"), env=self.env, cwd=self.project,
            repeat=1 if self.settings.quick else 3)
        if not self.settings.quick:
            self.results.status_imports = slowest_imports(
                self.tools.python, self.env, ["--sandbox", "-c", str(spec), "status"],
                cwd=self.project)

    def scale(self) -> None:
        created = 1
        spec = self.specs[0]
        for count in self.settings.scale:
            create_in_process(self.specs[created:count], self.url, self.env)
            created = max(created, count)
            one, fleet = self.timed(("pipectl status", self.pipectl(spec, "status")),
                                    ("pipectl list", self.pipectl(spec, "list")))
            status = self.cost("status", self.pipectl(spec, "status", verbose=True))
            listed = self.cost("list", self.pipectl(spec, "list", verbose=True))
            self.results.scale.append(ScaleRow(count, one, status.calls, fleet, listed.calls,
                                               machine.load_average()))

    def insights(self) -> None:
        """`insights --runs N` of one pipeline with N settled runs, in a sandbox of its own
        at INSIGHTS_TIME_SCALE (started once the main one has stopped)."""
        from benchlib.runs import start_runs

        runs, spec, main_env = self.settings.insights_runs, self.specs[0], self.env
        with Sandbox(self.tools.pipectl, INSIGHTS_TIME_SCALE, main_env) as sandbox:
            self.env = {**main_env, **sandbox.credentials}
            try:
                create_in_process([spec], sandbox.url, self.env)
                self.results.insights_runs = start_runs(sandbox.url, self.env,
                                                        pipeline_name(1), runs)
                args = self.pipectl(spec, "insights", "--runs", str(runs), "-o", "json")
                [self.results.insights] = self.timed((f"pipectl insights --runs {runs}", args))
                self.results.insights_cost = self.cost(
                    "pipectl insights", self.pipectl(spec, "insights", "--runs", str(runs),
                                                     "-o", "json", verbose=True))
            finally:
                self.env = main_env

    def run_all(self) -> Results:
        started = time.perf_counter()
        load_before = machine.load_average()
        count = max(self.settings.scale)
        self.specs = write_project(self.project, count)
        self.startup()
        with Sandbox(self.tools.pipectl, self.settings.time_scale, self.env) as sandbox:
            self.url = sandbox.url
            # The aws CLI and the in-process creates sign with the sandbox's token.
            self.env.update(sandbox.credentials)
            self.create_and_run()
            self.status_beside_aws()
            self.scale()
        self.insights()
        load_after = machine.load_average()
        cores = os.cpu_count() or 1
        self.results.machine.append(
            ("load average (1 min)", f"{load_before} at the start, {load_after} at the end, "
                                     f"on {cores} cores"))
        if max(_number(load_before), _number(load_after)) > cores:
            self.results.notes.append(
                "Other work kept the machine busy during this run (load average above the "
                "number of cores): absolute times are inflated; the commands compared in "
                "one table were timed in turns, so their ratios are fairer than their "
                "milliseconds.")
        self.results.targets = targets(self.results)
        self.results.notes += explain(self.results)
        self.results.mode += f"; the whole benchmark took {time.perf_counter() - started:.0f} s"
        return self.results


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def create_in_process(specs: Sequence[Path], url: str, env: Mapping[str, str]) -> None:
    """Set-up only (not measured): create many pipelines without a process each."""
    if not specs:
        return
    from pipectl.cli.main import main
    from pipectl.ui.environment import Environment

    with patched_environ(env):
        for spec in specs:
            out, err = io.StringIO(), io.StringIO()
            code = main(["--endpoint-url", url, "-c", str(spec), "create"],
                        env=Environment(stdout=out, stderr=err, environ=dict(env)))
            if code != 0:
                raise BenchError(f"set-up: create of {spec.name} exited {code}: "
                                 f"{err.getvalue().strip()[-500:]}")


@contextmanager
def patched_environ(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)\s*$")


def slowest_imports(python: str, env: Mapping[str, str], args: Sequence[str],
                    cwd: Path | None = None, top: int = 8) -> list[tuple[str, float]]:
    """The largest cumulative imports of ``pipectl ARGS`` (depth 0 and 1 of the tree)."""
    done = run([python, "-X", "importtime", "-m", "pipectl", *args], env=env, cwd=cwd).check()
    found = []
    for line in done.stderr.splitlines():
        m = _IMPORT_LINE.match(line)
        if m and len(m.group(3)) <= 3:
            found.append((m.group(4), float(m.group(2))))
    found.sort(key=lambda item: -item[1])
    return found[:top]


def targets(results: Results) -> list[Target]:
    out = []
    by_label = {t.label: t for t in results.startup}
    help_, aws = by_label.get("pipectl --help"), by_label.get("aws --version")
    if help_ and aws:
        share = help_.median / aws.median
        out.append(Target("`pipectl --help` start-up", f"<= {HELP_SHARE}x `aws --version`",
                          f"{share:.2f}x ({ms(help_.median)} vs {ms(aws.median)})",
                          share <= HELP_SHARE))
    status = {t.label: t for t in results.status_vs_aws}
    mine, theirs = status.get("pipectl status"), status.get("aws codepipeline get-pipeline-state")
    if mine and theirs:
        share = mine.median / theirs.median
        out.append(Target("`pipectl status` wall time", f"<= {STATUS_SHARE}x one `aws "
                          "codepipeline get-pipeline-state`",
                          f"{share:.2f}x ({ms(mine.median)} vs {ms(theirs.median)})",
                          share <= STATUS_SHARE))
    if results.status_peak_mib is not None:
        out.append(Target("`pipectl status` peak memory", f"< {STATUS_PEAK_MIB:.0f} MiB",
                          f"{results.status_peak_mib:.1f} MiB",
                          results.status_peak_mib < STATUS_PEAK_MIB))
    noop = next((c for c in results.costs if c.label.endswith("(no-op)")), None)
    if noop:
        mutating = noop.calls.mutating
        out.append(Target("no-op `create`", "0 mutating calls",
                          f"{sum(mutating.values())} mutating of {noop.calls.total}"
                          + (f" ({_ops(mutating)})" if mutating else ""), not mutating))
    if results.insights:
        out.append(Target(f"`insights --runs {results.insights_runs}` wall time",
                          f"< {INSIGHTS_SECONDS:.0f} s", ms(results.insights.median),
                          results.insights.median < INSIGHTS_SECONDS))
    if results.watch:
        rate = per_minute(results.watch)
        out.append(Target("`watch` on a quiet run", f"< {WATCH_CALLS_PER_MINUTE} calls a minute",
                          f"{rate:.1f} a minute", rate < WATCH_CALLS_PER_MINUTE))
    if results.scale:
        last = results.scale[-1]
        share = last.fleet.median / last.one.median
        out.append(Target(f"`pipectl list` of {last.pipelines} pipeline(s)",
                          f"<= {LIST_SHARE:.0f}x one `pipectl status`",
                          f"{share:.2f}x ({ms(last.fleet.median)} vs {ms(last.one.median)})",
                          share <= LIST_SHARE))
    return out


def _ops(calls: Mapping[str, int]) -> str:
    return ", ".join(f"{op} {n}" for op, n in sorted(calls.items()))


def explain(results: Results) -> list[str]:
    """Plain words on what the figures mean, and where the time of each missed target goes."""
    notes = []
    by_label = {t.label: t for t in results.startup}
    base, help_ = by_label.get("python -c pass"), by_label.get("pipectl --help")
    if base and help_:
        notes.append(f"The interpreter alone starts in {ms(base.median)}; `pipectl --help` "
                     f"spends {ms(help_.median - base.median)} more, on imports.")
    missed = {t.name: t for t in results.targets if not t.met}
    for target in missed.values():
        notes.append(f"Target missed: {target.name} ({target.goal}); measured "
                     f"{target.measured}.")
    if "`pipectl --help` start-up" in missed and results.imports:
        notes.append("`pipectl --help`: the largest imports are "
                     f"{_largest(results.imports, skip='pipectl.cli.main')}.")
    status = next((c for c in results.costs if c.label == "pipectl status"), None)
    mine = next((t for t in results.status_vs_aws if t.label == "pipectl status"), None)
    theirs = next((t for t in results.status_vs_aws if t.label.startswith("aws")), None)
    if "`pipectl status` wall time" in missed and mine and theirs and theirs.median_cpu:
        calls = f"its {status.calls.total} calls" if status else "its calls"
        notes.append(f"`pipectl status` used {ms(mine.median_cpu)} of CPU, the aws CLI "
                     f"{ms(theirs.median_cpu)} ({mine.median_cpu / theirs.median_cpu:.2f}x); "
                     f"the rest of its wall time is waiting for {calls}, in 3 rounds (all "
                     "that needs only the spec's names at once; a task's network interface "
                     "and the image, if no task runs it, once the service and its tasks are "
                     "read; the public IP once the interface is), answered by a sandbox that "
                     "shares the machine's cores.")
    if ("`pipectl status` wall time" in missed or "`pipectl status` peak memory" in missed) \
            and status:
        where = (f"; the largest imports are {_largest(results.status_imports)}"
                 if results.status_imports else "")
        notes.append(f"`pipectl status` makes {status.calls.total} calls "
                     f"({', '.join(sorted(status.calls.by_operation))}) where the aws CLI "
                     f"makes one, and creates a client for each of their services{where}.")
    insights = results.insights_cost
    if results.insights and insights and any(n.startswith("`insights") for n in missed):
        from benchlib.runs import insights_note

        mine = {t.label: t for t in results.status_vs_aws}.get("pipectl status")
        load = next((v for k, v in results.machine if k.startswith("load")), "unknown")
        notes.append(insights_note(results.insights.median, insights.calls.by_operation,
                                   mine.median if mine else None, load))
    watch = results.watch
    if "`watch` on a quiet run" in missed and watch:
        looks = watch.calls.by_operation.get("codepipeline:GetPipelineState", 0)
        reads = sorted(op for op, n in watch.calls.by_operation.items() if n > 1
                       and op != "codepipeline:GetPipelineState")
        also = f", and many also {', '.join(reads)}" if reads else ""
        notes.append(f"`watch` looked {looks} time(s) in {watch.seconds:.0f} s; each look "
                     f"reads codepipeline:GetPipelineState{also}. The sandbox (time scale "
                     f"{results.time_scale}) ran the whole pipeline in {watch.seconds:.0f} s, "
                     "so something changed every few seconds, and watch polls at its quickest "
                     "while things change.")
    if results.scale and len(results.scale) > 1:
        first, last = results.scale[0], results.scale[-1]
        notes.append(f"`status` of one pipeline: {ms(first.one.median)} with {first.pipelines} "
                     f"pipeline(s) in the account, {ms(last.one.median)} with "
                     f"{last.pipelines}; calls {first.one_calls.total} and "
                     f"{last.one_calls.total}: the cost of one pipeline does not grow with "
                     "the account. `pipectl list` makes "
                     f"{last.fleet_calls.total / last.pipelines:.2f} calls per pipeline with "
                     f"{last.pipelines} (ListTagsForResource, GetPipeline, "
                     "ListPipelineExecutions each, DescribeServices per 10 services, and "
                     "ListPipelines and GetCallerIdentity once).")
    if results.scale:
        last = results.scale[-1]
        if any(t.name.startswith("`pipectl list`") for t in missed.values()):
            notes.append(f"`pipectl list` of {last.pipelines} pipelines: "
                         f"{last.fleet_calls.total} calls through 8 workers; the sandbox "
                         "answers them on the same 2 cores as pipectl itself, so each call "
                         "costs CPU twice, and on a busy machine they queue.")
    if results.status_cold is not None and results.status_vs_aws:
        mine = next((t for t in results.status_vs_aws if t.label == "pipectl status"), None)
        if mine is not None:
            notes.append(f"The first `pipectl status` (nothing cached) took "
                         f"{ms(results.status_cold)}, the cached median {ms(mine.median)}: "
                         "the difference is trimming botocore's models (EC2's 6 MB to the "
                         "operations pipectl calls, every model to no documentation) and "
                         "endpoints once.")
    return notes


def _largest(imports: Sequence[tuple[str, float]], skip: str = "", top: int = 3) -> str:
    chosen = [(name, micro) for name, micro in imports if name != skip][:top]
    return ", ".join(f"`{name}` ({micro / 1000:.0f} ms)" for name, micro in chosen)


def mode_text(settings: Settings) -> str:
    kind = "quick" if settings.quick else "full"
    return (f"{kind}: {settings.repeat} timed repetition(s) per command, status over "
            f"{', '.join(map(str, settings.scale))} pipeline(s), insights over "
            f"{settings.insights_runs} runs, sandbox time scale {settings.time_scale}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true",
                        help="1 repetition, 1 pipeline, a fast run: a smoke test (seconds)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed runs per command (default 7, quick 1 with no warm-up run)")
    parser.add_argument("--time-scale", type=float, default=None,
                        help="sandbox time scale of the watched run (default "
                             f"{QUIET_TIME_SCALE}: a quiet run at about AWS's pace; quick 0.005)")
    parser.add_argument("--insights-runs", type=int, default=None,
                        help="runs `insights` analyses (default 100, quick 5)")
    parser.add_argument("--output", type=Path, default=None,
                        help="where to write the Markdown report (default docs/benchmarks.md; "
                             "--quick writes none unless given)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    settings = Settings(
        repeat=args.repeat or (1 if args.quick else 7),
        scale=(1,) if args.quick else SCALE_STEPS,
        time_scale=args.time_scale or (0.005 if args.quick else QUIET_TIME_SCALE),
        quick=args.quick,
        insights_runs=args.insights_runs or (5 if args.quick else 100),
    )
    output: Path | None = args.output or (None if args.quick else DEFAULT_OUTPUT)
    with tempfile.TemporaryDirectory(prefix="pipectl-bench-") as tmp:
        try:
            results = Bench(settings, Path(tmp)).run_all()
        except BenchError as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 1
    text = render(results)
    print(text)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text)
        print(f"wrote {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
