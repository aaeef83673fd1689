"""How long to wait between looks: quick at first, about 5 s while the run moves, slower
on long quiet phases, backing off with jitter when AWS throttles. Pure arithmetic, so it
is tested without waiting.

"Moving" means a stage, an action or the run itself changed status. Build phases, log
lines and ECS task counts do not reset the schedule: they change every few seconds on
any run, and polling at the quickest for each of them made ``watch`` cost 70 calls a
minute. The live view ticks its clocks and spinners between looks, so slower looks do
not make it look stale.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

#: Delays after the first looks: the run's state shows at once, and again 2 s later.
QUICK_DELAYS: tuple[float, ...] = (2.0,)
#: The delay while stages and actions change.
MOVING_DELAY = 5.0
#: On a quiet phase, wait this fraction of how long it has been quiet: a phase that has
#: run 30 s is unlikely to end in the next 5, and seeing its end late by at most half
#: the time it had run is seeing it late by at most a third of its length.
QUIET_FRACTION = 0.5
#: While an ECS deployment rolls out the service is read on every look: a rollback by the
#: deployment circuit breaker is reported within this many seconds.
DEPLOY_MAX_DELAY = 10.0
LONG_PHASE_DELAY = 15.0
MAX_BACKOFF = 60.0


@dataclass
class PollSchedule:
    """Decides the next delay. ``interval`` (``--interval``) overrides the adaptive steps."""

    interval: float | None = None
    random: Callable[[], float] = field(default=random.random)
    throttled_in_a_row: int = 0
    looks: int = 0  # looks answered so far (throttled ones are not counted)
    last_delay: float = QUICK_DELAYS[0]

    def next_delay(self, since_change: float, *, deploying: bool = False) -> float:
        """The wait after a look; ``since_change`` is how long the run has been quiet
        (seconds since a stage, action or run status last changed)."""
        if self.throttled_in_a_row:
            return self.backoff()
        self.looks += 1
        if self.interval is not None:
            delay = self.interval
        elif self.looks <= len(QUICK_DELAYS):
            delay = QUICK_DELAYS[self.looks - 1]
        else:
            cap = DEPLOY_MAX_DELAY if deploying else LONG_PHASE_DELAY
            delay = min(cap, max(MOVING_DELAY, since_change * QUIET_FRACTION))
        self.last_delay = delay
        return delay

    def throttled(self) -> float:
        """Record a throttled look; return how long to back off."""
        self.throttled_in_a_row += 1
        return self.backoff()

    def recovered(self) -> None:
        self.throttled_in_a_row = 0

    def backoff(self) -> float:
        # Exponential from the delay in use with "equal jitter": never less than half the
        # step, so a throttled watcher really slows down (never looks sooner than it
        # would have), yet many watchers do not retry in lockstep.
        base = self.interval if self.interval is not None else self.last_delay
        step = min(MAX_BACKOFF, base * float(2 ** self.throttled_in_a_row))
        return float(step / 2 + self.random() * step / 2)
