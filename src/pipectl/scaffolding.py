"""`pipectl init`: the files of a new pipeline, rendered from the templates in scaffold/.

``scaffold/pipeline.yml`` and ``scaffold/task_definition.json`` are templates with
``{{key}}`` slots (``$`` and single braces are the spec's own syntax, so they cannot be
the template's); every other file there (buildspec.yml, Dockerfile and what the
Dockerfile copies) is written as it is, at the same relative path. Nothing here
prompts or prints: the command asks for missing values and reports the results.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from pipectl.errors import InvalidInput
from pipectl.safe_files import refuse_links, write_file
from pipectl.spec import names as rules

SPEC_TEMPLATE = "pipeline.yml"
TASK_DEFINITION_TEMPLATE = "task_definition.json"
TASK_DEFINITION_PATH = Path("config/task_definition.json")
CONTAINER_NAME = re.compile(r"[A-Za-z0-9_\-]{1,255}\Z")
_SLOT = re.compile(r"\{\{([a-z_]+)\}\}")

# Placeholders that pass validation but that a user must replace before `create`.
PLACEHOLDER_ACCOUNT = "123456789012"
PLACEHOLDER_SUBNETS = ("subnet-0123456789abcdef0",)
PLACEHOLDER_SECURITY_GROUP = "sg-0123456789abcdef0"


def placeholder_connection_arn(region: str) -> str:
    return f"arn:aws:codeconnections:{region}:{PLACEHOLDER_ACCOUNT}:connection/replace-me"


def placeholder_execution_role() -> str:
    return f"arn:aws:iam::{PLACEHOLDER_ACCOUNT}:role/ecsTaskExecutionRole"


@dataclass(frozen=True)
class InitValues:
    """What the new pipeline is called and where it runs. ``None``: a marked placeholder."""

    name: str
    region: str
    github_repository: str | None = None
    connection_arn: str | None = None
    branch: str = "main"
    repository: str | None = None  # ECR; default: the name, lowercased
    cluster: str | None = None  # default: the name
    service: str | None = None  # default: the name
    container: str = "web"
    port: int = 80
    create_service: bool = True
    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    execution_role_arn: str | None = None

    @property
    def ecr_repository(self) -> str:
        return self.repository or self.name.lower()

    @property
    def ecs_cluster(self) -> str:
        return self.cluster or _ecs_name(self.name)

    @property
    def ecs_service(self) -> str:
        return self.service or _ecs_name(self.name)


def _ecs_name(name: str) -> str:
    # Pipeline names may hold '.' and '@'; ECS names may not.
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name)


@dataclass(frozen=True)
class PlannedFile:
    path: Path  # where it goes, relative to the project directory
    content: bytes
    placeholders: tuple[str, ...] = ()  # what the user still has to replace in it


@dataclass(frozen=True)
class FileResult:
    path: str
    action: str  # "written" | "overwritten" | "skipped"
    placeholders: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "action": self.action,
                "replace": list(self.placeholders)}


def default_name(directory: Path) -> str:
    """A pipeline name from the directory name: ``My App`` -> ``my-app``."""
    name = re.sub(r"[^a-z0-9]+", "-", directory.name.lower()).strip("-")
    return name[:60].strip("-") if len(name) >= 2 else "my-service"


def detect_github_repository(directory: Path) -> str | None:
    """owner/repo of the ``origin`` remote when it is on GitHub, read from .git/config."""
    for folder in (directory, *directory.parents):
        if not (folder / ".git").exists():
            continue
        try:  # the nearest checkout decides, even when it has no GitHub remote
            text = (folder / ".git" / "config").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        origin = re.search(r'\[remote "origin"\][^\[]*?url\s*=\s*(\S+)', text)
        if origin is None:
            return None
        match = re.search(r"github\.com[:/]([\w.\-]+/[\w.\-]+?)(?:\.git)?/?\Z",
                          origin.group(1))
        return match.group(1) if match else None
    return None


def check_values(values: InitValues) -> None:
    """Refuse values that would give an invalid spec, naming the option to fix."""
    checks: list[tuple[str, str | None, re.Pattern[str], str]] = [
        ("--name", values.name, rules.PIPELINE_NAME,
         "1-100 letters, digits, '.', '@', '-' and '_'"),
        ("--region", values.region, rules.REGION, "for example us-east-1"),
        ("--github-repo", values.github_repository, rules.GITHUB_REPOSITORY,
         "owner/repo, for example acme/hello-web"),
        ("--connection-arn", values.connection_arn, rules.CONNECTION_ARN,
         "arn:aws:codeconnections:REGION:ACCOUNT:connection/ID"),
        ("--repository" if values.repository else "--name (the ECR repository derived from it)",
         values.ecr_repository, rules.ECR_REPOSITORY,
         "2-256 lowercase letters, digits and . _ - / separators"),
        ("--cluster", values.ecs_cluster, rules.ECS_NAME, "1-255 letters, digits, '_' and '-'"),
        ("--service", values.ecs_service, rules.ECS_NAME, "1-255 letters, digits, '_' and '-'"),
        ("--container", values.container, CONTAINER_NAME, "1-255 letters, digits, '_' and '-'"),
    ]
    checks += [("--subnet", s, rules.SUBNET_ID, "subnet-0123456789abcdef0")
               for s in values.subnets]
    checks += [("--security-group", g, rules.SECURITY_GROUP_ID, "sg-0123456789abcdef0")
               for g in values.security_groups]
    for option, value, pattern, rule in checks:
        if value is not None and not pattern.match(value):
            raise InvalidInput(f"{option}: {value!r} is not valid", hint=rule)
    if values.branch.strip() == "" or any(c.isspace() for c in values.branch):
        raise InvalidInput(f"--branch: {values.branch!r} is not a branch name")
    if not 1 <= values.port <= 65535:
        raise InvalidInput(f"--port: {values.port} is not a port (1-65535)")
    if values.execution_role_arn is not None and not values.execution_role_arn.startswith(
            "arn:aws"):
        raise InvalidInput(f"--execution-role-arn: {values.execution_role_arn!r} is not an "
                           "IAM role ARN", hint="arn:aws:iam::ACCOUNT:role/NAME")


def plan_files(values: InitValues, spec_path: Path) -> list[PlannedFile]:
    """Every file ``init`` writes, rendered; the spec goes to ``spec_path``."""
    check_values(values)
    files = [_spec_file(values, spec_path), _task_definition_file(values)]
    for relative, template in _scaffold_files():
        if relative in (SPEC_TEMPLATE, TASK_DEFINITION_TEMPLATE):
            continue
        files.append(PlannedFile(Path(relative), template.read_bytes()))
    return files


def port_mismatch(values: InitValues) -> str | None:
    """A note when the scaffolded Dockerfile serves on another port than ``--port``."""
    dockerfile = resources.files("pipectl") / "scaffold" / "Dockerfile"
    if not dockerfile.is_file():
        return None
    exposed = re.findall(r"(?im)^\s*EXPOSE\s+(\d+)", dockerfile.read_text(encoding="utf-8"))
    if not exposed or str(values.port) in exposed:
        return None
    return (f"the scaffolded Dockerfile serves on port {exposed[0]}, not {values.port}: "
            f"make your image listen on {values.port}")


def write_files(files: list[PlannedFile], directory: Path, *, force: bool) -> list[FileResult]:
    """Write what is missing (everything with ``force``); report each file.

    Never through a symbolic link (see pipectl.safe_files): every target is checked
    before anything is written.
    """
    targets = [planned.path if planned.path.is_absolute() else directory / planned.path
               for planned in files]
    for planned, target in zip(files, targets, strict=True):
        refuse_links(target, directory, str(planned.path), "init", overwrite=force)
    results = []
    for planned, target in zip(files, targets, strict=True):
        exists = os.path.lexists(target)
        shown = str(planned.path)
        if exists and not force:
            results.append(FileResult(shown, "skipped"))
            continue
        write_file(target, directory, shown, planned.content, "init")
        results.append(FileResult(shown, "overwritten" if exists else "written",
                                  planned.placeholders))
    return results


def _scaffold_files() -> Iterator[tuple[str, Traversable]]:
    root = resources.files("pipectl") / "scaffold"
    yield from _walk(root, "")


def _walk(folder: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name in ("__pycache__", "__init__.py") or entry.name.endswith(".pyc"):
            continue
        relative = f"{prefix}{entry.name}"
        if entry.is_dir():
            yield from _walk(entry, relative + "/")
        else:
            yield relative, entry


def _template(name: str) -> str:
    return (resources.files("pipectl") / "scaffold" / name).read_text(encoding="utf-8")


def _render(template: str, slots: Mapping[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        return slots[match.group(1)]

    return _SLOT.sub(fill, template)


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9._/@-]*\Z")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def _yaml(value: str) -> str:
    """``value`` as a YAML string scalar: plain when YAML would read it back as that string."""
    if _PLAIN.match(value) and value.lower() not in _YAML_WORDS:
        return value
    return json.dumps(value)  # a JSON string is a valid YAML double-quoted scalar


@dataclass
class _Slots:
    values: dict[str, str] = field(default_factory=dict)
    placeholders: list[str] = field(default_factory=list)

    def choose(self, key: str, given: str | None, variable: str, default: str,
               what: str) -> None:
        """The given value, or ``${VARIABLE:-default}`` marked REPLACE."""
        if given is not None:
            self.values[key] = _yaml(given)
            self.values[f"{key}_note"] = ""
            return
        self.values[key] = _yaml(f"${{{variable}:-{default}}}")
        self.values[f"{key}_note"] = f"  # REPLACE: {what} (or export {variable})\n"
        self.placeholders.append(f"{key} ({variable})")


def _spec_file(values: InitValues, spec_path: Path) -> PlannedFile:
    slots = _Slots()
    slots.choose("connection_arn", values.connection_arn, "GITHUB_CONNECTION_ARN",
                 placeholder_connection_arn(values.region),
                 "your CodeConnections connection to GitHub")
    slots.choose("github_repository", values.github_repository, "GITHUB_REPOSITORY",
                 f"your-org/{re.sub(r'[^a-z0-9_.-]+', '-', values.name.lower())}",
                 "owner/repo on GitHub")
    slots.values.update(
        name=_yaml(values.name),
        name_comment=values.name,
        region=_yaml(values.region),
        branch=_yaml(values.branch),
        project=_yaml(f"{_ecs_name(values.name)}-build"),
        repository=_yaml(values.ecr_repository),
        cluster=_yaml(values.ecs_cluster),
        service=_yaml(values.ecs_service),
        container=_yaml(values.container),
        port=str(values.port),
        create_service=_create_service(values, slots),
    )
    text = _render(_template(SPEC_TEMPLATE), slots.values)
    return PlannedFile(spec_path, text.encode(), tuple(slots.placeholders))


def _create_service(values: InitValues, slots: _Slots) -> str:
    if not values.create_service:
        return ""
    lines = ["  create_service:  # create the cluster and a Fargate service when missing",
             "    desired_count: 1"]
    if values.subnets:
        lines.append("    subnets:")
        lines += [f"      - {_yaml(s)}" for s in values.subnets]
    else:
        lines.append("    subnets:  # REPLACE: subnets of your VPC (or export SUBNET_ID)")
        lines += [f"      - {_yaml(f'${{SUBNET_ID:-{s}}}')}" for s in PLACEHOLDER_SUBNETS]
        slots.placeholders.append("deploy.create_service.subnets (SUBNET_ID)")
    if values.security_groups:
        lines.append("    security_groups:")
        lines += [f"      - {_yaml(g)}" for g in values.security_groups]
    else:
        lines.append(f"    security_groups:  # REPLACE: allows inbound TCP {values.port} "
                     "(or export SECURITY_GROUP_ID)")
        lines.append(f"      - {_yaml(f'${{SECURITY_GROUP_ID:-{PLACEHOLDER_SECURITY_GROUP}}}')}")
        slots.placeholders.append("deploy.create_service.security_groups (SECURITY_GROUP_ID)")
    lines.append("    assign_public_ip: true")
    return "\n".join(lines) + "\n"


def _task_definition_file(values: InitValues) -> PlannedFile:
    placeholders = []
    role = values.execution_role_arn
    if role is None:
        role = placeholder_execution_role()
        placeholders.append("executionRoleArn")
    health = f"http://127.0.0.1:{values.port}/health" if values.port != 80 else \
        "http://127.0.0.1/health"
    slots = {
        "family": _ecs_name(values.name),
        "execution_role_arn": role, "container": values.container,
        # The deploy action puts each build's image here; this one is never pulled.
        "image": f"{values.ecr_repository}:replaced-by-each-deploy",
        "health_url": health,
        "log_group": f"/ecs/{values.name}", "region": values.region,
    }
    rendered = {key: json.dumps(value) for key, value in slots.items()}
    rendered["port"] = str(values.port)
    text = _render(_template(TASK_DEFINITION_TEMPLATE), rendered)
    return PlannedFile(TASK_DEFINITION_PATH, text.encode(), tuple(placeholders))
