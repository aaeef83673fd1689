"""Simulated time: every step of a run is a callback due at a point in real time.

Nothing runs in the background. Before each request the scheduler runs, in order,
every callback whose time has come, passing it the time it was *due* (not the time it
ran), so a run's timestamps and durations are the same however often it is looked at:
the state is derived from the clock, deterministically.
"""

from __future__ import annotations

import heapq
import itertools
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

Step = Callable[[datetime], None]

# A bound on the work one request may trigger: a sandbox left alone for hours with a
# failing service must not replay thousands of retries at once.
MAX_STEPS_PER_ADVANCE = 5000


def engine_error(exc: Exception) -> str:
    """What a build, rollout or action that an engine error ended says about it."""
    return (f"pipectl sandbox engine error: {type(exc).__name__}: {exc} (a bug in the "
            "sandbox, not in your pipeline; the sandbox log has the traceback)")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


#: What to do when a step fails: the engine fails the build, rollout or action it was for.
OnError = Callable[[datetime, Exception], None]


@dataclass(order=True)
class Timer:
    """A step due at a time; ``Scheduler.cancel`` stops it before it runs. Engines keep
    the ones they may cancel (an action's timeout, a build's next phase)."""

    due: datetime
    seq: int
    step: Step = field(compare=False)
    cancelled: bool = field(default=False, compare=False)
    on_error: OnError | None = field(default=None, compare=False)


class Scheduler:
    """Timed callbacks; ``scale`` turns the nominal seconds of a step into real ones."""

    def __init__(self, scale: float, now: Callable[[], datetime] = utcnow) -> None:
        self.scale = scale
        self.now = now
        self._heap: list[Timer] = []
        self._seq = itertools.count()
        self.errors: list[str] = []  # shown by GET /_pipectl/health
        self.error_count = 0
        # The failure handler of what is being scheduled now: a step scheduled by another
        # step inherits its handler, unless a guard says whose step it is.
        self._on_error: OnError | None = None

    def later(self, at: datetime, nominal_seconds: float) -> datetime:
        """The time ``nominal_seconds`` of simulated work after ``at``."""
        return at + timedelta(seconds=nominal_seconds * self.scale)

    def at(self, due: datetime, step: Step) -> Timer:
        entry = Timer(due, next(self._seq), step, on_error=self._on_error)
        heapq.heappush(self._heap, entry)
        return entry

    @contextmanager
    def guard(self, on_error: OnError) -> Iterator[None]:
        """Steps scheduled inside (and the steps they schedule) fail through ``on_error``."""
        outer, self._on_error = self._on_error, on_error
        try:
            yield
        finally:
            self._on_error = outer

    def after(self, start: datetime, nominal_seconds: float, step: Step) -> Timer:
        return self.at(self.later(start, nominal_seconds), step)

    def advance(self) -> None:
        """Run every step that is due, in order."""
        now = self.now()
        ran = 0
        while self._heap and self._heap[0].due <= now and ran < MAX_STEPS_PER_ADVANCE:
            entry = heapq.heappop(self._heap)
            if entry.cancelled:
                continue
            outer, self._on_error = self._on_error, entry.on_error
            try:
                entry.step(entry.due)
            except Exception as exc:  # one broken step must not take every request down
                self._failed(entry, exc)
            finally:
                self._on_error = outer
            ran += 1

    def report(self, exc: Exception) -> None:
        """Count an engine error and log its traceback (``sandbox status`` counts them)."""
        self.error_count += 1
        self.errors.append(f"{type(exc).__name__}: {exc}")
        del self.errors[:-100]
        traceback.print_exception(exc, file=sys.stderr)

    def _failed(self, entry: Timer, exc: Exception) -> None:
        """Report the error and fail what the step was for, so that a user sees it."""
        self.report(exc)
        if entry.on_error is None:
            return
        try:
            entry.on_error(entry.due, exc)
        except Exception as again:
            self.report(again)

    def clear(self) -> None:
        self._heap.clear()

    @staticmethod
    def cancel(entry: Timer | None) -> None:
        if entry is not None:
            entry.cancelled = True
