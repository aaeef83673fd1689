"""One look at a run: what the watch loop reads each time round, as a :class:`Seen`.

API economy, per look: one GetPipelineState (for a PARALLEL pipeline, whose state does
not show a given run, one ListActionExecutions filtered by the run's id instead);
GetPipelineExecution only when no stage of ours is running (that is when the execution
can have ended, been superseded or stopped);
one BatchGetBuilds for the builds of running CodeBuild actions (and once more when one
ends, for its final phases and the diagnosis); one DescribeServices per cluster and one
DescribeServiceDeployments per service while an ECS action runs (a circuit-breaker or
alarm rollback is a verdict CodePipeline does not give; ListServiceDeployments until the
action's deployment is found). What does not change during a run is read once and kept:
the layout, a task definition's image, a finished build, a past run's action executions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from pipectl.runs import projections
from pipectl.runs.deploy_reads import DeploymentReader, Key
from pipectl.runs.deployment import (
    deploy_progress,
    new_deployment_completed,
    start_failures,
    tasks_up,
)
from pipectl.runs.model import (
    FINAL_BUILD_STATUSES,
    FINAL_EXECUTION_STATUSES,
    RUNNING_STATUSES,
    RunSnapshot,
    ServiceTarget,
)
from pipectl.runs.progress import BuildProgress, DeployProgress
from pipectl.runs.projections import PipelineLayout
from pipectl.runs.reads import Clients
from pipectl.runs.reads import codebuild as build_reads
from pipectl.runs.reads import codepipeline as pipeline_reads
from pipectl.runs.reads import ecs as ecs_reads
from pipectl.runs.reads import logs as log_reads
from pipectl.runs.values import epoch
from pipectl.runs.verdict import DeployCheck, Seen
from pipectl.runs.views import ActionView, StageView


@dataclass
class _Memory:
    """What the look remembers between looks, so it reads each thing only while needed."""

    status: str = "InProgress"
    builds: dict[str, BuildProgress] = field(default_factory=dict)
    final_builds: set[str] = field(default_factory=set)
    deploys: dict[Key, DeployProgress] = field(default_factory=dict)
    services: dict[Key, dict[str, Any]] = field(default_factory=dict)
    images: dict[str, str | None] = field(default_factory=dict)
    log_tokens: dict[str, str] = field(default_factory=dict)
    past_state: dict[str, Any] | None = None
    rolled_back: Key | None = None


@dataclass
class RunLook:
    """Looks at one execution; :meth:`begin` once, then :meth:`look` each time round."""

    clients: Clients
    pipeline: str
    execution_id: str
    clock: Callable[[], float]
    target: ServiceTarget | None = None
    logs: bool = False  # tail build logs while the build runs
    log_lines: int = 20
    #: The execution's ListPipelineExecutions summary, when the caller has just read it.
    summary: dict[str, Any] = field(default_factory=dict)
    memory: _Memory = field(default_factory=_Memory)
    started_at: float | None = None
    layout: PipelineLayout = field(default_factory=lambda: PipelineLayout("", ()))
    #: (stage, action) of each ECS action -> the (cluster, service) it deploys to.
    targets: dict[tuple[str, str], Key] = field(default_factory=dict)
    deployments: DeploymentReader = field(init=False)

    def __post_init__(self) -> None:
        self.deployments = DeploymentReader(self.clients)

    def begin(self) -> None:
        """Read what stays the same for the whole watch: the layout and the summary."""
        self.layout = pipeline_reads.pipeline_layout(self.clients, self.pipeline)
        self.targets = {(a.stage, a.name): key for a in self.layout.find("ECS")
                        if (key := self._target_of(a.configuration)) is not None}
        if self.summary.get("pipelineExecutionId") != self.execution_id:
            self.summary = pipeline_reads.find_execution(self.clients, self.pipeline,
                                                         self.execution_id)
        self.started_at = epoch(self.summary.get("startTime"))
        self.memory.status = str(self.summary.get("status", "InProgress"))

    def _target_of(self, configuration: dict[str, str]) -> Key | None:
        cluster = configuration.get("ClusterName") or (
            self.target.cluster if self.target else None)
        service = configuration.get("ServiceName") or (
            self.target.service if self.target else None)
        return (cluster, service) if cluster and service else None

    def empty_snapshot(self, now: float) -> RunSnapshot:
        """The run as known before (or without) a look: for a note while AWS throttles."""
        return RunSnapshot(self.pipeline, self.execution_id, self.memory.status, now,
                           started_at=self.started_at)

    def look(self) -> Seen:
        parallel = self.layout.execution_mode == "PARALLEL"
        # PARALLEL: the pipeline state does not show this run; its action executions do
        # (one call a look either way).
        state = (pipeline_reads.run_state(self.clients, self.layout, self.execution_id)
                 if parallel else pipeline_reads.pipeline_state(self.clients, self.pipeline))
        stages = projections.stage_views(self.layout, state, self.execution_id,
                                         self.started_at)
        execution_doc: dict[str, Any] | None = None
        # A stage status made from action executions is a guess (one whose next action
        # has not started may never get it: the run was stopped); an action running
        # is a fact.
        running = (any(a.status in RUNNING_STATUSES for s in stages for a in s.actions)
                   if parallel else any(s.status in RUNNING_STATUSES for s in stages))
        if running:
            stopping = any(s.status == "Stopping" for s in stages)
            self.memory.status = "Stopping" if stopping else "InProgress"
        else:
            # Between stages, queued, or over: only the execution itself can say which.
            execution_doc = pipeline_reads.execution(self.clients, self.pipeline,
                                                     self.execution_id)
            self.memory.status = str(execution_doc.get("status", self.memory.status))
            if parallel:
                stages = _cut_short(stages, self.memory.status)
        if not parallel and self.memory.status in FINAL_EXECUTION_STATUSES and all(
            s.status == "Pending" for s in stages
        ):
            # A finished run whose stages newer runs have taken: read its own actions.
            if self.memory.past_state is None:
                self.memory.past_state = pipeline_reads.run_state(
                    self.clients, self.layout, self.execution_id)
            stages = projections.stage_views(self.layout, self.memory.past_state,
                                             self.execution_id, self.started_at)
        stages = self._with_builds(stages)
        self._read_running_deploys(stages)
        checks: tuple[DeployCheck, ...] = ()
        if self.memory.rolled_back is None and self.memory.status == "Succeeded":
            checks = self._check_deployments(stages)
        snapshot = self._snapshot(_map_actions(stages, self._with_deploy), execution_doc)
        # In PARALLEL mode no run takes another's place.
        newer = None if parallel else projections.other_execution_in(state, self.execution_id)
        return self._seen(snapshot, checks, newer)

    def _seen(self, snapshot: RunSnapshot, checks: tuple[DeployCheck, ...],
              newer: str | None) -> Seen:
        key = self.memory.rolled_back
        deploy = self.memory.deploys.get(key) if key else None
        found = self.deployments.found.get(key) if key else None
        return Seen(snapshot, rolled_back=key,
                    rollback_failure=deploy.failure if deploy else None,
                    rollback_confirmed=found is None or found.rolled_back,
                    checks=checks, newer_execution=newer)

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

    # -- builds --------------------------------------------------------------------------

    def _with_builds(self, stages: tuple[StageView, ...]) -> tuple[StageView, ...]:
        wanted = [a.external_id for s in stages for a in s.actions
                  if a.provider == "CodeBuild" and a.external_id
                  and a.external_id not in self.memory.final_builds]
        if wanted:
            for build_id, progress in build_reads.builds(self.clients, wanted).items():
                old = self.memory.builds.get(build_id)
                tail, total = (old.log_tail, old.log_total) if old else ((), 0)
                final = progress.status in FINAL_BUILD_STATUSES
                has_stream = bool(progress.log_group and progress.log_stream)
                if has_stream and self.logs:
                    fresh = self._read_forward(progress)
                    tail = (tail + fresh)[-self.log_lines:]
                    total += len(fresh)
                elif has_stream and final and progress.status != "SUCCEEDED":
                    # No --logs: one tail read for the diagnosis, not shown as new lines.
                    tail = log_reads.log_tail(self.clients, str(progress.log_group),
                                              str(progress.log_stream), self.log_lines)
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

    def service_doc(self, key: Key) -> dict[str, Any] | None:
        """The service as the last DescribeServices showed it."""
        return self.memory.services.get(key)

    def _read_services(self, keys: list[Key]) -> None:
        by_cluster: dict[str, list[str]] = {}
        for cluster, service in keys:
            by_cluster.setdefault(cluster, []).append(service)
        for cluster, names in by_cluster.items():
            for name, doc in ecs_reads.services(self.clients, cluster, names).items():
                self.memory.services[(cluster, name)] = doc

    def _image_of(self, arn: str) -> str | None:
        if arn not in self.memory.images:
            container = self.target.container if self.target else None
            self.memory.images[arn] = ecs_reads.task_definition_image(self.clients, arn,
                                                                      container)
        return self.memory.images[arn]

    def _read_running_deploys(self, stages: tuple[StageView, ...]) -> None:
        """The rollout of each ECS action that runs: the service, then its deployment."""
        running: dict[Key, str | None] = {}  # -> the action's deployment id
        for action in (a for s in stages for a in s.actions):
            key = self.targets.get((action.stage, action.name))
            if key and action.status in RUNNING_STATUSES:
                running[key] = action.external_id
                if action.status == "InProgress":
                    self.deployments.action_started(key, action.changed_at)
        if not running:
            return
        self._read_services(list(running))
        for key, deployment_id in running.items():
            doc = self.memory.services.get(key)
            if doc is None:
                continue
            progress = self._progress(key, doc, deployment_id)
            if progress.rolled_back and self.memory.rolled_back is None:
                progress = self._rolled_back(key, progress)
            elif self.memory.rolled_back == key:
                old = self.memory.deploys.get(key)
                progress = replace(progress, rolled_back=True,
                                   stopped_reasons=old.stopped_reasons if old else ())
            self.memory.deploys[key] = progress

    def _check_deployments(self, stages: tuple[StageView, ...]) -> tuple[DeployCheck, ...]:
        """A succeeded pipeline: has each new deployment completed? Stops at the first
        that decides (a missing service, a rollback, one still rolling out)."""
        keys = list(dict.fromkeys(self.targets.values()))
        if keys:
            self._read_services(keys)
        checks: list[DeployCheck] = []
        for key in keys:
            doc = self.memory.services.get(key)
            if doc is None:
                checks.append(DeployCheck(key[0], key[1], exists=False))
                break
            finished = next((a.changed_at for s in stages for a in s.actions
                             if self.targets.get((a.stage, a.name)) == key), None)
            progress = self._progress(key, doc, finished_at=finished)
            found = self.deployments.found.get(key)
            done = (found.succeeded if found is not None
                    else new_deployment_completed(doc, self.deployments.since(
                        key, self.started_at)))
            failure = None
            if done is True and not tasks_up(doc):
                # A new service scaled up after its first deploy: not served yet.
                done = None
                failing = start_failures(doc)
                if failing is not None:
                    progress, failure = self._failing_start(key, progress, failing)
            self.memory.deploys[key] = progress
            checks.append(DeployCheck(key[0], key[1], exists=True, completed=done,
                                      failure=failure))
            if failure is not None:
                break
            if done is False:
                self.memory.deploys[key] = self._rolled_back(key, progress)
            if done is not True:
                break
        return tuple(checks)

    def _failing_start(self, key: Key, progress: DeployProgress,
                       failing: tuple[int, int]) -> tuple[DeployProgress, str]:
        """Read once why the tasks stopped; the verdict's reason."""
        reasons = ecs_reads.stopped_task_reasons(self.clients, key[0], key[1],
                                                 task_definition=progress.task_definition)
        failure = (f"{failing[0]} tasks of ECS service {key[1]} failed to start "
                   f"({progress.running}/{progress.desired} running)"
                   + (f": {reasons[0]}" if reasons else ""))
        return replace(progress, stopped_reasons=reasons, failure=failure), failure

    def _rolled_back(self, key: Key, progress: DeployProgress) -> DeployProgress:
        """Remember the rollback, and read once why the failed revision's tasks stopped."""
        self.memory.rolled_back = key
        reasons = ecs_reads.stopped_task_reasons(
            self.clients, key[0], key[1], task_definition=_failed_revision(progress))
        return replace(progress, rolled_back=True, stopped_reasons=reasons)

    def _progress(self, key: Key, doc: dict[str, Any], deployment_id: str | None = None,
                  finished_at: float | None = None) -> DeployProgress:
        """The rollout of the run's deployment: DescribeServices, then the service
        deployment's word where the endpoint keeps them. Nothing older than the deploy
        action's start counts."""
        since = self.deployments.since(key, self.started_at)
        progress = deploy_progress(doc, key[0], since, self._image_of,
                                   deployment_id=deployment_id)
        found = self.deployments.read(key, self.started_at, finished_at)
        return self.deployments.apply(progress, found) if found is not None else progress

    def _with_deploy(self, action: ActionView) -> ActionView:
        key = self.targets.get((action.stage, action.name))
        return replace(action, deploy=self.memory.deploys.get(key)) if key else action

    def deploy_shown(self) -> DeployProgress | None:
        """The deployment the result reports (its image, task definition and URL)."""
        return next(iter(self.memory.deploys.values()), None)


def _map_actions(
    stages: tuple[StageView, ...], fn: Callable[[ActionView], ActionView]
) -> tuple[StageView, ...]:
    return tuple(replace(s, actions=tuple(fn(a) for a in s.actions)) for s in stages)


def _cut_short(stages: tuple[StageView, ...], status: str) -> tuple[StageView, ...]:
    """A run over (stopped, say) between two actions of a stage: that stage, which its
    action executions left in progress, ends as the run did."""
    if status not in FINAL_EXECUTION_STATUSES:
        return stages
    return tuple(replace(s, status=status) if s.status in RUNNING_STATUSES else s
                 for s in stages)


def _failed_revision(progress: DeployProgress) -> str | None:
    """The failed deployment's task definition, when ECS still lists that deployment
    (once the rollback completed it is gone, and only the stop codes tell tasks apart)."""
    return progress.task_definition if progress.rollout_state == "FAILED" else None
