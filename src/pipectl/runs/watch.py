"""The watch loop: look at a run, yield what changed, wait, until it ends or time runs out.

Each look (:mod:`pipectl.runs.look`) shows all that changed since the one before, so a
change is seen within the polling interval in effect; the verdict
(:mod:`pipectl.runs.verdict`) says over each look whether the run has ended. What keeps
the calls few is the interval: the schedule of :mod:`pipectl.runs.polling` slows down
on quiet phases (a build phase or an ECS task count changing does not make it quick
again). The clock and sleep are parameters, so tests drive the loop with a fake clock.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pipectl.aws.errors import is_throttling
from pipectl.clock import SYSTEM_CLOCK, Clock
from pipectl.errors import PipectlError
from pipectl.runs.diagnose import diagnose
from pipectl.runs.look import RunLook
from pipectl.runs.model import (
    RUNNING_STATUSES,
    Change,
    Finished,
    Outcome,
    RunResult,
    RunSnapshot,
    ServiceTarget,
    Update,
    WatchEvent,
)
from pipectl.runs.polling import PollSchedule
from pipectl.runs.progress import DeployProgress
from pipectl.runs.reads import Clients
from pipectl.runs.run_changes import describe_changes
from pipectl.runs.values import format_duration
from pipectl.runs.verdict import Verdict, verdict

#: Changes that say the run moved on (and keep the schedule at its moving pace).
MILESTONE_KINDS = frozenset({"started", "run", "stage", "action"})


@dataclass(frozen=True)
class WatchOptions:
    timeout: float | None = None  # seconds; None waits as long as the run takes
    interval: float | None = None  # fixed poll interval; None adapts
    logs: bool = False  # tail build logs while the build runs
    log_lines: int = 20
    target: ServiceTarget | None = None
    find_url: bool = True  # look up where the service answers when the run succeeds


class RunWatcher:
    """Follow one execution: iterating it yields an Update per look and a Finished at the
    end. ``summary``: its ListPipelineExecutions summary, if the caller has it already."""

    def __init__(
        self,
        clients: Clients,
        pipeline: str,
        execution_id: str,
        *,
        options: WatchOptions | None = None,
        clock: Clock = SYSTEM_CLOCK,
        jitter: Callable[[], float] | None = None,
        summary: dict[str, Any] | None = None,
    ) -> None:
        self.clients = clients
        self.pipeline = pipeline
        self.execution_id = execution_id
        self.options = options or WatchOptions()
        self.clock = clock.wall  # for what is compared with AWS's timestamps
        self.monotonic = clock.monotonic  # the --timeout deadline
        self.sleep = clock.sleep
        self.schedule = PollSchedule(interval=self.options.interval,
                                     random=jitter or random.random)
        self.looks = RunLook(clients, pipeline, execution_id, self.clock,
                             target=self.options.target, logs=self.options.logs,
                             log_lines=self.options.log_lines, summary=summary or {})

    def __iter__(self) -> Iterator[WatchEvent]:
        return self.events()

    def events(self) -> Iterator[WatchEvent]:
        begun = self.clock()
        deadline = (None if self.options.timeout is None
                    else self.monotonic() + self.options.timeout)
        self.looks.begin()
        previous: RunSnapshot | None = None
        last_change = begun
        while True:
            try:
                snapshot, result = self._look()
            except PipectlError as exc:
                if not is_throttling(exc):
                    raise
                delay = self.schedule.throttled()
                now = self.clock()
                note = Change("throttled", f"AWS is throttling reads; next look in {delay:.0f}s",
                              now, {"delay_seconds": round(delay, 1)})
                yield Update(previous or self.looks.empty_snapshot(now), (note,))
                left = None if deadline is None else deadline - self.monotonic()
                if left is not None and delay >= left:
                    self.sleep(max(0.0, left))
                    yield self._timed_out(previous or self.looks.empty_snapshot(self.clock()))
                    return
                self.sleep(delay)
                continue
            self.schedule.recovered()
            changes = describe_changes(previous, snapshot)
            if any(c.kind in MILESTONE_KINDS for c in changes):
                last_change = snapshot.now
            yield Update(snapshot, tuple(changes))
            previous = snapshot
            if result is not None:
                yield Finished(snapshot, result)
                return
            now = self.clock()
            left = None if deadline is None else deadline - self.monotonic()
            if left is not None and left <= 0:
                yield self._timed_out(snapshot)
                return
            delay = self.schedule.next_delay(now - last_change,
                                             deploying=_deploying(snapshot))
            if left is not None:
                delay = min(delay, left)
            self.sleep(delay)

    def _look(self) -> tuple[RunSnapshot, RunResult | None]:
        seen = self.looks.look()
        decided = verdict(seen)
        return seen.snapshot, None if decided is None else self._result(seen.snapshot, decided)

    def _result(self, snapshot: RunSnapshot, decided: Verdict) -> RunResult:
        """The run's result; a diagnosed verdict adds the failure diagnosis (which action,
        which build phase, the log tail and a hint)."""
        deploy = self.looks.deploy_shown()
        url = None
        if decided.outcome == Outcome.SUCCEEDED and self.options.find_url and deploy is not None:
            url = self._url(deploy)
        return RunResult(
            pipeline=self.pipeline,
            execution_id=self.execution_id,
            outcome=decided.outcome,
            status=snapshot.status,
            reason=decided.reason,
            duration=snapshot.elapsed,
            revision=snapshot.revision,
            image=deploy.image if deploy else None,
            task_definition=deploy.task_definition if deploy else None,
            url=url,
            diagnosis=diagnose(snapshot, decided.reason) if decided.diagnosed else None,
        )

    def _url(self, deploy: DeployProgress) -> str | None:
        from pipectl.runs.endpoint import service_url

        doc = self.looks.service_doc((deploy.cluster, deploy.service))
        target = self.options.target
        port = target.port if target and target.port else 80
        if doc is None:
            return None
        try:
            return service_url(self.clients, deploy.cluster, doc, port)
        except PipectlError:
            return None  # the URL is a courtesy; a run's verdict never depends on it

    def _timed_out(self, snapshot: RunSnapshot) -> Finished:
        waited = self.options.timeout or 0
        result = RunResult(
            pipeline=self.pipeline,
            execution_id=self.execution_id,
            outcome=Outcome.TIMED_OUT,
            status=snapshot.status,
            reason=f"still {snapshot.status} after {format_duration(waited)}",
            duration=snapshot.elapsed,
            revision=snapshot.revision,
        )
        return Finished(snapshot, result)


def _deploying(snapshot: RunSnapshot) -> bool:
    """An ECS rollout may be under way: an ECS action runs, or the pipeline is done and
    the deployment not yet confirmed."""
    return snapshot.status == "Succeeded" or any(
        a.provider == "ECS" and a.status in RUNNING_STATUSES for a in snapshot.actions())
