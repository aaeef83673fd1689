"""The watch loop: look at a run, yield what changed, wait, until it ends or time runs out.

API economy, per look: one GetPipelineState; GetPipelineExecution only when no stage of
ours is running (that is when the execution can have ended, been superseded or stopped);
one BatchGetBuilds for the builds of running CodeBuild actions (and once more when one
ends, for its final phases and the diagnosis); one DescribeServices per cluster and one
DescribeServiceDeployments per service while an ECS action runs (a circuit-breaker or
alarm rollback is a verdict CodePipeline does not give; ListServiceDeployments until the
action's deployment is found).
So every look shows all that changed since the one before: a change is seen within the
polling interval in effect. What keeps the calls few is the interval: the schedule of
:mod:`pipectl.runs.polling` slows down on quiet phases (a build phase or an ECS task
count changing does not make it quick again). The clock and sleep are parameters, so
tests drive the loop with a fake clock.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from pipectl.aws.errors import is_throttling
from pipectl.errors import PipectlError
from pipectl.runs import projections
from pipectl.runs.deploy_changes import deploy_changes
from pipectl.runs.deploy_reads import DeploymentReader
from pipectl.runs.deployment import deploy_progress, new_deployment_completed
from pipectl.runs.diagnose import diagnose
from pipectl.runs.model import (
    FINAL_BUILD_STATUSES,
    FINAL_EXECUTION_STATUSES,
    RUNNING_STATUSES,
    ActionView,
    BuildProgress,
    Change,
    DeployProgress,
    Finished,
    RunResult,
    RunSnapshot,
    StageView,
    Update,
    WatchEvent,
    epoch,
    format_duration,
)
from pipectl.runs.polling import PollSchedule
from pipectl.runs.projections import ActionLayout, PipelineLayout
from pipectl.runs.reads import Clients
from pipectl.runs.reads import codebuild as build_reads
from pipectl.runs.reads import codepipeline as pipeline_reads
from pipectl.runs.reads import ecs as ecs_reads
from pipectl.runs.reads import logs as log_reads

#: Changes that say the run moved on (and keep the schedule at its moving pace).
MILESTONE_KINDS = frozenset({"started", "run", "stage", "action"})


@dataclass(frozen=True)
class ServiceTarget:
    """The ECS service the deploy action updates, as the spec knows it."""

    cluster: str
    service: str
    container: str | None = None
    port: int | None = None


@dataclass(frozen=True)
class WatchOptions:
    timeout: float | None = None  # seconds; None waits as long as the run takes
    interval: float | None = None  # fixed poll interval; None adapts
    logs: bool = False  # tail build logs while the build runs
    log_lines: int = 20
    target: ServiceTarget | None = None
    find_url: bool = True  # look up where the service answers when the run succeeds


@dataclass
class _Memory:
    """What the loop remembers between looks, so it reads each thing only while needed."""

    status: str = "InProgress"
    builds: dict[str, BuildProgress] = field(default_factory=dict)
    final_builds: set[str] = field(default_factory=set)
    deploys: dict[tuple[str, str], DeployProgress] = field(default_factory=dict)
    services: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    images: dict[str, str | None] = field(default_factory=dict)
    log_tokens: dict[str, str] = field(default_factory=dict)
    past_state: dict[str, Any] | None = None
    rolled_back: tuple[str, str] | None = None


class RunWatcher:
    def __init__(
        self,
        clients: Clients,
        pipeline: str,
        execution_id: str,
        *,
        options: WatchOptions | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        jitter: Callable[[], float] | None = None,
        monotonic: Callable[[], float] | None = None,
        summary: dict[str, Any] | None = None,
    ) -> None:
        self.clients = clients
        self.pipeline = pipeline
        self.execution_id = execution_id
        self.options = options or WatchOptions()
        self.clock = clock or time.time  # for what is compared with AWS's timestamps
        # The --timeout deadline; a caller that gives only ``clock`` (a fake) runs on it.
        self.monotonic = monotonic or clock or time.monotonic
        self.sleep = sleep or time.sleep
        self.schedule = PollSchedule(interval=self.options.interval,
                                     random=jitter or random.random)
        self.memory = _Memory()
        self.deployments = DeploymentReader(clients)
        self.layout: PipelineLayout | None = None
        # The execution's summary, when the caller has just read it (`watch` of the latest).
        self.summary: dict[str, Any] = summary or {}
        self.started_at: float | None = None

    # -- the loop --------------------------------------------------------------------

    def events(self) -> Iterator[WatchEvent]:
        begun = self.clock()
        deadline = (None if self.options.timeout is None
                    else self.monotonic() + self.options.timeout)
        self.layout = pipeline_reads.pipeline_layout(self.clients, self.pipeline)
        if self.summary.get("pipelineExecutionId") != self.execution_id:
            self.summary = pipeline_reads.find_execution(self.clients, self.pipeline,
                                                         self.execution_id)
        self.started_at = epoch(self.summary.get("startTime"))
        self.memory.status = str(self.summary.get("status", "InProgress"))
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
                yield Update(previous or self._empty_snapshot(now), (note,))
                left = None if deadline is None else deadline - self.monotonic()
                if left is not None and delay >= left:
                    self.sleep(max(0.0, left))
                    yield self._timed_out(previous or self._empty_snapshot(self.clock()))
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

    # -- one look ----------------------------------------------------------------------

    def _look(self) -> tuple[RunSnapshot, RunResult | None]:
        assert self.layout is not None
        state = pipeline_reads.pipeline_state(self.clients, self.pipeline)
        stages = projections.stage_views(self.layout, state, self.execution_id, self.started_at)
        ours_running = any(s.status in RUNNING_STATUSES for s in stages)
        execution_doc: dict[str, Any] | None = None
        if ours_running:
            stopping = any(s.status == "Stopping" for s in stages)
            self.memory.status = "Stopping" if stopping else "InProgress"
        else:
            # Between stages, queued, or over: only the execution itself can say which.
            execution_doc = pipeline_reads.execution(self.clients, self.pipeline, self.execution_id)
            self.memory.status = str(execution_doc.get("status", self.memory.status))
        if self.memory.status in FINAL_EXECUTION_STATUSES and all(
            s.status == "Pending" for s in stages
        ):
            # A finished run whose stages newer runs have taken: read its own actions.
            if self.memory.past_state is None:
                self.memory.past_state = pipeline_reads.past_state(self.clients, self.pipeline,
                                                          self.execution_id)
            stages = projections.stage_views(self.layout, self.memory.past_state,
                                       self.execution_id, self.started_at)
        stages = self._with_builds(stages)
        stages = self._with_deploys(stages)
        snapshot = self._snapshot(stages, execution_doc)
        result = self._verdict(snapshot, state)
        # The verdict may have read the service once more (a finished deploy action):
        # show what it saw.
        return self._refresh_deploys(snapshot), result

    def _snapshot(
        self, stages: tuple[StageView, ...], execution_doc: dict[str, Any] | None
    ) -> RunSnapshot:
        revision, revision_summary = projections.summary_revision(self.summary)
        if execution_doc is not None and revision is None:
            revision, revision_summary = projections.execution_revision(execution_doc)
        trigger = (self.summary.get("trigger") or {}).get("triggerType")
        return RunSnapshot(
            pipeline=self.pipeline,
            execution_id=self.execution_id,
            status=self.memory.status,
            now=self.clock(),
            started_at=self.started_at,
            trigger=trigger,
            revision=revision,
            revision_summary=revision_summary,
            stages=stages,
        )

    def _empty_snapshot(self, now: float) -> RunSnapshot:
        return RunSnapshot(self.pipeline, self.execution_id, self.memory.status, now,
                           started_at=self.started_at)

    # -- builds --------------------------------------------------------------------------

    def _with_builds(self, stages: tuple[StageView, ...]) -> tuple[StageView, ...]:
        wanted: list[str] = []
        for action in _all(stages):
            if action.provider != "CodeBuild" or not action.external_id:
                continue
            build_id = action.external_id
            if build_id in self.memory.final_builds:
                continue
            wanted.append(build_id)
        if wanted:
            fetched = build_reads.builds(self.clients, wanted)
            for build_id, progress in fetched.items():
                old = self.memory.builds.get(build_id)
                tail, total = (old.log_tail, old.log_total) if old else ((), 0)
                final = progress.status in FINAL_BUILD_STATUSES
                has_stream = bool(progress.log_group and progress.log_stream)
                if has_stream and self.options.logs:
                    fresh = self._read_forward(progress)
                    tail = (tail + fresh)[-self.options.log_lines:]
                    total += len(fresh)
                elif has_stream and final and progress.status != "SUCCEEDED":
                    # No --logs: one tail read for the diagnosis, not shown as new lines.
                    tail = log_reads.log_tail(self.clients, str(progress.log_group),
                                          str(progress.log_stream), self.options.log_lines)
                self.memory.builds[build_id] = replace(progress, log_tail=tail, log_total=total)
                if final:
                    self.memory.final_builds.add(build_id)
        return _map_actions(
            stages,
            lambda a: replace(a, build=self.memory.builds.get(a.external_id or ""))
            if a.provider == "CodeBuild" and a.external_id else a,
        )

    def _read_forward(self, build: BuildProgress, pages: int = 5) -> tuple[str, ...]:
        """New log lines since the last look: GetLogEvents from the saved forward token;
        at the end of the stream the same token comes back."""
        lines: list[str] = []
        for _ in range(pages):
            token = self.memory.log_tokens.get(build.build_id)
            page, next_token = log_reads.log_page(self.clients, str(build.log_group),
                                              str(build.log_stream), token)
            lines.extend(page)
            if next_token is None or next_token == token:
                break
            self.memory.log_tokens[build.build_id] = next_token
        return tuple(lines)

    # -- deployments ---------------------------------------------------------------------

    def _target_of(self, action: ActionView | ActionLayout) -> tuple[str, str] | None:
        assert self.layout is not None
        config = next((a.configuration for a in self.layout.actions()
                       if a.stage == action.stage and a.name == action.name), {})
        target = self.options.target
        cluster = config.get("ClusterName") or (target.cluster if target else None)
        service = config.get("ServiceName") or (target.service if target else None)
        if not cluster or not service:
            return None
        return cluster, service

    def _read_services(self, keys: list[tuple[str, str]]) -> None:
        by_cluster: dict[str, list[str]] = {}
        for cluster, service in keys:
            by_cluster.setdefault(cluster, []).append(service)
        for cluster, names in by_cluster.items():
            for name, doc in ecs_reads.services(self.clients, cluster, names).items():
                self.memory.services[(cluster, name)] = doc

    def _image_of(self, arn: str) -> str | None:
        if arn not in self.memory.images:
            container = self.options.target.container if self.options.target else None
            self.memory.images[arn] = ecs_reads.task_definition_image(self.clients, arn, container)
        return self.memory.images[arn]

    def _with_deploys(self, stages: tuple[StageView, ...]) -> tuple[StageView, ...]:
        running: list[tuple[str, str]] = []
        deployment_ids: dict[tuple[str, str], str | None] = {}
        for action in _all(stages):
            if action.provider == "ECS" and action.status in RUNNING_STATUSES:
                key = self._target_of(action)
                if key:
                    running.append(key)
                    deployment_ids[key] = action.external_id
                    if action.status == "InProgress":
                        self.deployments.action_started(key, action.changed_at)
        if running:
            self._read_services(running)
            for key in running:
                doc = self.memory.services.get(key)
                if doc is None:
                    continue
                progress = self._progress(key, doc, deployment_ids.get(key))
                if progress.rolled_back and self.memory.rolled_back is None:
                    self.memory.rolled_back = key
                    reasons = ecs_reads.stopped_task_reasons(
                        self.clients, key[0], key[1], task_definition=_failed_revision(progress))
                    progress = replace(progress, stopped_reasons=reasons)
                elif self.memory.rolled_back == key:
                    old = self.memory.deploys.get(key)
                    progress = replace(progress, rolled_back=True,
                                       stopped_reasons=old.stopped_reasons if old else ())
                self.memory.deploys[key] = progress

        def attach(action: ActionView) -> ActionView:
            if action.provider != "ECS":
                return action
            key = self._target_of(action)
            return replace(action, deploy=self.memory.deploys.get(key)) if key else action

        return _map_actions(stages, attach)

    def _progress(self, key: tuple[str, str], doc: dict[str, Any],
                  deployment_id: str | None = None,
                  finished_at: float | None = None) -> DeployProgress:
        """The rollout of the run's deployment: DescribeServices, then the service
        deployment's word where the endpoint keeps them. Nothing older than the deploy
        action's start counts."""
        since = self.deployments.since(key, self.started_at)
        progress = deploy_progress(doc, key[0], since, self._image_of,
                                   deployment_id=deployment_id)
        found = self.deployments.read(key, self.started_at, finished_at)
        return self.deployments.apply(progress, found) if found is not None else progress

    # -- the verdict ---------------------------------------------------------------------

    def _verdict(self, snapshot: RunSnapshot, state: dict[str, Any]) -> RunResult | None:
        status = snapshot.status
        if self.memory.rolled_back is not None:
            key = self.memory.rolled_back
            deploy = self.memory.deploys.get(key)
            found = self.deployments.found.get(key)
            waiting = (" (CodePipeline still says InProgress: it waits for its own timeout)"
                       if status == "InProgress" else "")
            if deploy is not None and deploy.failure:
                outcome = "rolled_back" if found is None or found.rolled_back else "failed"
                return self._result(snapshot, outcome, deploy.failure + waiting, diagnosed=True)
            return self._result(
                snapshot, "rolled_back",
                f"the deployment to ECS service {key[1]} failed and was rolled back by the "
                f"deployment circuit breaker" + waiting,
                diagnosed=True,
            )
        if status == "Succeeded":
            return self._verify_deployment(snapshot)
        if status == "Failed":
            return self._result(snapshot, "failed", _failure_reason(snapshot), diagnosed=True)
        if status in ("Stopped", "Cancelled"):
            return self._result(snapshot, "stopped", f"the run was {status.lower()}",
                                diagnosed=True)
        if status == "Superseded":
            newer = projections.other_execution_in(state, self.execution_id)
            reason = "a newer run superseded this one" + (f" ({newer})" if newer else "")
            return self._result(snapshot, "superseded", reason, diagnosed=False)
        return None

    def _verify_deployment(self, snapshot: RunSnapshot) -> RunResult | None:
        """Succeeded in CodePipeline; succeeded for pipectl once the new deployment completed."""
        assert self.layout is not None
        keys = [k for k in (self._target_of(a) for a in self.layout.find("ECS")) if k]
        if keys:
            self._read_services(keys)
        for key in keys:
            doc = self.memory.services.get(key)
            if doc is None:
                return self._result(snapshot, "failed",
                                    f"ECS service {key[1]} in cluster {key[0]} does not exist",
                                    diagnosed=True)
            finished = next((a.changed_at for a in snapshot.actions()
                             if a.provider == "ECS" and self._target_of(a) == key), None)
            progress = self._progress(key, doc, finished_at=finished)
            found = self.deployments.found.get(key)
            done = (found.succeeded if found is not None
                    else new_deployment_completed(doc, self.deployments.since(
                        key, self.started_at)))
            self.memory.deploys[key] = progress
            if done is False:
                self.memory.rolled_back = key
                reasons = ecs_reads.stopped_task_reasons(
                    self.clients, key[0], key[1], task_definition=_failed_revision(progress))
                self.memory.deploys[key] = replace(progress, rolled_back=True,
                                                   stopped_reasons=reasons)
                return self._verdict(snapshot, {})
            if done is None:
                return None  # the pipeline is done but ECS is still rolling out: keep looking
        return self._result(snapshot, "succeeded", "the pipeline succeeded and the new "
                            "deployment completed" if keys else "the pipeline succeeded",
                            diagnosed=False)

    def _result(
        self, snapshot: RunSnapshot, outcome: str, reason: str, *, diagnosed: bool
    ) -> RunResult:
        """The run's result; ``diagnosed`` adds the failure diagnosis (which action, which
        build phase, the log tail and a hint) for an outcome that ends the run badly."""
        deploy = next(iter(self.memory.deploys.values()), None)
        snapshot = self._refresh_deploys(snapshot)
        url = None
        if outcome == "succeeded" and self.options.find_url and deploy is not None:
            url = self._url(deploy)
        return RunResult(
            pipeline=self.pipeline,
            execution_id=self.execution_id,
            outcome=outcome,
            status=snapshot.status,
            reason=reason,
            duration=snapshot.elapsed,
            revision=snapshot.revision,
            image=deploy.image if deploy else None,
            task_definition=deploy.task_definition if deploy else None,
            url=url,
            diagnosis=diagnose(snapshot, reason) if diagnosed else None,
        )

    def _refresh_deploys(self, snapshot: RunSnapshot) -> RunSnapshot:
        def attach(action: ActionView) -> ActionView:
            if action.provider != "ECS":
                return action
            key = self._target_of(action)
            return replace(action, deploy=self.memory.deploys.get(key)) if key else action

        return replace(snapshot, stages=_map_actions(snapshot.stages, attach))

    def _url(self, deploy: DeployProgress) -> str | None:
        from pipectl.runs.endpoint import service_url

        doc = self.memory.services.get((deploy.cluster, deploy.service))
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
            outcome="timed_out",
            status=snapshot.status,
            reason=f"still {snapshot.status} after {format_duration(waited)}",
            duration=snapshot.elapsed,
            revision=snapshot.revision,
        )
        return Finished(snapshot, result)


