"""The poll interval: quick at first, about 5 s while the run moves, slower the longer a
phase stays quiet (at most 10 s while ECS rolls out, 15 s otherwise), backing off on
throttling."""

from __future__ import annotations

import pytest

from pipectl.runs.polling import MAX_BACKOFF, PollSchedule


def test_quick_at_first_then_about_five_seconds_while_the_run_moves() -> None:
    schedule = PollSchedule()
    assert schedule.next_delay(0) == 2.0  # the second look comes quickly
    assert schedule.next_delay(0) == 5.0  # then the moving pace, never 2 s again
    assert schedule.next_delay(2) == 5.0
    assert schedule.next_delay(10) == 5.0


def test_slower_the_longer_a_phase_stays_quiet_up_to_fifteen_seconds() -> None:
    schedule = PollSchedule()
    schedule.next_delay(0)
    delays = [schedule.next_delay(quiet) for quiet in (12, 20, 30, 300, 3600)]
    assert delays == pytest.approx([6.0, 10.0, 15.0, 15.0, 15.0])


def test_an_ecs_rollout_is_read_at_least_every_ten_seconds() -> None:
    schedule = PollSchedule()
    schedule.next_delay(0)
    assert schedule.next_delay(16, deploying=True) == pytest.approx(8.0)
    assert schedule.next_delay(600, deploying=True) == 10.0


def test_interval_overrides_the_steps() -> None:
    schedule = PollSchedule(interval=0.5)
    assert [schedule.next_delay(q) for q in (0, 0, 1800)] == [0.5, 0.5, 0.5]


def test_throttling_doubles_with_jitter_up_to_a_cap_and_recovers() -> None:
    low, high = PollSchedule(random=lambda: 0.0), PollSchedule(random=lambda: 1.0)
    assert [low.throttled() for _ in range(3)] == [2.0, 4.0, 8.0]
    assert [high.throttled() for _ in range(3)] == [4.0, 8.0, 16.0]
    for _ in range(10):
        high.throttled()
    assert high.next_delay(0) == MAX_BACKOFF
    high.recovered()
    assert high.next_delay(0) == 2.0


def test_a_throttled_watcher_never_looks_sooner_than_it_would_have() -> None:
    schedule = PollSchedule(random=lambda: 0.0)
    schedule.next_delay(0)
    assert schedule.next_delay(100) == 15.0
    assert schedule.throttled() == 15.0  # half of the doubled delay, at the least
    assert schedule.throttled() == 30.0
