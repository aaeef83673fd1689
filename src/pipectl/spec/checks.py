"""`pipectl validate`: the spec, the files it points to, and how they fit together.

Every file is checked even when an earlier one has errors, so one run shows every
problem. Nothing here calls AWS or imports boto3.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipectl.buildspec.model import Buildspec
from pipectl.buildspec.validate import check_buildspec, first_docker_command
from pipectl.errors import Finding, Location, SpecError
from pipectl.spec.image_definitions import container_name_findings
from pipectl.spec.load import ParsedSpec, SpecDocument, parse_spec, sort_findings, validate_parsed
from pipectl.spec.paths import candidates, find_project_file, outside_problem
from pipectl.spec.taskdef import TaskDefinitionDocument, check_task_definition
from pipectl.spec.yaml_source import FieldPath

DEFAULT_BUILDSPEC = "buildspec.yml"
DEFAULT_TASK_DEFINITION = "config/task_definition.json"


@dataclass
class Report:
    """What `validate` found, and which files it read."""

    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    summary: str | None = None  # what the pipeline does, when everything could be read

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "error"]


def validate_project(config: Path, environ: Mapping[str, str], *,
                     cwd: Path | None = None) -> Report:
    """Check the spec at ``config`` and the buildspec and task definition it names."""
    cwd = cwd or Path.cwd()
    report = Report(checked=[_display(config, cwd)])
    parsed: ParsedSpec | None = None
    document: SpecDocument | None = None
    try:
        parsed = parse_spec(config, environ)
        document = validate_parsed(parsed)
    except SpecError as exc:
        report.findings += exc.findings
    if parsed is None:
        return report  # unreadable: which files it names is unknown

    buildspec_doc = None
    buildspec_path = _referenced(report, parsed, document, cwd, ("build", "buildspec"),
                                 DEFAULT_BUILDSPEC, "buildspec")
    if buildspec_path is not None:
        report.checked.append(_display(buildspec_path, cwd))
        image = document.spec.build.image if document else (
            _raw(parsed.data, ("build", "image")) or _default_image())
        buildspec_doc, found = check_buildspec(buildspec_path, _display(buildspec_path, cwd),
                                               image if isinstance(image, str) else None)
        report.findings += found

    task_doc = None
    task_path = _referenced(report, parsed, document, cwd, ("deploy", "task_definition"),
                            DEFAULT_TASK_DEFINITION, "task definition")
    if task_path is not None:
        report.checked.append(_display(task_path, cwd))
        creates_service = (document.spec.deploy.create_service is not None if document
                           else _raw(parsed.data, ("deploy", "create_service")) is not None)
        task_doc, found = check_task_definition(task_path, _display(task_path, cwd),
                                                fargate_service=creates_service)
        report.findings += found

    if document is not None:
        report.findings += cross_check(document, buildspec_doc, task_doc)
        if not report.errors:
            report.summary = _describe(document)
    # Messages name the variables a value came from, never the value itself.
    report.findings = sort_findings(_unique(parsed.redact(report.findings)))
    return report


def cross_check(spec_doc: SpecDocument, buildspec: Buildspec | None,
                task: TaskDefinitionDocument | None) -> list[Finding]:
    """How the spec, the buildspec and the task definition fit together."""
    out: list[Finding] = []
    spec = spec_doc.spec
    docker = first_docker_command(buildspec) if buildspec is not None else None
    if docker is not None and not spec.build.privileged:
        out.append(Finding(
            "error", f"the buildspec runs docker ({docker.location}) but privileged "
            "mode is off", spec_doc.source.locate(("build", "privileged")),
            hint="set build.privileged: true (else: Cannot connect to the Docker daemon)",
            code="privileged"))
    if buildspec is not None:
        out += container_name_findings(spec_doc, buildspec)
    if task is None:
        return out
    if not isinstance(task.data.get("containerDefinitions"), list):
        return out  # the task definition's own findings say what is wrong
    containers = task.containers
    container = task.container(spec.deploy.container)
    if container is None:
        names = ", ".join(c.name for c in containers) or "none"
        out.append(Finding(
            "error", f"the task definition has no container named '{spec.deploy.container}' "
            f"(it has: {names})", spec_doc.source.locate(("deploy", "container")),
            hint="set deploy.container to the container that runs your image, or rename it in "
                 "the task definition", code="no-container"))
        return out
    port = spec.deploy.service_port
    mappings = container.data.get("portMappings")
    ports = [_port(m.get("containerPort")) for m in mappings if isinstance(m, dict)] \
        if isinstance(mappings, list) else []
    if port not in ports:
        created = spec.deploy.create_service
        port_key = ("deploy", "create_service", "port") if created is not None \
            and "port" in created.model_fields_set else ("deploy", "port")
        where: FieldPath = ("containerDefinitions", container.index)
        if isinstance(mappings, list):
            where = (*where, "portMappings")
        mapped = ", ".join(str(p) for p in ports) or "no port"
        out.append(Finding(
            "error", f"container '{container.name}' maps {mapped}, not the service port "
            f"{port} ({'.'.join(port_key)})", task.locate(where),
            hint=f'add "portMappings": [{{"containerPort": {port}}}] to it, or set '
                 f"{'.'.join(port_key)} to the port it listens on", code="port"))
    return out


def _referenced(report: Report, parsed: ParsedSpec, document: SpecDocument | None, cwd: Path,
                key: FieldPath, default: str, what: str) -> Path | None:
    """The file a spec field names, looked up from here and from the repository root."""
    value: Any = None
    if document is not None:
        value = getattr(getattr(document.spec, str(key[0])), str(key[1]))
    else:
        value = _raw(parsed.data, key)
        if value is None:
            value = default
    if not isinstance(value, str) or not value or "${" in value or outside_problem(value):
        return None  # the spec's own findings say what is wrong with it
    tried = candidates(value, parsed.path, cwd)
    found = find_project_file(value, parsed.path, cwd)
    if found is not None:
        return found
    field = ".".join(map(str, key))
    location = parsed.source.locate(key)
    escaping = next((p for p in tried if p.is_file()), None)
    if escaping is not None:
        report.findings.append(Finding(
            "error", f"{what} file '{value}' is a link that leads outside the repository",
            Location(location.file, location.line, location.column, field),
            hint="pipectl reads only files inside the repository; replace the link with the "
                 "file", code="outside"))
        return None
    where = "" if len(tried) == 1 else \
        f" (looked for {', '.join(_display(p, cwd) for p in tried)})"
    report.findings.append(Finding(
        "error", f"{what} file '{value}' not found{where}",
        Location(location.file, location.line, location.column, field),
        hint=f"{field} is a path relative to the repository root; `pipectl init` writes one"
        if _raw(parsed.data, key) is not None else
        f"create {value} (`pipectl init` writes one), or set {field}", code="missing-file"))
    return None


def _default_image() -> str:
    from pipectl.spec.model import BuildSettings

    return str(BuildSettings.model_fields["image"].default)


def _port(value: Any) -> Any:
    """A port as a number, also when written as a string (that has its own finding)."""
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _raw(data: Any, key: FieldPath) -> Any:
    for part in key:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _display(path: Path, cwd: Path) -> str:
    """A path as the user would type it from here."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        relative = os.path.relpath(path, cwd)
        return relative if not relative.startswith("../../..") else str(path)


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[Finding] = set()
    out = []
    for finding in findings:
        if finding not in seen:
            seen.add(finding)
            out.append(finding)
    return out


def _describe(document: SpecDocument) -> str:
    spec = document.spec
    source = spec.source
    if source.provider == "s3":
        origin = f"s3://{source.bucket}/{source.key}"
    else:
        origin = f"{source.provider} {source.repository}@{source.branch}"
    names = spec.names
    deploy = spec.deploy
    return (f"pipeline {names.pipeline}: {origin} -> CodeBuild {names.project} -> ECR "
            f"{names.repository} -> ECS {names.cluster}/{names.service} (container "
            f"{deploy.container}, port {deploy.service_port})")
