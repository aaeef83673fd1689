"""CodeBuild builds that go through their phases over (scaled) time.

A build walks SUBMITTED ... COMPLETED. Each buildspec command is logged to CloudWatch
Logs when its time comes; a successful post_build pushes the image to ECR and the
build's artifact (``imagedefinitions.json``) lands in the artifact bucket. Failures are
the ones a user meets on AWS: no Docker daemon without privileged mode, a missing ECR
repository, a missing build variable, or an injected fault.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pipectl.buildspec.model import Phase
from pipectl.buildspec.rules import (
    assigned_names,
    ends_build_after_failure,
    expand,
    image_references,
    unset_references,
    uses_docker,
)
from pipectl.sandbox import backends, build_access, build_secrets, dockerfile
from pipectl.sandbox.buildspec import (
    DOCKER_DAEMON_DOWN,
    BuildFacts,
    BuildspecError,
    LoadedBuildspec,
    command_output,
    load_buildspec,
)
from pipectl.sandbox.clock import Timer, engine_error
from pipectl.sandbox.protocol import ApiError

if TYPE_CHECKING:
    from pipectl.sandbox.engine import Engine
    from pipectl.sandbox.faults import BuildFault
    from pipectl.sandbox.permissions import Caller

# Nominal seconds each phase takes (multiplied by the time scale).
PHASE_SECONDS: dict[str, float] = {
    "SUBMITTED": 0.5,
    "QUEUED": 1.0,
    "PROVISIONING": 5.0,
    "DOWNLOAD_SOURCE": 2.0,
    "INSTALL": 1.0,
    "PRE_BUILD": 3.0,
    "BUILD": 10.0,
    "POST_BUILD": 4.0,
    "UPLOAD_ARTIFACTS": 1.0,
    "FINALIZING": 1.0,
}
PHASE_ORDER = (
    "SUBMITTED",
    "QUEUED",
    "PROVISIONING",
    "DOWNLOAD_SOURCE",
    "INSTALL",
    "PRE_BUILD",
    "BUILD",
    "POST_BUILD",
    "UPLOAD_ARTIFACTS",
    "FINALIZING",
    "COMPLETED",
)
COMMAND_PHASES = ("INSTALL", "PRE_BUILD", "BUILD", "POST_BUILD")
# Variables the pipectl buildspec relies on (the project pipectl creates sets them).
CONTRACT_VARIABLES = ("REPOSITORY_URI", "CONTAINER_NAME")


@dataclass
class ArtifactTarget:
    """Where a pipeline build's output artifact goes (CodePipeline picks the key)."""

    bucket: str
    key: str
    name: str


