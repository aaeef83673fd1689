"""How long to wait between looks: quick at first, slower on long phases, backing off
with jitter when AWS throttles. Pure arithmetic, so it is tested without waiting."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

#: (seconds since the last change, delay): the first matching row wins.
DEFAULT_STEPS: tuple[tuple[float, float], ...] = ((30.0, 2.0), (120.0, 5.0), (600.0, 10.0))
LONG_PHASE_DELAY = 15.0
MAX_BACKOFF = 60.0


@dataclass
class PollSchedule:
    """Decides the next delay. ``interval`` (``--interval``) overrides the adaptive steps."""

    interval: float | None = None
    random: Callable[[], float] = field(default=random.random)
    throttled_in_a_row: int = 0

    def next_delay(self, since_change: float) -> float:
        if self.throttled_in_a_row:
            return self.backoff()
        if self.interval is not None:
            return self.interval
        for limit, delay in DEFAULT_STEPS:
            if since_change < limit:
                return delay
        return LONG_PHASE_DELAY

    def throttled(self) -> float:
        """Record a throttled look; return how long to back off."""
        self.throttled_in_a_row += 1
        return self.backoff()

    def recovered(self) -> None:
        self.throttled_in_a_row = 0

    def backoff(self) -> float:
        # Exponential with "equal jitter": never less than half the step, so a throttled
        # watcher really slows down, yet many watchers do not retry in lockstep.
        base = self.interval if self.interval is not None else DEFAULT_STEPS[0][1]
        step = min(MAX_BACKOFF, base * float(2 ** self.throttled_in_a_row))
        return float(step / 2 + self.random() * step / 2)
