"""Many independent AWS reads at once, a bounded number at a time, slowing down together
when AWS throttles.

botocore already retries a throttled call a few times (``standard`` mode). When it gives
up, AWS is still saying "slow down" to the whole account, so every worker of the pool
waits before its next call (exponential backoff with jitter from a shared gate), and the
throttled task is tried again later; after ``max_attempts`` it is reported as failed. A
task that fails (throttled to the end, or any other error) fails alone: the others go on.
The clock, sleep and randomness are parameters so the backoff is tested without waiting.
"""

from __future__ import annotations

import random as random_module
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from pipectl.aws.errors import is_throttling

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_WORKERS = 8
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 20.0


@dataclass(frozen=True)
class Outcome(Generic[T, R]):
    """What one task gave: its value, or the error it ended with."""

    item: T
    value: R | None = None
    error: BaseException | None = None
    attempts: int = 1


class ThrottleAwarePool:
    def __init__(
        self,
        workers: int = DEFAULT_WORKERS,
        *,
        max_attempts: int = 4,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = random_module.random,
    ) -> None:
        self.workers = max(1, workers)
        self.max_attempts = max(1, max_attempts)
        self.clock = clock
        self.sleep = sleep
        self.random = random
        self._lock = threading.Lock()
        self._resume_at = 0.0  # no worker starts a call before this time
        self._throttled_in_a_row = 0
        self.throttled = 0  # throttled tries, all tasks together (for the report)

    def map(self, task: Callable[[T], R], items: Sequence[T]) -> list[Outcome[T, R]]:
        """``task`` over ``items``; the outcomes in the order of ``items``."""
        if not items:
            return []
        if len(items) == 1 or self.workers == 1:
            return [self._run(task, item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(items))) as pool:
            return list(pool.map(lambda item: self._run(task, item), items))

    def _run(self, task: Callable[[T], R], item: T) -> Outcome[T, R]:
        attempt = 0
        while True:
            attempt += 1
            self._wait_for_the_gate()
            try:
                value = task(item)
            except Exception as exc:  # one task's failure is its row's, not the table's
                if not is_throttling(exc):
                    return Outcome(item, error=exc, attempts=attempt)
                self._back_off()
                if attempt >= self.max_attempts:
                    return Outcome(item, error=exc, attempts=attempt)
                continue
            with self._lock:
                self._throttled_in_a_row = 0
            return Outcome(item, value=value, attempts=attempt)

    def _wait_for_the_gate(self) -> None:
        while True:
            with self._lock:
                wait = self._resume_at - self.clock()
            if wait <= 0:
                return
            self.sleep(wait)

    def _back_off(self) -> None:
        with self._lock:
            self.throttled += 1
            self._throttled_in_a_row += 1
            step = min(MAX_BACKOFF, FIRST_BACKOFF * 2.0 ** (self._throttled_in_a_row - 1))
            # "Equal jitter": at least half the step, so the pool really slows down, and
            # the workers do not all come back at the same instant.
            delay = step / 2 + self.random() * step / 2
            self._resume_at = max(self._resume_at, self.clock() + delay)
