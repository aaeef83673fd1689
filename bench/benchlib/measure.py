"""Time commands as a user runs them (a child process each), and read pipectl's call counts."""

from __future__ import annotations

import re
import resource
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: ``-v`` prints ``AWS calls: N`` then one ``  service:Operation n`` line per operation.
_TOTAL = re.compile(r"^AWS calls: (\d+)\s*$")
_OPERATION = re.compile(r"^\s+([a-z0-9-]+:[A-Za-z0-9]+) (\d+)\s*$")

#: Operation-name prefixes that only read (the same rule as pipectl's own counter).
READ_PREFIXES = ("Get", "List", "Describe", "BatchGet", "Head", "Lookup", "Filter")


@dataclass(frozen=True)
class Finished:
    """One finished command: its exit code, output and wall time in seconds."""

    args: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    cpu_seconds: float = 0.0  # user + system of the child (and what it waited for)

    def check(self) -> Finished:
        if self.exit_code != 0:
            tail = "\n".join((self.stderr or self.stdout).strip().splitlines()[-5:])
            raise BenchError(f"`{' '.join(self.args)}` exited {self.exit_code}:\n{tail}")
        return self


class BenchError(Exception):
    """A step of the benchmark could not run; the message says which and why."""


def run(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    timeout: float = 300,
) -> Finished:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            list(args), env=dict(env), cwd=cwd, capture_output=True, text=True,
            timeout=timeout, check=False,
        )
    except FileNotFoundError as exc:
        raise BenchError(f"cannot run {args[0]}: {exc}") from None
    except subprocess.TimeoutExpired:
        raise BenchError(f"`{' '.join(args)}` took longer than {timeout:.0f} s") from None
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Finished(tuple(args), done.returncode, done.stdout, done.stderr, seconds, cpu)


#: Runs the command given as its arguments and prints the child's peak memory (KiB).
_PEAK_WRAPPER = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "sys.stderr.write(done.stderr.decode(errors='replace')[-2000:]) if done.returncode else None\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(done.returncode)\n"
)


def peak_memory_mib(python: str, args: Sequence[str], *, env: Mapping[str, str],
                    cwd: Path | None = None, repeat: int = 3) -> float:
    """The median peak resident memory (MiB) of ``args``, each run in a fresh parent so
    that the peak is that one child's (Linux reports ru_maxrss in KiB)."""
    peaks = []
    for _ in range(max(1, repeat)):
        done = run([python, "-c", _PEAK_WRAPPER, *args], env=env, cwd=cwd).check()
        peaks.append(int(done.stdout.strip().splitlines()[-1]) / 1024)
    return statistics.median(peaks)


@dataclass(frozen=True)
class Timing:
    """Wall times of repeated runs of one command (after one untimed warm-up run)."""

    label: str
    samples: tuple[float, ...]
    cpu_samples: tuple[float, ...] = ()  # CPU seconds of the same runs

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu_samples) if self.cpu_samples else 0.0

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.samples), max(self.samples)


def time_commands(
    commands: Sequence[tuple[str, Sequence[str]]],
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    repeat: int = 5,
    warm_up: bool = True,
) -> list[Timing]:
    """Wall times of commands to compare, taken in turns (A B C A B C ...).

    Taking turns spreads any change in the machine's load over every command alike,
    so the ratios stay fair on a busy machine. A first, untimed round warms the caches.
    """
    if warm_up:
        for _, args in commands:
            run(args, env=env, cwd=cwd).check()
    samples: list[list[float]] = [[] for _ in commands]
    cpu: list[list[float]] = [[] for _ in commands]
    for _ in range(max(1, repeat)):
        for index, (_, args) in enumerate(commands):
            done = run(args, env=env, cwd=cwd).check()
            samples[index].append(done.seconds)
            cpu[index].append(done.cpu_seconds)
    return [Timing(label, tuple(s), tuple(c))
            for (label, _), s, c in zip(commands, samples, cpu, strict=True)]


@dataclass(frozen=True)
class CallCount:
    """The AWS calls one pipectl command made, as its ``-v`` output reports them."""

    total: int
    by_operation: dict[str, int]

    @property
    def mutating(self) -> dict[str, int]:
        return {op: n for op, n in self.by_operation.items() if not is_read(op)}


def is_read(operation: str) -> bool:
    return operation.split(":", 1)[-1].startswith(READ_PREFIXES)


def parse_calls(stderr: str) -> CallCount:
    """Read ``AWS calls: N`` and the per-operation lines that follow it.

    No such line means no AWS call was made (pipectl prints nothing then).
    """
    total = 0
    counts: dict[str, int] = {}
    lines = stderr.splitlines()
    for index, line in enumerate(lines):
        found = _TOTAL.match(line)
        if not found:
            continue
        total, counts = int(found.group(1)), {}
        for following in lines[index + 1:]:
            op = _OPERATION.match(following)
            if not op:
                break
            counts[op.group(1)] = int(op.group(2))
    if sum(counts.values()) != total:
        raise BenchError(f"pipectl -v reported {total} calls but listed {counts}")
    return CallCount(total, counts)
