"""Run a buildspec's phases with CodeBuild's rules, yielding events as things happen.

The rules (pipectl.buildspec states them; this runs them):

- phases run in the order install, pre_build, build, post_build; with version 0.2 in
  one shell, with version 0.1 each command in a shell of its own (so a variable or a
  ``cd`` does not reach the next command);
- a failing command ends its phase's ``commands``; the phase's ``finally`` commands run
  either way, and a failure there fails the phase too;
- after a failed phase, ``on-failure: ABORT`` ends the build and ``CONTINUE`` goes on to
  the next phase; ``RETRY[-count][-regex]`` runs the phase again (3 times, or count)
  while the failed command's output matches regex, then ends the build; without
  ``on-failure``, a failed install or pre_build ends the build and a failed build phase
  still runs post_build;
- ``CODEBUILD_BUILD_SUCCEEDING`` turns to 0 at the first failure;
- a build that succeeded must leave the files ``artifacts.files`` names.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from pipectl.buildspec.model import Buildspec, Command, Phase
from pipectl.buildspec.rules import ends_build_after_failure
from pipectl.localbuild.events import (
    ArtifactsChecked,
    BuildEvent,
    BuildFinished,
    CommandFinished,
    CommandStarted,
    Notice,
    OutputLine,
    PhaseFinished,
    PhaseSkipped,
    PhaseStarted,
)
from pipectl.localbuild.shell import ShellExited, ShellSession
from pipectl.spec.names import ENV_VAR

UPLOAD_ARTIFACTS = "upload_artifacts"


@dataclass(frozen=True)
class LocalBuild:
    buildspec: Buildspec
    source_dir: Path
    environment: Mapping[str, str]
    #: Variables CodeBuild would fetch from SSM / Secrets Manager (the spec's build.secrets).
    secret_names: tuple[str, ...] = ()
    clock: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class _Failure:
    phase: str
    command: Command | None
    exit_code: int | None


def run_build(build: LocalBuild) -> Iterator[BuildEvent]:
    """Run the build; the last event is always a :class:`BuildFinished`."""
    return _Run(build).events()


class _Run:
    def __init__(self, build: LocalBuild) -> None:
        self.build = build
        self.clock = build.clock
        self.shell: ShellSession | None = None
        self.first_failure: _Failure | None = None
        self.last_output: list[str] = []  # the latest command's, for RETRY-regex

    def events(self) -> Iterator[BuildEvent]:
        started = self.clock()
        finished_normally = False
        try:
            yield from self._notices()
            yield from self._phases()
            if self.first_failure is None:
                yield from self._check_artifacts()
            exported = self._exported()
            failure = self.first_failure
            yield BuildFinished(
                succeeded=failure is None,
                seconds=self.clock() - started,
                failed_phase=failure.phase if failure else None,
                failed_command=failure.command.text if failure and failure.command else None,
                failed_line=failure.command.line if failure and failure.command else None,
                exit_code=failure.exit_code if failure else None,
                exported=exported,
            )
            finished_normally = True
        finally:
            if self.shell is not None:
                # Interrupted (Ctrl-C, a closed pipe): end what still runs, without waiting.
                self.shell.close(timeout=5.0 if finished_normally else 0)

    def _notices(self) -> Iterator[BuildEvent]:
        spec = self.build.buildspec
        env = self.build.environment
        remote = [("env.parameter-store", n) for n in spec.parameter_store]
        remote += [("env.secrets-manager", n) for n in spec.secrets_manager]
        remote += [("build.secrets", n) for n in self.build.secret_names]
        for where, name in remote:
            if name not in env:
                yield Notice(f"{name} ({where}) is fetched from AWS in CodeBuild and is not set "
                             f"here; pass --env {name}=VALUE if the build needs it")
        for phase in spec.phases:
            ignored = [k for k, v in (("run-as", phase.run_as),
                                      ("runtime-versions", phase.runtime_versions)) if v]
            for key in ignored:
                yield Notice(f"phases.{phase.name}.{key} has no effect in a local build "
                             "(the tools and user of this machine are used)", phase.name)

    def _phases(self) -> Iterator[BuildEvent]:
        stopped_by: str | None = None
        for phase in self.build.buildspec.phases:
            if stopped_by is not None:
                yield PhaseSkipped(phase.name, f"{stopped_by} failed")
                continue
            yield PhaseStarted(phase.name)
            started = self.clock()
            failure = yield from self._run_phase(phase)
            retries = phase.on_failure.retries if phase.on_failure else 0
            while failure is not None and retries > 0 and phase.on_failure is not None \
                    and phase.on_failure.retries_on("\n".join(self.last_output)):
                retries -= 1
                yield Notice(f"on-failure {phase.on_failure.action}: running phase {phase.name} "
                             f"again ({retries} more retries after this one)", phase.name)
                failure = yield from self._run_phase(phase)
            seconds = self.clock() - started
            if failure is None:
                yield PhaseFinished(phase.name, True, seconds)
                continue
            yield PhaseFinished(
                phase.name, False, seconds,
                failed_command=failure.command.text if failure.command else None,
                failed_line=failure.command.line if failure.command else None,
                exit_code=failure.exit_code,
            )
            if self.first_failure is None:
                self.first_failure = failure
                self._mark_failing()
            if ends_build_after_failure(phase.name, phase.on_failure):
                stopped_by = phase.name

    def _run_phase(self, phase: Phase) -> Generator[BuildEvent, None, _Failure | None]:
        failure: _Failure | None = None
        for block, commands in (("commands", phase.commands), ("finally", phase.finally_commands)):
            for command in commands:
                status = yield from self._run_command(phase.name, block, command)
                if status != 0:
                    failure = failure or _Failure(phase.name, command, status)
                    break
        return failure

    def _run_command(
        self, phase: str, block: str, command: Command
    ) -> Generator[BuildEvent, None, int]:
        yield CommandStarted(phase, command.text, block, command.line)
        started = self.clock()
        if not self.build.buildspec.one_shell:
            self._drop_shell()  # version 0.1: a new shell for every command
        shell = self._live_shell()
        lines = shell.run(command.text)
        self.last_output = []
        while True:
            try:
                line = next(lines)
            except StopIteration as done:
                status = int(done.value)
                break
            except ShellExited as exc:
                status = exc.status or 1
                self._drop_shell()
                yield Notice(f"the command ended the shell (status {exc.status}); later commands "
                             "run in a new shell, without the variables set so far", phase)
                break
            self.last_output.append(line)
            yield OutputLine(phase, line)
        yield CommandFinished(phase, command.text, status, self.clock() - started)
        return status

    def _live_shell(self) -> ShellSession:
        """The build's shell; a new one if a command ended the last (or none ran yet)."""
        if self.shell is not None and self.shell.alive:
            return self.shell
        env = dict(self.build.environment)
        env["CODEBUILD_BUILD_SUCCEEDING"] = "1" if self.first_failure is None else "0"
        self.shell = ShellSession(self.build.buildspec.shell, self.build.source_dir, env)
        return self.shell

    def _drop_shell(self) -> None:
        if self.shell is not None:
            self.shell.close(timeout=0)
        self.shell = None

    def _mark_failing(self) -> None:
        if self.shell is not None and self.shell.alive:
            try:
                self.shell.capture("export CODEBUILD_BUILD_SUCCEEDING=0")
            except ShellExited:
                self._drop_shell()

    def _check_artifacts(self) -> Iterator[BuildEvent]:
        spec = self.build.buildspec
        if not spec.artifact_files:
            return
        base = self.build.source_dir / (spec.base_directory or "")
        found: list[str] = []
        missing: list[str] = []
        for pattern in spec.artifact_files:
            matches = _match(base, pattern)
            found += [m for m in matches if m not in found]
            if not matches:
                missing.append(pattern)
        yield ArtifactsChecked(spec.base_directory or ".", tuple(found), tuple(missing))
        if missing:
            self.first_failure = _Failure(UPLOAD_ARTIFACTS, None, None)

    def _exported(self) -> dict[str, str]:
        names = [n for n in self.build.buildspec.exported_variables if ENV_VAR.match(n)]
        if not names or self.shell is None or not self.shell.alive:
            return {}
        values: dict[str, str] = {}
        for name in names:
            try:
                status, value = self.shell.capture(f'printf "%s" "${{{name}-}}"')
            except ShellExited:
                self._drop_shell()
                break
            if status == 0:
                values[name] = value
        return values


def _match(base: Path, pattern: str) -> list[str]:
    """Files under ``base`` matching an ``artifacts.files`` entry (globs, ``**`` included)."""
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    if not pattern:
        return []
    if not any(ch in pattern for ch in "*?["):
        return [pattern] if (base / pattern).is_file() else []
    return sorted(str(p.relative_to(base)) for p in base.glob(pattern) if p.is_file())

