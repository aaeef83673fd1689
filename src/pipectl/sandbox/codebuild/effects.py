"""What each phase of a build does: the role's reach, the buildspec's commands, the push.

Each step returns the failure a real build would meet, ``(status code, message)``, or
None; the runner decides where the build goes next.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING

from pipectl.buildspec.model import Phase
from pipectl.buildspec.rules import (
    assigned_names,
    expand,
    image_references,
    unset_references,
    uses_docker,
)
from pipectl.sandbox import backends
from pipectl.sandbox.codebuild import access as build_access
from pipectl.sandbox.codebuild import dockerfile
from pipectl.sandbox.codebuild import secrets as build_secrets
from pipectl.sandbox.codebuild.build import Build
from pipectl.sandbox.codebuild.buildspec import (
    DOCKER_DAEMON_DOWN,
    BuildFacts,
    BuildspecError,
    command_output,
    load_buildspec,
)
from pipectl.sandbox.runtime import Runtime

if TYPE_CHECKING:
    from datetime import datetime

    from pipectl.sandbox.faults import BuildFault

# Variables the pipectl buildspec relies on (the project pipectl creates sets them).
CONTRACT_VARIABLES = ("REPOSITORY_URI", "CONTAINER_NAME")


class PhaseEffects:
    """The steps of the phases; :class:`BuildRunner` walks a build through them."""

    runtime: Runtime

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

    def _download_source(self, build: Build, clock: LineClock) -> tuple[str, str] | None:
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
                build.project.get("source") or {}, self.runtime.source_dir
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
        self, build: Build, phase_type: str, clock: LineClock
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
                    self.runtime.source_dir, command, self._facts(build).image_uri)
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
                    line = expand(line, build.environment)  # the shell would
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

    def _upload_artifacts(self, build: Build, clock: LineClock) -> tuple[str, str] | None:
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


def container_line(at: datetime, text: str) -> str:
    return f"[Container] {at.strftime('%Y/%m/%d %H:%M:%S.%f')} {text}"


class LineClock:
    """Hands out timestamps for the log lines of one phase, spread over its duration."""

    def __init__(self, runtime: Runtime, start: datetime, seconds: float) -> None:
        self.runtime = runtime
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
        return self.runtime.scheduler.later(self.start, self.offset)

    def say(self, text: str) -> None:
        when = self._now()
        self.lines.append((when, container_line(when, text)))

    def raw(self, text: str) -> None:
        self.lines.append((self._now(), text))