@dataclass
class Build:
    id: str
    arn: str
    number: int
    project: dict[str, Any]
    account: str
    region: str
    start: datetime
    source_version: str
    resolved_source_version: str
    initiator: str
    environment: dict[str, str]
    artifact: ArtifactTarget | None
    fault: BuildFault | None
    phases: list[dict[str, Any]] = field(default_factory=list)
    current_phase: str = "SUBMITTED"
    status: str = "IN_PROGRESS"
    end: datetime | None = None
    buildspec: LoadedBuildspec | None = None
    failed_phase: str | None = None
    failure_message: str = ""
    failure_code: str = ""
    image_uri: str = ""
    image_digest: str = ""
    image_definitions: str = ""
    exported: dict[str, str] = field(default_factory=dict)
    warm_cache: bool = False  # an earlier docker build of the project left its layers
    built_image: bool = False  # this build ran a docker build
    #: Variables earlier commands set; with buildspec version 0.1 none carry over.
    assigned: set[str] = field(default_factory=set)
    on_done: list[Callable[[Build, datetime], None]] = field(default_factory=list)
    pending: list[Timer] = field(default_factory=list)
    caller: Caller | None = None  # the project's service role, as CodeBuild assumed it
    variables: list[dict[str, Any]] = field(default_factory=list)  # with their types
    secrets: list[str] = field(default_factory=list)  # resolved values, masked in the log
    source_location: dict[str, str] | None = None  # a pipeline build's input artifact

    @property
    def project_name(self) -> str:
        return str(self.project["name"])

    @property
    def log_group(self) -> str:
        logs = (self.project.get("logsConfig") or {}).get("cloudWatchLogs") or {}
        return str(logs.get("groupName") or f"/aws/codebuild/{self.project_name}")

    @property
    def log_stream(self) -> str:
        logs = (self.project.get("logsConfig") or {}).get("cloudWatchLogs") or {}
        prefix = logs.get("streamName")
        suffix = self.id.split(":", 1)[1]
        return f"{prefix}/{suffix}" if prefix else suffix

    def to_dict(self) -> dict[str, Any]:
        environment = dict(self.project.get("environment") or {})
        data: dict[str, Any] = {
            "id": self.id,
            "arn": self.arn,
            "buildNumber": self.number,
            "startTime": self.start,
            "currentPhase": self.current_phase,
            "buildStatus": self.status,
            "sourceVersion": self.source_version,
            "resolvedSourceVersion": self.resolved_source_version,
            "projectName": self.project_name,
            "phases": [dict(p) for p in self.phases],
            "source": self.project.get("source"),
            "artifacts": {}
            if self.artifact is None
            else {
                "location": f"arn:aws:s3:::{self.artifact.bucket}/{self.artifact.key}",
            },
            "cache": self.project.get("cache") or {"type": "NO_CACHE"},
            "environment": environment,
            "serviceRole": self.project.get("serviceRole"),
            "logs": {
                "groupName": self.log_group,
                "streamName": self.log_stream,
                "deepLink": (
                    f"https://console.aws.amazon.com/cloudwatch/home?region={self.region}"
                    f"#logsV2:log-groups/log-group/{self.log_group.replace('/', '$252F')}"
                    f"/log-events/{self.log_stream}"
                ),
                "cloudWatchLogsArn": (
                    f"arn:aws:logs:{self.region}:{self.account}:log-group:{self.log_group}"
                    f":log-stream:{self.log_stream}"
                ),
                "cloudWatchLogs": {"status": "ENABLED"},
            },
            "timeoutInMinutes": self.project.get("timeoutInMinutes", 60),
            "queuedTimeoutInMinutes": self.project.get("queuedTimeoutInMinutes", 480),
            "buildComplete": self.status != "IN_PROGRESS",
            "initiator": self.initiator,
            "encryptionKey": self.project.get("encryptionKey"),
        }
        if not self.source_version:  # the shape wants none rather than an empty one
            del data["sourceVersion"], data["resolvedSourceVersion"]
        if self.end is not None:
            data["endTime"] = self.end
        if self.exported:
            data["exportedEnvironmentVariables"] = [
                {"name": k, "value": v} for k, v in self.exported.items()
            ]
        return data


