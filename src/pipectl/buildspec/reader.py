"""Parse a buildspec into a :class:`Buildspec`, with a finding for everything CodeBuild
would refuse (errors) or that pipectl cannot check (warnings), each at its line."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipectl.buildspec.locate import BuildspecPathError, read_source_buildspec
from pipectl.buildspec.model import Buildspec, Command, Phase
from pipectl.buildspec.rules import (
    CURRENT_VERSION,
    DEFAULT_SHELL,
    ENV_KEYS,
    PHASE_KEYS,
    PHASES,
    SHELLS,
    TOP_LEVEL_KEYS,
    VERSIONS,
    parse_on_failure,
)
from pipectl.errors import Finding, Location, SpecError
from pipectl.spec.names import ENV_VAR, SECRET_LIKE
from pipectl.spec.shape_check import describe, kind_of, suggest
from pipectl.spec.yaml_source import FieldPath, SourceMap, dotted_path, load_yaml, read_text


def read_buildspec(text: str, file: str) -> tuple[Buildspec | None, list[Finding]]:
    """Parse buildspec ``text`` (named ``file`` in findings); None when it is unusable."""
    try:
        data, source, findings = load_yaml(text, file)
    except SpecError as exc:
        return None, exc.findings
    reader = _Reader(source)
    buildspec = reader.read(data)
    return buildspec, findings + reader.findings


def load_buildspec_file(path: Path, display: str) -> tuple[Buildspec | None, list[Finding]]:
    try:
        text = read_text(path, "buildspec")
    except SpecError as exc:
        return None, exc.findings
    return read_buildspec(text, display)


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


class _Reader:
    def __init__(self, source: SourceMap) -> None:
        self.source = source
        self.findings: list[Finding] = []

    def add(self, path: FieldPath, message: str, hint: str | None = None, *,
            severity: str = "error", code: str = "buildspec", at_key: bool = False) -> None:
        # About the whole document: its first line (a leading comment is part of it).
        where = self.source.locate(path, prefer_key=at_key) if path else \
            Location(self.source.file, 1, 1)
        self.findings.append(Finding(
            severity, message,
            Location(where.file, where.line, where.column, dotted_path(path) or None),
            hint=hint, code=code))

    def missing(self, path: FieldPath, message: str, hint: str) -> None:
        where = self.source.locate(path[:-1], prefer_key=True)
        self.findings.append(Finding("error", message, Location(
            where.file, where.line, where.column, dotted_path(path)), hint=hint, code="missing"))

    def mapping(self, value: Any, path: FieldPath) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.add(path, f"expected a mapping; got {describe(value)}", code="wrong-type")
            return {}
        return value

    def read(self, data: Any) -> Buildspec | None:
        if not isinstance(data, Mapping):
            # Never quoted: the file may be anything (a token file), and its text is not ours.
            got = "empty" if data is None else kind_of(data)
            self.add((), f"a buildspec is a mapping with version, phases and artifacts; this "
                     f"one is {got}", "start from the buildspec `pipectl init` writes",
                     code="wrong-type")
            return None
        for key in data:
            if key not in TOP_LEVEL_KEYS:
                close = suggest(str(key), list(TOP_LEVEL_KEYS))
                self.add((key,), f"unknown key '{key}' (CodeBuild does not use it)",
                         f"did you mean '{close}'?" if close else
                         f"buildspec keys: {', '.join(TOP_LEVEL_KEYS)}",
                         severity="warning", code="unknown-key", at_key=True)
        env = self.mapping(data.get("env"), ("env",))
        self.unknown_keys(env, ("env",), ENV_KEYS)
        files, base = self.artifacts(data.get("artifacts"))
        return Buildspec(
            file=self.source.file,
            version=self.version(data),
            shell=self.shell(env.get("shell")),
            variables=self.variables(env.get("variables")),
            parameter_store=tuple(self.mapping(env.get("parameter-store"),
                                               ("env", "parameter-store"))),
            secrets_manager=tuple(self.mapping(env.get("secrets-manager"),
                                               ("env", "secrets-manager"))),
            exported_variables=self.exported(env.get("exported-variables")),
            phases=self.phases(data),
            artifact_files=files,
            base_directory=base,
            source=self.source,
        )

    def unknown_keys(self, mapping: Mapping[str, Any], path: FieldPath,
                     allowed: tuple[str, ...]) -> None:
        for key in mapping:
            if key not in allowed:
                close = suggest(str(key), list(allowed))
                self.add((*path, key), f"unknown key '{key}'",
                         f"did you mean '{close}'?" if close else
                         f"allowed here: {', '.join(allowed)}", code="unknown-key", at_key=True)

    def version(self, data: Mapping[str, Any]) -> str:
        if "version" not in data:
            self.missing(("version",), "required field is missing",
                         f"add `version: {CURRENT_VERSION}` at the top")
            return CURRENT_VERSION
        version = str(data["version"])
        if version not in VERSIONS:
            self.add(("version",), f"expected {' or '.join(VERSIONS)}; got "
                     f"{describe(data['version'])}", f"use version: {CURRENT_VERSION}",
                     code="not-allowed")
            return CURRENT_VERSION
        if version == "0.1":
            self.add(("version",), "version 0.1 runs each command in a shell of its own: a "
                     "variable set or a `cd` in one command is gone in the next",
                     "CodeBuild still supports 0.1; version: 0.2 runs the whole build in one "
                     "shell (what pipectl's reference buildspec expects)",
                     severity="warning", code="version-0.1")
        return version

    def shell(self, value: Any) -> str:
        if value is None:
            return SHELLS[DEFAULT_SHELL]
        shell = SHELLS.get(str(value))
        if shell is None:
            self.add(("env", "shell"), f"shell {str(value)[:40]!r} is not a Linux build shell",
                     "use bash or /bin/sh", code="not-allowed")
            return SHELLS[DEFAULT_SHELL]
        return shell

    def variables(self, value: Any) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, raw in self.mapping(value, ("env", "variables")).items():
            path: FieldPath = ("env", "variables", name)
            if not ENV_VAR.match(name):
                self.add(path, f"'{name}' is not a valid environment variable name",
                         "letters, digits and _, not starting with a digit", at_key=True)
            elif isinstance(raw, Mapping | list):
                self.add(path, f"expected a value; got {describe(raw)}", code="wrong-type")
            else:
                out[name] = "" if raw is None else scalar(raw)
                if SECRET_LIKE.search(name) and raw not in (None, ""):
                    self.add(path, f"'{name}' looks like a secret written in plain text",
                             f"move it to `env.parameter-store` or `env.secrets-manager`, or "
                             f"to the spec's build.secrets: {name}: ssm:/path/to/"
                             f"{name.lower()}", severity="warning", code="plain-secret")
        return out

    def exported(self, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(("env", "exported-variables"), "expected a list of variable names",
                     code="wrong-type")
            return ()
        return tuple(value)

    def phases(self, data: Mapping[str, Any]) -> tuple[Phase, ...]:
        if data.get("phases") is None:
            self.missing(("phases",), "required field is missing",
                         "add `phases:` with pre_build, build and post_build commands")
            return ()
        phases = self.mapping(data["phases"], ("phases",))
        for name in phases:
            if name not in PHASES:
                close = suggest(str(name), list(PHASES))
                self.add(("phases", name), f"unknown phase '{name}'",
                         f"did you mean '{close}'?" if close else f"phases: {', '.join(PHASES)}",
                         code="unknown-key", at_key=True)
        # CodeBuild runs phases in its own order, whatever order the file lists them in.
        return tuple(self.phase(name, phases[name]) for name in PHASES if name in phases)

    def phase(self, name: str, value: Any) -> Phase:
        path: FieldPath = ("phases", name)
        body = self.mapping(value, path)
        for key in body:
            if key not in PHASE_KEYS or (key == "runtime-versions" and name != "install"):
                close = suggest(str(key), [k for k in PHASE_KEYS if k != key])
                self.add((*path, key), f"unknown key '{key}' in phase {name}" + (
                    " (runtime-versions belongs to the install phase)"
                    if key == "runtime-versions" else ""),
                    f"did you mean '{close}'?" if close and key != "runtime-versions" else
                    f"allowed here: {', '.join(PHASE_KEYS)}", code="unknown-key", at_key=True)
        on_failure = None
        if body.get("on-failure") is not None:
            raw = body["on-failure"]
            on_failure = parse_on_failure(str(raw)) if isinstance(raw, str) else None
            if on_failure is None:
                self.add((*path, "on-failure"), f"expected ABORT, CONTINUE, RETRY, RETRY-count, "
                         f"RETRY-regex or RETRY-count-regex; got {describe(raw)}",
                         "count is 0 to 100; regex must be a valid regular expression",
                         code="not-allowed")
        runtimes = body.get("runtime-versions") if name == "install" else None
        return Phase(
            name=name,
            commands=self.commands(body.get("commands"), (*path, "commands")),
            finally_commands=self.commands(body.get("finally"), (*path, "finally")),
            on_failure=on_failure,
            runtime_versions=dict(self.mapping(runtimes, (*path, "runtime-versions"))),
            run_as=str(body["run-as"]) if body.get("run-as") is not None else None,
        )

    def commands(self, value: Any, path: FieldPath) -> tuple[Command, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.add(path, f"expected a list of commands; got {describe(value)}",
                     "one `- command` per line", code="wrong-type")
            return ()
        out: list[Command] = []
        for i, item in enumerate(value):
            item_path: FieldPath = (*path, i)
            if isinstance(item, Mapping):
                # `- echo key: value` reads as a mapping: the classic buildspec mistake, and
                # CodeBuild's YAML_FILE_ERROR ("found subkeys instead").
                self.add(item_path, "this command reads as a YAML mapping (it has ': ' in it)",
                         "quote the whole command: - \"echo key: value\", or use a block: "
                         "`- |` and the command on the next line", code="wrong-type")
            elif isinstance(item, list):
                self.add(item_path, f"expected a command; got {describe(item)}",
                         "quote the whole command", code="wrong-type")
            elif item is None:
                # `- # note` is an empty item (YAML drops the comment). CodeBuild's reference
                # says nothing of empty commands, so pipectl only warns and skips it.
                self.add(item_path, "an empty command (a `- # comment` line reads as an empty "
                         "list item); pipectl skips it, and cannot tell what CodeBuild does "
                         "with it", "drop the `- ` before the comment", severity="warning",
                         code="empty-command")
            else:
                where = self.source.locate(item_path)
                out.append(Command(scalar(item), where.line, Location(
                    where.file, where.line, where.column, dotted_path(item_path))))
        return tuple(out)

    def artifacts(self, value: Any) -> tuple[tuple[str, ...], str | None]:
        artifacts = self.mapping(value, ("artifacts",))
        files = artifacts.get("files")
        if isinstance(files, str):
            files = [files]
        if files is None:
            files = []
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            self.add(("artifacts", "files"), f"expected a list of file names; got "
                     f"{describe(artifacts.get('files'))}", code="wrong-type")
            files = []
        base = artifacts.get("base-directory")
        return tuple(files), (str(base) if base is not None else None)


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def load_buildspec(path: Path, display: str) -> tuple[Buildspec, list[Finding]]:
    """The buildspec at ``path`` and its warnings; SpecError (exit 2) when it has errors."""
    return _usable(*load_buildspec_file(path, display))


def load_source_buildspec(source_dir: Path, declared: str, display: str
                          ) -> tuple[Buildspec, list[Finding]]:
    """The buildspec at ``declared`` in ``source_dir``, read only from inside it as the
    sandbox reads it (see pipectl.buildspec.locate: no link leading out), and its warnings;
    SpecError (exit 2) when it cannot be read or has errors. ``display`` names it."""
    try:
        text = read_source_buildspec(source_dir, declared)
    except BuildspecPathError as exc:
        raise SpecError([Finding("error", str(exc), Location(display), hint=exc.hint,
                                 code=exc.code)]) from None
    if text is None:
        raise SpecError([Finding("error", "buildspec not found", Location(display),
                                 hint="check the path: it is relative to the source directory",
                                 code="missing-file")])
    return _usable(*read_buildspec(text, display))


def _usable(buildspec: Buildspec | None, findings: list[Finding]
            ) -> tuple[Buildspec, list[Finding]]:
    """The buildspec and its warnings; SpecError (exit 2) with its errors when it has any."""
    if buildspec is None or errors(findings):
        raise SpecError(errors(findings) or findings)
    return buildspec, findings