def watch_run(
    clients: Clients,
    pipeline: str,
    execution_id: str,
    *,
    options: WatchOptions | None = None,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
    jitter: Callable[[], float] | None = None,
    monotonic: Callable[[], float] | None = None,
    summary: dict[str, Any] | None = None,
) -> Iterator[WatchEvent]:
    """Follow one execution; yields Update per look and a Finished at the end.
    ``summary``: its ListPipelineExecutions summary, if the caller has it already."""
    watcher = RunWatcher(clients, pipeline, execution_id, options=options, clock=clock,
                         sleep=sleep, jitter=jitter, monotonic=monotonic, summary=summary)
    return watcher.events()


def _deploying(snapshot: RunSnapshot) -> bool:
    """An ECS rollout may be under way: an ECS action runs, or the pipeline is done and
    the deployment not yet confirmed."""
    return snapshot.status == "Succeeded" or any(
        a.provider == "ECS" and a.status in RUNNING_STATUSES for a in snapshot.actions())


def _all(stages: tuple[StageView, ...]) -> list[ActionView]:
    return [a for s in stages for a in s.actions]


def _map_actions(
    stages: tuple[StageView, ...], fn: Callable[[ActionView], ActionView]
) -> tuple[StageView, ...]:
    return tuple(replace(s, actions=tuple(fn(a) for a in s.actions)) for s in stages)