class BuildRunner:
    """Starts builds and walks them through their phases on the engine's clock."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
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
            fault=self.engine.faults.take_build_fault(name),
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
        with self.engine.scheduler.guard(lambda due, exc: self._broken(build, due, exc)):
            self._enter(build, 0, at)
        return build

    def _broken(self, build: Build, at: datetime, exc: Exception) -> None:
        """An engine error ends the build as FAULT (CodeBuild's own failure), visibly."""
        if build.status != "IN_PROGRESS":
            return
        for entry in build.pending:
            self.engine.scheduler.cancel(entry)
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
        end = self.engine.scheduler.later(at, duration)
        entry = self.engine.scheduler.at(end, lambda due: self._leave(build, index, due, failure))
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

            self.engine.scheduler.at(when, write)

    # --- what each phase does ----------------------------------------------------

    def _run_phase(
        self, build: Build, phase_type: str, at: datetime
    ) -> tuple[list[tuple[datetime, str]], float, tuple[str, str] | None]:
        seconds = self.engine.variation.phase_seconds(
            PHASE_SECONDS[phase_type], phase_type, build.project_name, build.number,
            build.warm_cache)
        clock = _LineClock(self.engine, at, seconds)
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

    def _provision(self, build: Build) -> tuple[str, str] | None:
        """The build's log stream, written as the project's role."""
        assert build.caller is not None
        group_exists = backends.log_group_exists(build.account, build.region, build.log_group)
        failure = build_access.log_stream(
            build.caller, build.log_group, build.log_stream, group_exists, build.arn)
        if failure is not None:
            return failure
        resolved = build_secrets.resolve(build.caller, build.variables)
        build.environment.update(resolved.values)
        build.secrets = resolved.secrets
        return resolved.failure

    def _download_source(self, build: Build, clock: _LineClock) -> tuple[str, str] | None:
        src = f"/codebuild/output/src{build.number}/src"
        assert build.caller is not None
        denied = build_access.download_source(build.caller, build.source_location)
        if denied is not None:
            clock.say("Phase complete: DOWNLOAD_SOURCE State: FAILED")
            clock.say(f"Phase context status code: {denied[0]} Message: {denied[1]}")
            return denied
        clock.say("Phase is DOWNLOAD_SOURCE")
        clock.say(f"CODEBUILD_SRC_DIR={src}")
        try:
            build.buildspec = load_buildspec(
                build.project.get("source") or {}, self.engine.source_dir
            )
        except BuildspecError as exc:
            code, _, message = str(exc).partition(": ")
            clock.say("Phase complete: DOWNLOAD_SOURCE State: FAILED")
            clock.say(f"Phase context status code: {code} Message: {message}")
            return code, message
        spec = build.buildspec
        clock.say(f"YAML location is {src}/{spec.location}")
        clock.say("Processing environment variables")
        clock.say(f"Moving to directory {src}")
        counted = [p for p in spec.spec.phases if p.commands]
        clock.say(f"Phases found in YAML: {len(counted)}")
        for phase in counted:
            clock.say(f" {phase.phase_type}: {len(phase.commands)} commands")
        clock.say("Phase complete: DOWNLOAD_SOURCE State: SUCCEEDED")
        clock.say("Phase context status code:  Message: ")
        return None

    def _run_commands(
        self, build: Build, phase_type: str, clock: _LineClock
    ) -> tuple[str, str] | None:
        spec = build.buildspec
        phase = spec.phase(phase_type.lower()) if spec else Phase(phase_type.lower())
        clock.say(f"Entering phase {phase_type}")
        commands = [c.text for c in (*phase.commands, *phase.finally_commands)]
        clock.spread(len(commands))
        fault = build.fault if (build.fault and build.fault.phase == phase_type) else None
        fault_at = _fault_command(commands, fault) if fault else None
        if fault is not None and fault_at is None:
            commands.append(fault.command or "make")  # a phase with no commands still fails
            fault_at = len(commands) - 1
        failure: tuple[str, str] | None = None
        for index, command in enumerate(commands):
            clock.tick()
            clock.say(f"Running command {command}")
            error = self._command_error(build, phase_type, command, index == fault_at)
            output: list[str] | None = None
            if error is None and dockerfile.is_build(command):
                output, error = dockerfile.build_output(
                    self.engine.source_dir, command, self._facts(build).image_uri)
            if error is not None:
                for line in [*(output or []), *error]:
                    clock.raw(line)
                clock.raw("")
                clock.say(f"Command did not exit successfully {command} exit status 1")
                failure = (
                    "COMMAND_EXECUTION_ERROR",
                    f"Error while executing command: {command}. Reason: exit status 1",
                )
                break
            if build.buildspec is None or build.buildspec.spec.one_shell:
                build.assigned |= assigned_names(command)
            self._command_effects(build, phase_type, command)
            if output is None:
                output = command_output(command, self._facts(build))
            for line in output:
                if command.lstrip().startswith("echo "):
                    line = _expand(line, build.environment)  # the shell would
                clock.raw(line)
        state = "FAILED" if failure else "SUCCEEDED"
        clock.say(f"Phase complete: {phase_type} State: {state}")
        code, message = failure if failure else ("", "")
        clock.say(f"Phase context status code: {code} Message: {message}")
        if phase_type == "POST_BUILD" and failure is None and build.failed_phase is None:
            self._export(build)
        return failure

    def _command_error(
        self, build: Build, phase_type: str, command: str, faulted: bool
    ) -> list[str] | None:
        if faulted and build.fault is not None:
            return [build.fault.log_line(command)]
        privileged = bool((build.project.get("environment") or {}).get("privilegedMode"))
        if uses_docker(command) and not privileged and "manifest inspect" not in command:
            return [DOCKER_DAEMON_DOWN]
        assert build.caller is not None
        denied = build_access.command_denied(
            build.caller, command, build.environment.get("REPOSITORY_URI", ""))
        if denied is not None:
            return denied
        for name in CONTRACT_VARIABLES:
            if (f"${name}" in command or "${" + name in command) and not build.environment.get(
                name
            ):
                return [f"{name} is not set (the CodeBuild project that pipectl creates sets it)"]
        bad_reference = self._unset_image_variable(build, command)
        if bad_reference is not None:
            return [bad_reference]
        if "docker push" in command and build.failed_phase is None:
            repository = self._repository(build)
            if not backends.repository_exists(build.account, build.region, repository):
                return [
                    f"name unknown: The repository with name '{repository}' does not exist "
                    f"in the registry with id '{build.account}'"
                ]
        return None

    def _unset_image_variable(self, build: Build, command: str) -> str | None:
        """Docker's error for an image name whose variable is empty in this shell.

        Version 0.2 keeps the variables earlier commands set; version 0.1 runs each
        command in a new shell, so only the command's own assignments count.
        """
        spec = build.buildspec.spec if build.buildspec else None
        defined = set(build.environment) | assigned_names(command)
        if spec is not None:
            defined |= set(spec.variables)
        if spec is None or spec.one_shell:
            defined |= build.assigned
        for reference in image_references(command):
            if unset_references(reference, defined):
                values = {**(spec.variables if spec else {}), **build.environment}
                shown = expand(reference, values)
                return (f'Error parsing reference: "{shown}" is not a valid repository/tag: '
                        "invalid reference format")
        return None

    def _repository(self, build: Build) -> str:
        uri = build.environment.get("REPOSITORY_URI", "")
        return uri.split("/", 1)[1] if "/" in uri else uri

    def _image_tag(self, build: Build) -> str:
        """The tag the reference buildspec derives from the revision."""
        revision = build.resolved_source_version
        if re.fullmatch(r"[0-9a-f]{40}", revision):
            return revision[:7]
        if revision:  # an S3 object version id: tag-safe, whole
            return ("s3-" + re.sub(r"[^A-Za-z0-9_.-]", "_", revision))[:128]
        return f"build-{build.number}"

    def _facts(self, build: Build) -> BuildFacts:
        if not build.image_uri:
            build.image_uri = (
                f"{build.environment.get('REPOSITORY_URI', '')}:{self._image_tag(build)}"
            )
            container = build.environment.get("CONTAINER_NAME", "")
            build.image_definitions = json.dumps(
                [{"name": container, "imageUri": build.image_uri}], separators=(",", ":")
            )
        digest = build.image_digest or "sha256:" + hashlib.sha256(build.id.encode()).hexdigest()
        return BuildFacts(
            image_uri=build.image_uri,
            image_definitions=build.image_definitions,
            digest=digest,
            cached=build.warm_cache,
        )

    def _command_effects(self, build: Build, phase_type: str, command: str) -> None:
        """The one side effect a sandbox build has in AWS: docker push -> PutImage."""
        self._facts(build)
        if "docker build" in command or "docker buildx build" in command:
            build.built_image = True
        if "docker push" not in command or build.failed_phase is not None:
            return
        repository = self._repository(build)
        tag = self._image_tag(build)
        if backends.image_exists(build.account, build.region, repository, tag):
            return  # an immutable tag pushed by an earlier run of the same commit
        build.image_digest = backends.put_image(
            build.account, build.region, repository, tag, seed=build.id
        )

    def _export(self, build: Build) -> None:
        if build.buildspec is None:
            return
        spec = build.buildspec.spec
        values = {
            "IMAGE_TAG": self._image_tag(build),
            "IMAGE_URI": build.image_uri,
            **{k: v for k, v in build.environment.items() if k in spec.exported_variables},
        }
        build.exported = {name: values.get(name, "") for name in spec.exported_variables}

    def _upload_artifacts(self, build: Build, clock: _LineClock) -> tuple[str, str] | None:
        if build.artifact is None:
            return None
        if build.failed_phase is not None:
            return "CLIENT_ERROR", "no matching artifact paths found"
        files = build.buildspec.spec.artifact_files if build.buildspec else (
            "imagedefinitions.json",)
        if "imagedefinitions.json" not in files:
            return "CLIENT_ERROR", "no matching artifact paths found"
        self._facts(build)
        assert build.caller is not None
        denied = build_access.upload_artifact(
            build.caller, build.artifact.bucket, build.artifact.key)
        if denied is not None:
            return denied
        clock.say("Expanding base directory path: .")
        clock.say("Assembling file list")
        clock.say("Found 1 file(s)")
        try:
            backends.put_zip(
                build.account,
                build.artifact.bucket,
                build.artifact.key,
                {"imagedefinitions.json": build.image_definitions},
            )
        except backends.BackendError as exc:
            return "CLIENT_ERROR", str(exc)
        return None

    # --- stopping -----------------------------------------------------------------

    def stop(self, build: Build, at: datetime) -> None:
        if build.status != "IN_PROGRESS":
            return
        for entry in build.pending:
            self.engine.scheduler.cancel(entry)
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
            [(at, _container_line(at, "Build was stopped by the user"))],
        )
        for callback in build.on_done:
            callback(build, at)


