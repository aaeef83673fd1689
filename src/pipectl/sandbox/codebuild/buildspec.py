"""The buildspec a sandbox build "runs": where it comes from, and what its commands print.

The sandbox runs no shell and no Docker. It reads the buildspec the way CodeBuild would
find it (the project's inline ``source.buildspec``; else that file name, or
``buildspec.yml``, in the sandbox's source directory and never outside it; else the
reference buildspec below), parses it with pipectl's one buildspec reader, and logs
each command of the install, pre_build, build and post_build phases with the output a
real run would show for the commands it recognises.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipectl.buildspec.locate import BuildspecPathError, read_source_buildspec
from pipectl.buildspec.model import Buildspec, Phase
from pipectl.buildspec.reader import errors, read_buildspec
from pipectl.errors import Finding

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


class BuildspecError(ValueError):
    """The buildspec cannot be used (CodeBuild fails DOWNLOAD_SOURCE with YAML_FILE_ERROR)."""


@dataclass(frozen=True)
class LoadedBuildspec:
    """The buildspec a build runs, and where it came from (for "YAML location is ...")."""

    location: str
    spec: Buildspec

    def phase(self, name: str) -> Phase:
        return self.spec.phase(name) or Phase(name)


def load_buildspec(source: dict[str, Any], source_dir: Path) -> LoadedBuildspec:
    """Find and parse the buildspec of a project's source, as CodeBuild would.

    A file is read only from inside ``source_dir`` (see pipectl.buildspec.locate);
    messages name the file, the line and the field, never the file's content.
    """
    declared = str(source.get("buildspec") or "").strip()
    if declared and ("\n" in declared or declared.startswith("version")):
        return parse_buildspec(declared, "inline buildspec of the project")
    name = declared or "buildspec.yml"
    try:
        text = read_source_buildspec(source_dir, name)
    except BuildspecPathError as exc:
        raise BuildspecError(f"YAML_FILE_ERROR: {exc}") from None
    if text is not None:
        return parse_buildspec(text, Path(name).name)
    return parse_buildspec(REFERENCE_BUILDSPEC, f"{name} (the sandbox's reference buildspec)")


def parse_buildspec(text: str, location: str) -> LoadedBuildspec:
    """Parse with pipectl's buildspec reader (bounded YAML, CodeBuild's rules)."""
    spec, findings = read_buildspec(text, location)
    problems = errors(findings)
    if spec is None or problems:
        first = problems[0] if problems else None
        raise BuildspecError(f"YAML_FILE_ERROR: {_describe(first, location)}")
    return LoadedBuildspec(location, spec)


def _describe(finding: Finding | None, location: str) -> str:
    """Where the buildspec is wrong and what kind of wrong, with none of its text."""
    if finding is None or finding.location is None:
        return f"{location}: the buildspec cannot be read"
    where = finding.location
    at = f"{location}" + (f" line {where.line}" if where.line else "")
    field = f" {where.path}:" if where.path else ""
    return f"{at}:{field} {_KINDS.get(finding.code, 'invalid buildspec')}"


_KINDS = {
    "yaml-syntax": "invalid YAML",
    "yaml-aliases": "invalid YAML (aliases or tags)",
    "duplicate-key": "duplicate key",
    "wrong-type": "wrong type",
    "missing": "required field is missing",
    "unknown-key": "unknown key or phase",
    "not-allowed": "value not allowed",
}


@dataclass(frozen=True)
class BuildFacts:
    """What a command's simulated output may mention."""

    image_uri: str
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
