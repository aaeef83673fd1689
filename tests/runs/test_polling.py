"""The poll interval adapts to how long nothing has changed, and backs off on throttling."""

from __future__ import annotations

from pipectl.runs.polling import MAX_BACKOFF, PollSchedule


def test_quick_at_first_then_slower_on_long_phases() -> None:
    schedule = PollSchedule()
    assert schedule.next_delay(0) == 2.0
    assert schedule.next_delay(45) == 5.0
    assert schedule.next_delay(300) == 10.0
    assert schedule.next_delay(1800) == 15.0


def test_interval_overrides_the_steps() -> None:
    assert PollSchedule(interval=0.5).next_delay(1800) == 0.5


def test_throttling_doubles_with_jitter_up_to_a_cap_and_recovers() -> None:
    low, high = PollSchedule(random=lambda: 0.0), PollSchedule(random=lambda: 1.0)
    assert [low.throttled() for _ in range(3)] == [2.0, 4.0, 8.0]
    assert [high.throttled() for _ in range(3)] == [4.0, 8.0, 16.0]
    for _ in range(10):
        high.throttled()
    assert high.next_delay(0) == MAX_BACKOFF
    high.recovered()
    assert high.next_delay(0) == 2.0
