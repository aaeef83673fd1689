"""Read a buildspec into what a local run needs, or say exactly why it cannot run.

This is the runner's reading, strict about what decides how commands run (version,
shell, phases, commands, ``on-failure``, ``finally``, artifacts) and quiet about keys
that only matter inside CodeBuild. ``pipectl validate`` does the full lint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipectl.errors import Finding, Location, SpecError
from pipectl.spec.names import ENV_VAR
from pipectl.spec.yaml_source import FieldPath, SourceMap, load_yaml, read_text

#: CodeBuild runs the phases in this order; the buildspec may leave any of them out.
PHASE_ORDER = ("install", "pre_build", "build", "post_build")
ON_FAILURE = ("ABORT", "CONTINUE")
#: env.shell values this machine can run (CodeBuild's Linux images offer these two).
SHELLS = {"bash": "bash", "/bin/bash": "bash", "sh": "sh", "/bin/sh": "sh"}
DEFAULT_SHELL = "sh"  # CodeBuild's default on Linux when env.shell is not set


@dataclass(frozen=True)
class Command:
    text: str
    line: int | None  # 1-based line in the buildspec


@dataclass(frozen=True)
class Phase:
    name: str
    commands: tuple[Command, ...]
    finally_commands: tuple[Command, ...] = ()
    on_failure: str | None = None  # ABORT | CONTINUE | None (CodeBuild's default)
    ignored: tuple[str, ...] = ()  # keys that have no effect locally (run-as, ...)


@dataclass(frozen=True)
class Buildspec:
    path: Path
    shell: str  # "bash" | "sh"
    variables: dict[str, str] = field(default_factory=dict)
    parameter_store: tuple[str, ...] = ()  # names only: the values stay in AWS
    secrets_manager: tuple[str, ...] = ()
    exported_variables: tuple[str, ...] = ()
    phases: tuple[Phase, ...] = ()
    artifact_files: tuple[str, ...] = ()
    base_directory: str | None = None

    def phase(self, name: str) -> Phase | None:
        return next((p for p in self.phases if p.name == name), None)


def load_buildspec(path: Path, display: str | None = None) -> Buildspec:
    """Parse the buildspec at ``path``; raise SpecError (exit 2) naming file, line, field."""
    file = display or str(path)
    data, source, findings = load_yaml(read_text(path, "buildspec"), file)
    reader = _Reader(source)
    buildspec = reader.read(path, data)
    findings = findings + reader.findings
    if findings or buildspec is None:
        raise SpecError(findings)
    return buildspec


class _Reader:
    def __init__(self, source: SourceMap) -> None:
        self.source = source
        self.findings: list[Finding] = []

    def error(self, path: FieldPath, message: str, hint: str | None = None,
              code: str = "buildspec", *, at_key: bool = False) -> None:
        location = self.source.locate(path, prefer_key=at_key)
        dotted = ".".join(str(p) for p in path) or None
        self.findings.append(Finding("error", message,
                                     Location(location.file, location.line, location.column,
                                              dotted), hint=hint, code=code))

    def line(self, path: FieldPath) -> int | None:
        return self.source.locate(path).line

    def read(self, path: Path, data: Any) -> Buildspec | None:
        if not isinstance(data, Mapping):
            got = "empty" if data is None else f"a {type(data).__name__}"
            self.error((), f"a buildspec is a mapping with version and phases; this one is {got}",
                       "start from the buildspec.yml that `pipectl init` writes")
            return None
        version = data.get("version")
        if version is None:
            self.error(("version",), "required field is missing", "add `version: 0.2`")
        elif str(version) != "0.2":
            self.error(("version",), f"version {version} is not supported; expected 0.2",
                       "version 0.1 runs every command in a new shell; use version: 0.2")
        env = self.mapping(data.get("env"), ("env",))
        shell = self.shell(env.get("shell"))
        phases = self.phases(data.get("phases"))
        files, base = self.artifacts(data.get("artifacts"))
        return Buildspec(
            path=path,
            shell=shell,
            variables=self.variables(env.get("variables")),
            parameter_store=self.names(env.get("parameter-store"), ("env", "parameter-store")),
            secrets_manager=self.names(env.get("secrets-manager"), ("env", "secrets-manager")),
            exported_variables=self.exported(env.get("exported-variables")),
            phases=phases,
            artifact_files=files,
            base_directory=base,
        )

    def mapping(self, value: Any, path: FieldPath) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.error(path, f"expected a mapping; got {_kind(value)}", code="wrong-type")
            return {}
        return value

    def shell(self, value: Any) -> str:
        if value is None:
            return SHELLS[DEFAULT_SHELL]
        shell = SHELLS.get(str(value))
        if shell is None:
            self.error(("env", "shell"), f"shell '{value}' cannot run on this machine",
                       "use bash or /bin/sh (CodeBuild's Linux shells)", code="not-allowed")
            return SHELLS[DEFAULT_SHELL]
        return shell

    def variables(self, value: Any) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, raw in self.mapping(value, ("env", "variables")).items():
            path = ("env", "variables", name)
            if not ENV_VAR.match(name):
                self.error(path, f"'{name}' is not a valid environment variable name",
                           "letters, digits and _, not starting with a digit")
            elif isinstance(raw, Mapping | list):
                self.error(path, f"expected a value; got {_kind(raw)}", code="wrong-type")
            else:
                out[name] = _scalar(raw)
        return out

    def names(self, value: Any, path: FieldPath) -> tuple[str, ...]:
        return tuple(self.mapping(value, path))

    def exported(self, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(("env", "exported-variables"), "expected a list of variable names",
                       code="wrong-type")
            return ()
        return tuple(value)

    def phases(self, value: Any) -> tuple[Phase, ...]:
        if value is None:
            self.error(("phases",), "required field is missing",
                       "add `phases:` with pre_build, build and post_build commands")
            return ()
        phases = self.mapping(value, ("phases",))
        for name in phases:
            if name not in PHASE_ORDER:
                self.error(("phases", name), f"unknown phase '{name}'",
                           f"phases: {', '.join(PHASE_ORDER)}", code="unknown-key", at_key=True)
        # CodeBuild runs phases in its own order, whatever order the file lists them in.
        return tuple(self.phase(name, phases[name]) for name in PHASE_ORDER if name in phases)

    def phase(self, name: str, value: Any) -> Phase:
        path: FieldPath = ("phases", name)
        body = self.mapping(value, path)
        on_failure = body.get("on-failure")
        if on_failure is not None and on_failure not in ON_FAILURE:
            self.error((*path, "on-failure"), f"expected ABORT or CONTINUE; got {on_failure!r}",
                       code="literal_error")
            on_failure = None
        ignored = tuple(k for k in ("run-as", "runtime-versions") if k in body)
        return Phase(
            name=name,
            commands=self.commands(body.get("commands"), (*path, "commands")),
            finally_commands=self.commands(body.get("finally"), (*path, "finally")),
            on_failure=on_failure,
            ignored=ignored,
        )

    def commands(self, value: Any, path: FieldPath) -> tuple[Command, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(path, f"expected a list of commands; got {_kind(value)}",
                       "write each command on its own line starting with '- '",
                       code="wrong-type")
            return ()
        out: list[Command] = []
        for i, item in enumerate(value):
            item_path = (*path, i)
            if isinstance(item, Mapping):
                # `- echo key: value` reads as a mapping: the classic buildspec mistake.
                self.error(item_path, "this command reads as a YAML mapping, not a string",
                           "quote the whole command, or use a block: `- |` and the command "
                           "on the next line", code="wrong-type")
            elif isinstance(item, list) or item is None:
                self.error(item_path, f"expected a command; got {_kind(item)}",
                           code="wrong-type")
            else:
                out.append(Command(_scalar(item), self.line(item_path)))
        return tuple(out)

    def artifacts(self, value: Any) -> tuple[tuple[str, ...], str | None]:
        artifacts = self.mapping(value, ("artifacts",))
        files = artifacts.get("files")
        if isinstance(files, str):
            files = [files]
        if files is None:
            files = []
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            self.error(("artifacts", "files"), "expected a list of paths or globs",
                       code="wrong-type")
            files = []
        base = artifacts.get("base-directory")
        return tuple(files), (str(base) if base is not None else None)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"
