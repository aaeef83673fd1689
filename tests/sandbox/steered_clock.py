"""The sandbox's clock, steered by a test: what a watcher sees no longer depends on how
fast this machine is.

A sandbox run moves with real time (scaled): a test that must see a state (a build
still running, a stage in progress) races the run on a loaded machine. Steered, the
clock runs with real time until the test holds it; held, it stands still and moves
only by ``step``; ``resume`` lets it run on from where it stood, without a jump. The
sandbox runs nothing in the background (every request advances its scheduler to
"now"), so a held run waits, however slow its watcher, until the test lets it go on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, TypeVar

from pipectl.sandbox.server import SandboxServer

if TYPE_CHECKING:
    from pipectl.clock import Clock

T = TypeVar("T")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class SteeredClock:
    """The time the sandbox's scheduler runs on (installed by ``steer``)."""

    def __init__(self, time_scale: float) -> None:
        self.time_scale = time_scale
        self._lock = threading.Lock()
        self._behind = timedelta(0)  # how long it has been held, in all
        self._held_at: datetime | None = None

    def __call__(self) -> datetime:
        with self._lock:
            if self._held_at is not None:
                return self._held_at
            return _utcnow() - self._behind

    @property
    def held(self) -> bool:
        return self._held_at is not None

    def hold(self) -> None:
        """Stand still at the current time (nothing due later runs until step/resume)."""
        with self._lock:
            if self._held_at is None:
                self._held_at = _utcnow() - self._behind

    def step(self, nominal_seconds: float) -> None:
        """Move a held clock on by this much simulated work (the sandbox's seconds)."""
        with self._lock:
            assert self._held_at is not None, "step() moves a held clock only"
            self._held_at += timedelta(seconds=nominal_seconds * self.time_scale)

    def resume(self) -> None:
        """Run with real time again, on from where it stood."""
        with self._lock:
            if self._held_at is not None:
                self._behind = _utcnow() - self._held_at
                self._held_at = None

    def step_until(
        self, read: Callable[[], T], done: Callable[[T], bool], *, nominal_step: float = 0.5,
        limit: float = 3600.0,
    ) -> T:
        """Step a held clock until ``done(read())``, and stay held there. ``read`` must
        call the sandbox (each request runs what has come due); ``limit`` bounds the
        simulated seconds, so a state that never comes fails instead of looping."""
        assert self.held, "step_until() moves a held clock only"
        stepped = 0.0
        value = read()
        while not done(value):
            if stepped > limit:
                raise AssertionError(f"not reached after {limit:.0f} simulated seconds; "
                                     f"last value: {value!r}")
            self.step(nominal_step)
            stepped += nominal_step
            value = read()
        return value

    def pacing(self, nominal_seconds: float) -> Clock:
        """A clock for an in-process pipectl command whose every pause moves this held
        clock on by ``nominal_seconds`` instead of waiting: the command paces the run,
        and sees it at the same points however slow its looks are."""
        from pipectl.clock import Clock

        assert self.held, "pacing() moves a held clock only"
        return Clock(sleep=lambda seconds: self.step(nominal_seconds))


def steer(server: SandboxServer) -> SteeredClock:
    """Put ``server``'s scheduler on a steered clock (running, until held)."""
    clock = SteeredClock(server.time_scale)
    server.engine.scheduler.now = clock
    return clock


@contextmanager
def paced(server: SandboxServer, nominal_seconds: float = 1.0) -> Iterator[Clock]:
    """The clock to give an in-process ``pipectl ... --watch``: the run it watches is held
    and moves ``nominal_seconds`` a look, so the watch looks as often, and sees the run at
    the same points, however slow its looks are on a loaded machine. Runs on with real
    time afterwards."""
    clock = steer(server)
    clock.hold()
    try:
        yield clock.pacing(nominal_seconds)
    finally:
        clock.resume()


def wait_for(what: str, done: Callable[[], bool], timeout: float = 120.0) -> None:
    """Wait (real time) until ``done()``: for a watcher to have seen a held state. The
    deadline is generous: a loaded machine is slow, and a passing test returns at once."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)