def _failure_reason(snapshot: RunSnapshot) -> str:
    for action in snapshot.actions():
        if action.status in ("Failed", "Abandoned"):
            detail = action.error_message or action.summary or "failed"
            return f"{action.stage}/{action.name} failed: {detail}"
    failed = next((s.name for s in snapshot.stages if s.status == "Failed"), None)
    return f"stage {failed} failed" if failed else "the run failed"


# -- what changed between two looks (one plain line / one JSON object each) -------------


def describe_changes(before: RunSnapshot | None, after: RunSnapshot) -> list[Change]:
    at = after.now
    changes: list[Change] = []
    if before is None:
        revision = f" at {after.revision[:12]}" if after.revision else ""
        changes.append(Change("started", f"watching run {after.execution_id} of "
                              f"{after.pipeline}{revision}: {after.status}", at,
                              {"execution_id": after.execution_id, "pipeline": after.pipeline,
                               "status": after.status, "revision": after.revision}))
    elif before.status != after.status:
        changes.append(Change("run", f"run {after.status}", at, {"status": after.status}))
    old_stages = {s.name: s for s in before.stages} if before else {}
    for stage in after.stages:
        old_stage = old_stages.get(stage.name)
        if stage.status != "Pending" and (old_stage is None or old_stage.status != stage.status):
            changes.append(Change("stage", f"stage {stage.name}: {stage.status}", at,
                                  {"stage": stage.name, "status": stage.status}))
        old_actions = {a.name: a for a in old_stage.actions} if old_stage else {}
        for action in stage.actions:
            changes.extend(_action_changes(old_actions.get(action.name), action, at))
    return changes


