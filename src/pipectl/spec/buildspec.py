"""Offline checks of the buildspec the CodeBuild project runs.

CodeBuild reports a broken buildspec only once a build starts (``YAML_FILE_ERROR``),
minutes after a push; these checks catch the same mistakes before anything runs:
YAML syntax, ``version: 0.2``, the phases and their commands, and the image
definitions file the ECS deploy action needs among the artifacts.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipectl.errors import Finding, Location, SpecError
from pipectl.spec.names import SECRET_LIKE
from pipectl.spec.shape_check import describe, kind_of, suggest
from pipectl.spec.yaml_source import FieldPath, SourceMap, load_yaml, read_text

IMAGE_DEFINITIONS = "imagedefinitions.json"
PHASES = ("install", "pre_build", "build", "post_build")
TOP_LEVEL_KEYS = ("version", "run-as", "env", "proxy", "batch", "phases", "reports",
                  "artifacts", "cache")
PHASE_KEYS = ("run-as", "on-failure", "runtime-versions", "commands", "finally")
ENV_KEYS = ("shell", "variables", "parameter-store", "exported-variables", "secrets-manager",
            "git-credential-helper")
_DOCKER = re.compile(r"(^|[\s;&|(`$])docker(-compose)?\s")


@dataclass(frozen=True)
class BuildspecDocument:
    """A parsed buildspec and what the cross-checks need to know about it."""

    path: Path
    data: dict[str, Any]
    source: SourceMap
    docker_command: Location | None  # where it first runs docker, if it does


def check_buildspec(path: Path, display: str) -> tuple[BuildspecDocument | None, list[Finding]]:
    """Read and check the buildspec at ``path`` (named ``display`` in findings)."""
    try:
        data, source, findings = load_yaml(read_text(path, "buildspec"), display)
    except SpecError as exc:
        return None, exc.findings
    if not isinstance(data, dict):
        # Never quoted: the file may be anything (a token file), and its text is not ours.
        got = "empty" if data is None else kind_of(data)
        return None, [Finding("error", f"a buildspec is a mapping with version, phases and "
                              f"artifacts; this one is {got}", Location(display, 1, 1),
                              hint="start from the buildspec `pipectl init` writes",
                              code="wrong-type")]
    checker = _BuildspecChecker(source)
    checker.check(data)
    document = BuildspecDocument(path, data, source, checker.docker_command)
    return document, findings + checker.findings


class _BuildspecChecker:
    def __init__(self, source: SourceMap) -> None:
        self.source = source
        self.findings: list[Finding] = []
        self.docker_command: Location | None = None
        self.writes_image_definitions = False

    def add(self, path: FieldPath, message: str, hint: str | None = None, *,
            severity: str = "error", code: str = "buildspec", at_key: bool = False) -> None:
        self.findings.append(Finding(severity, message,
                                     self.source.locate(path, prefer_key=at_key),
                                     hint=hint, code=code))

    def missing(self, path: FieldPath, message: str, hint: str) -> None:
        where = self.source.locate(path[:-1], prefer_key=True)
        location = Location(where.file, where.line, where.column,
                            ".".join(str(p) for p in path))
        self.findings.append(Finding("error", message, location, hint=hint, code="missing"))

    def check(self, data: dict[str, Any]) -> None:
        for key in data:
            if key not in TOP_LEVEL_KEYS:
                close = suggest(str(key), list(TOP_LEVEL_KEYS))
                self.add((key,), f"unknown key '{key}' (CodeBuild does not use it)",
                         f"did you mean '{close}'?" if close else
                         f"buildspec keys: {', '.join(TOP_LEVEL_KEYS)}",
                         severity="warning", code="unknown-key", at_key=True)
        self._version(data)
        self._env(data.get("env"))
        self._phases(data)
        self._artifacts(data)

    def _version(self, data: dict[str, Any]) -> None:
        if "version" not in data:
            self.missing(("version",), "required field is missing",
                         "add `version: 0.2` at the top")
        elif str(data["version"]) != "0.2":
            self.add(("version",), f"expected 0.2; got {data['version']!r}",
                     "pipectl works with buildspec version 0.2 (0.1 runs each command in a "
                     "separate shell)", code="not-allowed")

    def _env(self, env: Any) -> None:
        if env is None:
            return
        if not isinstance(env, dict):
            self.add(("env",), f"expected a mapping; got {describe(env)}", code="wrong-type")
            return
        for key in env:
            if key not in ENV_KEYS:
                close = suggest(str(key), list(ENV_KEYS))
                self.add(("env", key), f"unknown key '{key}'",
                         f"did you mean '{close}'?" if close else
                         f"allowed here: {', '.join(ENV_KEYS)}", code="unknown-key",
                         at_key=True)
        variables = env.get("variables")
        if variables is None:
            return
        if not isinstance(variables, dict):
            self.add(("env", "variables"), f"expected a mapping of NAME: value; got "
                     f"{describe(variables)}", code="wrong-type")
            return
        for name, value in variables.items():
            if SECRET_LIKE.search(str(name)) and value not in (None, ""):
                self.add(("env", "variables", name),
                         f"'{name}' looks like a secret written in plain text",
                         f"move it to `env.parameter-store` or `env.secrets-manager`, or to the "
                         f"spec's build.secrets: {name}: ssm:/path/to/{str(name).lower()}",
                         severity="warning", code="plain-secret")

    def _phases(self, data: dict[str, Any]) -> None:
        phases = data.get("phases")
        if phases is None:
            self.missing(("phases",), "required field is missing",
                         "add `phases:` with pre_build, build and post_build commands")
            return
        if not isinstance(phases, dict):
            self.add(("phases",), f"expected a mapping of phases; got {describe(phases)}",
                     code="wrong-type")
            return
        commands = 0
        for name, phase in phases.items():
            path: FieldPath = ("phases", name)
            if name not in PHASES:
                close = suggest(str(name), list(PHASES))
                self.add(path, f"unknown phase '{name}'",
                         f"did you mean '{close}'?" if close else
                         f"phases: {', '.join(PHASES)}", code="unknown-key", at_key=True)
                continue
            if phase is None:
                continue
            if not isinstance(phase, dict):
                self.add(path, f"expected a mapping with commands; got {describe(phase)}",
                         code="wrong-type")
                continue
            for key in phase:
                if key not in PHASE_KEYS or (key == "runtime-versions" and name != "install"):
                    close = suggest(str(key), list(PHASE_KEYS))
                    self.add((*path, key), f"unknown key '{key}' in phase {name}",
                             f"did you mean '{close}'?" if close else
                             f"allowed here: {', '.join(PHASE_KEYS)}", code="unknown-key",
                             at_key=True)
            on_failure = phase.get("on-failure")
            if on_failure is not None and not re.match(r"(ABORT|CONTINUE|RETRY\b.*)\Z",
                                                       str(on_failure)):
                self.add((*path, "on-failure"), f"expected ABORT, CONTINUE or RETRY; got "
                         f"{on_failure!r}", code="not-allowed")
            commands += self._commands(phase.get("commands"), (*path, "commands"))
            commands += self._commands(phase.get("finally"), (*path, "finally"))
        if commands == 0:
            self.add(("phases",), "no phase has any commands",
                     "pre_build logs in to ECR, build runs docker build, post_build pushes "
                     "and writes imagedefinitions.json")

    def _commands(self, commands: Any, path: FieldPath) -> int:
        if commands is None:
            return 0
        if not isinstance(commands, list):
            self.add(path, f"expected a list of commands; got {describe(commands)}",
                     "one `- command` per line", code="wrong-type")
            return 0
        for i, command in enumerate(commands):
            if isinstance(command, dict):
                self.add((*path, i), "this command reads as a YAML mapping (it has ': ' in it)",
                         "quote the whole command: - \"echo key: value\"", code="wrong-type")
            elif not isinstance(command, str | int | float) or isinstance(command, bool):
                self.add((*path, i), f"expected a command; got {describe(command)}",
                         "quote the whole command", code="wrong-type")
            else:
                text = str(command)
                if self.docker_command is None and _DOCKER.search(" " + text):
                    self.docker_command = self.source.locate((*path, i))
                if IMAGE_DEFINITIONS in text:
                    self.writes_image_definitions = True
        return len(commands)

    def _artifacts(self, data: dict[str, Any]) -> None:
        hint = f"add:  artifacts: {{files: [{IMAGE_DEFINITIONS}]}}  (the ECS deploy action " \
               "reads it)"
        artifacts = data.get("artifacts")
        if artifacts is None:
            self.missing(("artifacts",), f"required field is missing: the ECS deploy action "
                         f"needs {IMAGE_DEFINITIONS} from the build", hint)
            return
        if not isinstance(artifacts, dict):
            self.add(("artifacts",), f"expected a mapping; got {describe(artifacts)}", hint,
                     code="wrong-type")
            return
        files = artifacts.get("files")
        if files is None:
            self.missing(("artifacts", "files"), "required field is missing", hint)
            return
        patterns = [files] if isinstance(files, str) else files
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            self.add(("artifacts", "files"), f"expected a list of file names; got "
                     f"{describe(files)}", hint, code="wrong-type")
            return
        base = str(artifacts.get("base-directory") or "").strip("/")
        wanted = f"{base}/{IMAGE_DEFINITIONS}" if base else IMAGE_DEFINITIONS
        if not any(_matches(p, IMAGE_DEFINITIONS) or _matches(p, wanted) for p in patterns):
            self.add(("artifacts", "files"), f"{IMAGE_DEFINITIONS} is not among the artifact "
                     "files", hint, code="no-image-definitions")
        elif not self.writes_image_definitions:
            self.add(("artifacts", "files"), f"no command writes {IMAGE_DEFINITIONS}",
                     "post_build should write it: printf '[{\"name\":\"%s\",\"imageUri\":"
                     "\"%s\"}]' $CONTAINER_NAME $REPOSITORY_URI:$IMAGE_TAG > imagedefinitions.json",
                     severity="warning", code="no-image-definitions")


def _matches(pattern: str, name: str) -> bool:
    pattern = pattern.strip().removeprefix("./")
    return pattern == name or fnmatch.fnmatchcase(name, pattern) or (
        pattern.startswith("**/") and fnmatch.fnmatchcase(name, pattern[3:]))
