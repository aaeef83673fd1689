"""The buildspec a sandbox build "runs": where it comes from, and what its commands print.

The sandbox runs no shell and no Docker. It reads the buildspec the way CodeBuild would
find it (the project's inline ``source.buildspec``; else that file name, or
``buildspec.yml``, in the sandbox's source directory; else the reference buildspec
below) and logs each command of the install, pre_build, build and post_build phases
with the output a real run would show for the commands it recognises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PHASES = ("install", "pre_build", "build", "post_build")

# What the sandbox runs when it cannot find the project's buildspec (the tutorial's).
LOGIN = (
    "aws ecr get-login-password --region $AWS_DEFAULT_REGION"
    " | docker login --username AWS --password-stdin ${REPOSITORY_URI%%/*}"
)
WRITE_DEFINITIONS = (
    "printf '[{\"name\":\"%s\",\"imageUri\":\"%s\"}]'"
    " $CONTAINER_NAME $REPOSITORY_URI:$IMAGE_TAG > imagedefinitions.json"
)
REFERENCE_BUILDSPEC = f"""\
version: 0.2
phases:
  pre_build:
    commands:
      - {LOGIN}
      - IMAGE_TAG=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)
  build:
    commands:
      - docker build -t $REPOSITORY_URI:$IMAGE_TAG .
  post_build:
    commands:
      - docker push $REPOSITORY_URI:$IMAGE_TAG
      - {WRITE_DEFINITIONS}
artifacts:
  files: imagedefinitions.json
"""

DOCKER_DAEMON_DOWN = (
    "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
    "Is the docker daemon running?"
)


@dataclass(frozen=True)
class Phase:
    name: str  # "pre_build"
    commands: tuple[str, ...]
    on_failure: str = "CONTINUE"  # ABORT | CONTINUE

    @property
    def phase_type(self) -> str:
        return self.name.upper()


@dataclass(frozen=True)
class Buildspec:
    location: str  # where it came from, for the log ("YAML location is ...")
    phases: dict[str, Phase] = field(default_factory=dict)
    exported_variables: tuple[str, ...] = ()
    artifact_files: tuple[str, ...] = ()
    variables: dict[str, str] = field(default_factory=dict)

    def phase(self, name: str) -> Phase:
        return self.phases.get(name) or Phase(name, ())


class BuildspecError(ValueError):
    """The buildspec cannot be used (CodeBuild fails DOWNLOAD_SOURCE with YAML_FILE_ERROR)."""


def load_buildspec(source: dict[str, Any], source_dir: Path) -> Buildspec:
    """Find and parse the buildspec of a project's source, as CodeBuild would."""
    declared = str(source.get("buildspec") or "").strip()
    if declared and ("\n" in declared or declared.startswith("version")):
        return parse_buildspec(declared, "inline buildspec of the project")
    name = declared or "buildspec.yml"
    candidate = source_dir / name
    if candidate.is_file():
        return parse_buildspec(candidate.read_text(encoding="utf-8"), str(candidate.name))
    return parse_buildspec(REFERENCE_BUILDSPEC, f"{name} (the sandbox's reference buildspec)")


def parse_buildspec(text: str, location: str) -> Buildspec:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BuildspecError(f"YAML_FILE_ERROR: {location}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("phases", {}), dict):
        raise BuildspecError(f"YAML_FILE_ERROR: {location}: expected a mapping with 'phases'")
    phases: dict[str, Phase] = {}
    for name, body in (data.get("phases") or {}).items():
        if name not in PHASES:
            raise BuildspecError(f"YAML_FILE_ERROR: unknown phase '{name}' in {location}")
        body = body or {}
        commands = body.get("commands") or []
        if not isinstance(commands, list):
            raise BuildspecError(f"YAML_FILE_ERROR: phases.{name}.commands must be a list")
        phases[name] = Phase(
            name,
            tuple(str(c).rstrip("\n") for c in commands),
            str(body.get("on-failure") or "CONTINUE").upper(),
        )
    env = data.get("env") or {}
    artifacts = data.get("artifacts") or {}
    files = artifacts.get("files") or []
    if isinstance(files, str):
        files = [files]
    return Buildspec(
        location=location,
        phases=phases,
        exported_variables=tuple(str(v) for v in (env.get("exported-variables") or [])),
        artifact_files=tuple(str(f) for f in files),
        variables={str(k): str(v) for k, v in (env.get("variables") or {}).items()},
    )


def uses_docker(command: str) -> bool:
    return "docker " in command or command.strip().startswith("docker")


@dataclass(frozen=True)
class BuildFacts:
    """What a command's simulated output may mention."""

    image_uri: str
    registry: str
    image_definitions: str
    digest: str
    cached: bool = False  # the layer cache is warm: BuildKit reuses the unchanged layers


def command_output(command: str, facts: BuildFacts) -> list[str]:
    """The lines a recognised command prints on success (none for the rest)."""
    text = command.strip()
    if "docker login" in text:
        return ["Login Succeeded"]
    if "docker buildx create" in text:
        return ["pipectl"]
    if "docker build" in text or "docker buildx build" in text:
        # Cold, BuildKit runs every step; warm, the base and its packages come from the
        # cache and only the application's own layer is built.
        def step(number: int, text: str, cold: str) -> list[str]:
            cached = facts.cached and number < 6
            return [f"#{number} {text}", f"#{number} CACHED" if cached else f"#{number} {cold}"]

        return [
            '#0 building with "default" instance using docker driver',
            "#1 [internal] load build definition from Dockerfile",
            "#1 transferring dockerfile: 412B done",
            "#1 DONE 0.0s",
            "#2 [internal] load metadata for public.ecr.aws/nginx/nginx:stable-alpine",
            "#2 DONE 0.9s",
            *step(4, "[1/3] FROM public.ecr.aws/nginx/nginx:stable-alpine", "DONE 6.2s"),
            *step(5, "[2/3] RUN apk add --no-cache curl", "DONE 3.1s"),
            *step(6, "[3/3] COPY app/ /app/", "DONE 0.1s"),
            "#7 exporting to image",
            f"#7 naming to {facts.image_uri} done",
            "#7 DONE 0.4s",
        ]
    if "docker push" in text:
        tag = facts.image_uri.rsplit(":", 1)[-1]
        return [
            f"The push refers to repository [{facts.image_uri.rsplit(':', 1)[0]}]",
            "5f70bf18a086: Pushed",
            "a1b2c3d4e5f6: Pushed",
            f"{tag}: digest: {facts.digest} size: 1570",
        ]
    if text.startswith("cat imagedefinitions.json"):
        return [facts.image_definitions]
    if text.startswith("echo "):
        return [text[5:].strip().strip("\"'")]
    return []
