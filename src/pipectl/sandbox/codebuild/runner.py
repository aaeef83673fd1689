"""CodeBuild builds that go through their phases over (scaled) time.

A build walks SUBMITTED ... COMPLETED. Each buildspec command is logged to CloudWatch
Logs when its time comes; a successful post_build pushes the image to ECR and the
build's artifact (``imagedefinitions.json``) lands in the artifact bucket. Failures are
the ones a user meets on AWS: no Docker daemon without privileged mode, a missing ECR
repository, a missing build variable, or an injected fault.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from pipectl.buildspec.model import Phase
from pipectl.buildspec.rules import ends_build_after_failure
from pipectl.sandbox import backends
from pipectl.sandbox.clock import engine_error
from pipectl.sandbox.codebuild import access as build_access
from pipectl.sandbox.codebuild import secrets as build_secrets
from pipectl.sandbox.codebuild.build import ArtifactTarget, Build
from pipectl.sandbox.codebuild.effects import LineClock, PhaseEffects, container_line
from pipectl.sandbox.codebuild.phases import COMMAND_PHASES, PHASE_ORDER, PHASE_SECONDS
from pipectl.sandbox.runtime import Runtime


class BuildRunner(PhaseEffects):
    """Starts builds and walks them through their phases on the engine's clock."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.builds: dict[str, Build] = {}
        self.by_project: dict[tuple[str, str, str], list[str]] = {}
        self.warm_projects: set[tuple[str, str, str]] = set()

    def reset(self) -> None:
        self.builds.clear()
        self.by_project.clear()
        self.warm_projects.clear()

    # --- starting ---------------------------------------------------------------

    def start(
        self,
        *,
        account: str,
        region: str,
        project: dict[str, Any],
        at: datetime,
        source_version: str,
        initiator: str,
        artifact: ArtifactTarget | None = None,
        overrides: list[dict[str, Any]] | None = None,
        source_location: dict[str, str] | None = None,
    ) -> Build:
        """Start a build; :class:`build_access.CannotAssume` if the role is out of reach."""
        caller = build_access.build_caller(account=account, region=region, project=project)
        name = str(project["name"])
        key = (account, region, name)
        ids = self.by_project.setdefault(key, [])
        build_id = f"{name}:{uuid.uuid4()}"
        environment = {
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
            "CODEBUILD_BUILD_ID": build_id,
            "CODEBUILD_BUILD_NUMBER": str(len(ids) + 1),
            "CODEBUILD_RESOLVED_SOURCE_VERSION": source_version,
            "CODEBUILD_INITIATOR": initiator,
        }
        for variable in (project.get("environment") or {}).get("environmentVariables") or []:
            environment[str(variable["name"])] = str(variable.get("value", ""))
        for variable in overrides or []:
            environment[str(variable["name"])] = str(variable.get("value", ""))
        build = Build(
            id=build_id,
            arn=f"arn:aws:codebuild:{region}:{account}:build/{build_id}",
            number=len(ids) + 1,
            project=json.loads(json.dumps(project, default=str)),
            account=account,
            region=region,
            start=at,
            source_version=source_version,
            resolved_source_version=source_version,
            initiator=initiator,
            environment=environment,
            artifact=artifact,
            fault=self.runtime.faults.take_build_fault(name),
            warm_cache=key in self.warm_projects,
            caller=caller,
            source_location=source_location,
            variables=[
                *((project.get("environment") or {}).get("environmentVariables") or []),
                *(overrides or []),
            ],
        )
        self.builds[build_id] = build
        ids.append(build_id)
        with self.runtime.scheduler.guard(lambda due, exc: self._broken(build, due, exc)):
            self._enter(build, 0, at)
        return build

    def _broken(self, build: Build, at: datetime, exc: Exception) -> None:
        """An engine error ends the build as FAULT (CodeBuild's own failure), visibly."""
        if build.status != "IN_PROGRESS":
            return
        for entry in build.pending:
            self.runtime.scheduler.cancel(entry)
        record = build.phases[-1]
        record.update(endTime=at, phaseStatus="FAULT",
                      durationInSeconds=round((at - record["startTime"]).total_seconds()),
                      contexts=[{"statusCode": "SANDBOX_ENGINE_ERROR",
                                 "message": engine_error(exc)}])
        build.failed_phase = build.failed_phase or str(record["phaseType"])
        build.failure_code, build.failure_message = "SANDBOX_ENGINE_ERROR", engine_error(exc)
        build.phases.append({"phaseType": "COMPLETED", "startTime": at})
        build.current_phase, build.status, build.end = "COMPLETED", "FAULT", at
        build.pending = []
        for callback in build.on_done:
            callback(build, at)

    # --- the phase walk ----------------------------------------------------------

    def _enter(self, build: Build, index: int, at: datetime) -> None:
        phase_type = PHASE_ORDER[index]
        build.current_phase = phase_type
        record: dict[str, Any] = {"phaseType": phase_type, "startTime": at}
        build.phases.append(record)
        if phase_type == "COMPLETED":
            self._complete(build, at)
            return
        lines, duration, failure = self._run_phase(build, phase_type, at)
        self._log_progressively(build, lines)
        end = self.runtime.scheduler.later(at, duration)
        entry = self.runtime.scheduler.at(end, lambda due: self._leave(build, index, due, failure))
        build.pending = [entry]

    def _leave(
        self, build: Build, index: int, at: datetime, failure: tuple[str, str] | None
    ) -> None:
        if build.status != "IN_PROGRESS":
            return
        record = build.phases[-1]
        phase_type = record["phaseType"]
        record["endTime"] = at
        record["durationInSeconds"] = round((at - record["startTime"]).total_seconds())
        if failure is not None:
            code, message = failure
            record["phaseStatus"] = "FAILED"
            record["contexts"] = [{"statusCode": code, "message": message}]
            if build.failed_phase is None:
                build.failed_phase = phase_type
                build.failure_code = code
                build.failure_message = message
        else:
            record["phaseStatus"] = "SUCCEEDED"
            if phase_type not in ("SUBMITTED", "QUEUED"):
                record["contexts"] = [{"statusCode": "", "message": ""}]
        self._enter(build, self._next_index(build, index, failure), at)

    def _next_index(self, build: Build, index: int, failure: tuple[str, str] | None) -> int:
        phase_type = PHASE_ORDER[index]
        if failure is None or phase_type in ("UPLOAD_ARTIFACTS", "FINALIZING"):
            return index + 1
        if phase_type in ("PROVISIONING", "DOWNLOAD_SOURCE"):
            return PHASE_ORDER.index("FINALIZING")
        phase = self._buildspec_phase(build, phase_type)
        # A sandbox failure is deterministic, so RETRY would fail the same way: its
        # retries are used up at once (see pipectl.buildspec.rules).
        if ends_build_after_failure(phase_type.lower(), phase.on_failure if phase else None):
            return PHASE_ORDER.index("FINALIZING")
        return index + 1

    def _buildspec_phase(self, build: Build, phase_type: str) -> Phase | None:
        if build.buildspec is None or phase_type not in COMMAND_PHASES:
            return None
        return build.buildspec.phase(phase_type.lower())

    def _complete(self, build: Build, at: datetime) -> None:
        build.end = at
        build.status = "SUCCEEDED" if build.failed_phase is None else "FAILED"
        if build.status == "SUCCEEDED" and build.built_image:
            self.warm_projects.add((build.account, build.region, build.project_name))
        build.pending = []
        for callback in build.on_done:
            callback(build, at)

    def _log_progressively(self, build: Build, lines: list[tuple[datetime, str]]) -> None:
        """Each line reaches CloudWatch Logs when its time comes, as a live build's do."""
        for when, text in lines:

            def write(due: datetime, text: str = text) -> None:
                backends.append_log(
                    build.account,
                    build.region,
                    build.log_group,
                    build.log_stream,
                    [(due, build_secrets.mask(text, build.secrets))],
                )

            self.runtime.scheduler.at(when, write)

    # --- what each phase does ----------------------------------------------------

    def _run_phase(
        self, build: Build, phase_type: str, at: datetime
    ) -> tuple[list[tuple[datetime, str]], float, tuple[str, str] | None]:
        seconds = self.runtime.variation.phase_seconds(
            PHASE_SECONDS[phase_type], phase_type, build.project_name, build.number,
            build.warm_cache)
        clock = LineClock(self.runtime, at, seconds)
        failure: tuple[str, str] | None = None
        fault = build.fault
        if fault is not None and fault.phase == phase_type and phase_type not in COMMAND_PHASES:
            failure = (fault.code or "CLIENT_ERROR", fault.message or f"{phase_type} failed")
            clock.say(f"Phase complete: {phase_type} State: FAILED")
            clock.say(f"Phase context status code: {failure[0]} Message: {failure[1]}")
            return clock.lines, seconds, failure
        if phase_type == "PROVISIONING":
            failure = self._provision(build)
            if failure is None:
                clock.say("Running on CodeBuild On-demand")
                clock.say("Waiting for DOWNLOAD_SOURCE")
        elif phase_type == "DOWNLOAD_SOURCE":
            failure = self._download_source(build, clock)
        elif phase_type in COMMAND_PHASES:
            failure = self._run_commands(build, phase_type, clock)
        elif phase_type == "UPLOAD_ARTIFACTS":
            failure = self._upload_artifacts(build, clock)
        elif phase_type == "FINALIZING":
            uploaded = next(
                (p for p in build.phases if p["phaseType"] == "UPLOAD_ARTIFACTS"), None
            )
            if uploaded is not None:  # an aborted build skips the upload
                clock.say(f"Phase complete: UPLOAD_ARTIFACTS State: {uploaded['phaseStatus']}")
        return clock.lines, seconds, failure

    # --- stopping -----------------------------------------------------------------

    def stop(self, build: Build, at: datetime) -> None:
        if build.status != "IN_PROGRESS":
            return
        for entry in build.pending:
            self.runtime.scheduler.cancel(entry)
        record = build.phases[-1]
        record["endTime"] = at
        record["durationInSeconds"] = round((at - record["startTime"]).total_seconds())
        record["phaseStatus"] = "STOPPED"
        build.status = "STOPPED"
        for phase_type in ("FINALIZING", "COMPLETED"):
            done: dict[str, Any] = {"phaseType": phase_type, "startTime": at}
            if phase_type == "FINALIZING":
                done.update(endTime=at, durationInSeconds=0, phaseStatus="SUCCEEDED")
            build.phases.append(done)
        build.current_phase = "COMPLETED"
        build.end = at
        backends.append_log(
            build.account,
            build.region,
            build.log_group,
            build.log_stream,
            [(at, container_line(at, "Build was stopped by the user"))],
        )
        for callback in build.on_done:
            callback(build, at)