def _fault_command(commands: list[str], fault: BuildFault | None) -> int | None:
    if fault is None or not commands:
        return None
    if fault.command:
        for index, command in enumerate(commands):
            if fault.command in command:
                return index
    for index, command in enumerate(commands):
        if uses_docker(command):
            return index
    return len(commands) - 1


def _expand(text: str, environment: dict[str, str]) -> str:
    """``$NAME`` and ``${NAME}`` as the shell expands them (unset: empty)."""
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?",
                  lambda m: environment.get(m.group(1), ""), text)


def _container_line(at: datetime, text: str) -> str:
    return f"[Container] {at.strftime('%Y/%m/%d %H:%M:%S.%f')} {text}"


class _LineClock:
    """Hands out timestamps for the log lines of one phase, spread over its duration."""

    def __init__(self, engine: Engine, start: datetime, seconds: float) -> None:
        self.engine = engine
        self.start = start
        self.seconds = seconds
        self.offset = 0.0
        self.step = seconds / 4
        self.lines: list[tuple[datetime, str]] = []

    def spread(self, commands: int) -> None:
        self.step = self.seconds / max(commands + 1, 1)

    def tick(self) -> None:
        self.offset = min(self.offset + self.step, self.seconds * 0.95)

    def _now(self) -> datetime:
        return self.engine.scheduler.later(self.start, self.offset)

    def say(self, text: str) -> None:
        when = self._now()
        self.lines.append((when, _container_line(when, text)))

    def raw(self, text: str) -> None:
        self.lines.append((self._now(), text))