def _action_changes(before: ActionView | None, after: ActionView, at: float) -> list[Change]:
    where = f"{after.stage}/{after.name}"
    base = {"stage": after.stage, "action": after.name}
    changes: list[Change] = []
    if after.status != "Pending" and (before is None or before.status != after.status):
        detail = ""
        if after.status in ("Failed", "Abandoned") and (after.error_message or after.summary):
            detail = f": {after.error_message or after.summary}"
        changes.append(Change("action", f"{where}: {after.status}{detail}", at,
                              {**base, "status": after.status, "summary": after.summary,
                               "error": after.error_message,
                               "external_id": after.external_id}))
    changes.extend(_build_changes(before.build if before else None, after.build, where, base, at))
    changes.extend(deploy_changes(before.deploy if before else None, after.deploy, where,
                                   base, at))
    return changes


def _build_changes(
    before: BuildProgress | None, after: BuildProgress | None, where: str,
    base: dict[str, Any], at: float,
) -> list[Change]:
    if after is None:
        return []
    changes: list[Change] = []
    done_before = {p.name for p in before.done_phases} if before else set()
    for phase in after.done_phases:
        if phase.name not in done_before:
            took = f" in {format_duration(phase.duration)}" if phase.duration is not None else ""
            note = f": {phase.message}" if phase.message and phase.status != "SUCCEEDED" else ""
            changes.append(Change("phase", f"{where}: {phase.name} {phase.status}{took}{note}",
                                  at, {**base, "phase": phase.name, "status": phase.status,
                                       "duration_seconds": phase.duration,
                                       "message": phase.message}))
    if after.current_phase and after.status == "IN_PROGRESS" and (
        before is None or before.current_phase != after.current_phase
    ):
        changes.append(Change("phase", f"{where}: {after.current_phase} started", at,
                              {**base, "phase": after.current_phase, "status": "IN_PROGRESS"}))
    fresh = after.log_total - (before.log_total if before else 0)
    for line in after.log_tail[-fresh:] if fresh > 0 else ():
        changes.append(Change("log", f"{where} | {line}", at, {**base, "line": line}))
    return changes


def _failed_revision(progress: DeployProgress) -> str | None:
    """The failed deployment's task definition, when ECS still lists that deployment
    (once the rollback completed it is gone, and only the stop codes tell tasks apart)."""
    return progress.task_definition if progress.rollout_state == "FAILED" else None