# --- the CodeBuild operations the sandbox serves ----------------------------------


def build_handlers(
    engine: Engine,
) -> dict[str, Callable[[str, str, dict[str, Any]], dict[str, Any]]]:
    runner = engine.builds

    def find(account: str, region: str, build_id: str) -> Build | None:
        build = runner.builds.get(build_id.split("build/", 1)[-1])
        if build is None or build.account != account or build.region != region:
            return None
        return build

    def start_build(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        from pipectl.sandbox.projects import get_project

        name = str(params.get("projectName") or "")
        project = get_project(account, region, name)
        if project is None:
            raise ApiError(
                "ResourceNotFoundException",
                f"Project cannot be found: arn:aws:codebuild:{region}:{account}:project/{name}",
            )
        try:
            build = runner.start(
                account=account,
                region=region,
                project=project,
                at=engine.scheduler.now(),
                source_version=str(params.get("sourceVersion") or ""),
                initiator="pipectl-sandbox",
                overrides=params.get("environmentVariablesOverride"),
            )
        except build_access.CannotAssume as refused:
            raise ApiError("InvalidInputException", str(refused)) from None
        return {"build": build.to_dict()}

    def batch_get_builds(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        ids = params.get("ids")
        if not isinstance(ids, list) or not ids:
            raise ApiError("InvalidInputException", "ids is required: 1 to 100 build ids")
        found, missing = [], []
        for build_id in ids:
            build = find(account, region, str(build_id))
            if build is None:
                missing.append(str(build_id))
            else:
                found.append(build.to_dict())
        answer: dict[str, Any] = {"builds": found}
        if missing:
            answer["buildsNotFound"] = missing
        return answer

    def stop_build(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        build_id = str(params.get("id") or "")
        build = find(account, region, build_id)
        if build is None:
            raise ApiError("ResourceNotFoundException", f"Build {build_id} does not exist")
        runner.stop(build, engine.scheduler.now())
        return {"build": build.to_dict()}

    def list_builds_for_project(
        account: str, region: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        from pipectl.sandbox.projects import get_project

        name = str(params.get("projectName") or "")
        if get_project(account, region, name) is None:
            raise ApiError(
                "ResourceNotFoundException",
                f"The provided project arn:aws:codebuild:{region}:{account}:project/{name} "
                "does not exist",
            )
        ids = list(runner.by_project.get((account, region, name), []))
        if params.get("sortOrder") != "ASCENDING":
            ids.reverse()
        return {"ids": ids}

    def list_builds(account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        builds = [b for b in runner.builds.values() if (b.account, b.region) == (account, region)]
        builds.sort(key=lambda b: b.start, reverse=params.get("sortOrder") != "ASCENDING")
        return {"ids": [b.id for b in builds]}

    return {
        "codebuild:StartBuild": start_build,
        "codebuild:BatchGetBuilds": batch_get_builds,
        "codebuild:StopBuild": stop_build,
        "codebuild:ListBuildsForProject": list_builds_for_project,
        "codebuild:ListBuilds": list_builds,
    }
