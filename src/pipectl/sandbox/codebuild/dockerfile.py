"""What a sandbox ``docker build`` prints, from the Dockerfile in the source.

No image is built, but the build follows the Dockerfile the source holds: its FROM
lines (a base image in the sandbox's ECR must be there) and its COPY/ADD sources (each
must exist in the build context), step by step in BuildKit's words; a missing COPY
source, or a missing file named by ``-f``, fails the command with BuildKit's error. A
source directory without a Dockerfile builds the reference one (as a missing buildspec
runs the reference buildspec).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from pipectl.sandbox.codebuild import images

BUILD = re.compile(r"\bdocker\s+(?:buildx\s+)?build\b")
STEPS = ("FROM", "COPY", "ADD", "RUN", "WORKDIR")
# A checkout without a Dockerfile builds the one `pipectl init` writes (the scaffold's).
REFERENCE_CONTEXT = Path(__file__).resolve().parents[2] / "scaffold"


def is_build(command: str) -> bool:
    return BUILD.search(command) is not None


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def instructions(text: str) -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    found: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, arguments = " ".join(line.split()).partition(" ")
        found.append(Instruction(keyword.upper(), arguments.strip()))
    if pending:
        keyword, _, arguments = pending.strip().partition(" ")
        found.append(Instruction(keyword.upper(), arguments.strip()))
    return found


def _dockerfile_option(command: str) -> str:
    try:
        words = shlex.split(command.replace("\\\n", " "))
    except ValueError:
        words = command.split()
    for index, word in enumerate(words):
        if word in ("-f", "--file") and index + 1 < len(words):
            return words[index + 1]
        if word.startswith("--file="):
            return word.split("=", 1)[1]
    return "Dockerfile"


def _copy_sources(arguments: str) -> list[str] | None:
    """The sources of a COPY/ADD (None: from another stage or an URL: nothing to check)."""
    words = [w for w in shlex.split(arguments) if w]
    if arguments.lstrip().startswith("["):
        return None
    options = [w for w in words if w.startswith("--")]
    if any(o.startswith("--from=") for o in options):
        return None
    paths = [w for w in words if not w.startswith("--")]
    sources = paths[:-1]
    if any(s.startswith(("http://", "https://", "git@")) for s in sources):
        return None
    return sources


def _exists(context: Path, source: str) -> bool:
    pattern = source.lstrip("/")
    if pattern in ("", "."):
        return True
    return any(context.glob(pattern)) or (context / pattern).exists()


def build_output(
    source_dir: Path, command: str, image_uri: str
) -> tuple[list[str], list[str] | None]:
    """The lines the build prints, and its error lines when it fails (else None)."""
    name = _dockerfile_option(command)
    path = source_dir / name
    context = source_dir
    if not path.is_file():
        if name != "Dockerfile":
            return [], [f"ERROR: failed to solve: failed to read dockerfile: open {name}: "
                        "no such file or directory"]
        path, context = REFERENCE_CONTEXT / "Dockerfile", REFERENCE_CONTEXT
    text = path.read_text(encoding="utf-8", errors="replace")
    steps = [i for i in instructions(text) if i.keyword in STEPS]
    stages: set[str] = set()
    lines = [
        "#0 building with \"pipectl\" instance using docker-container driver",
        f"#1 [internal] load build definition from {name}",
        f"#1 transferring dockerfile: {len(text.encode())}B done",
        "#1 DONE 0.0s",
    ]
    number = 2
    bases = []
    for step in steps:
        if step.keyword != "FROM":
            continue
        words = [w for w in step.arguments.split() if not w.startswith("--platform")]
        base = words[0] if words else ""
        if len(words) >= 3 and words[1].upper() == "AS":
            stages.add(words[2])
        if base not in stages and base not in bases and base != "scratch":
            bases.append(base)
    for base in bases:
        lines += [f"#{number} [internal] load metadata for {base}", f"#{number} DONE 0.9s"]
        number += 1
        if images.ECR_REGISTRY.match(images.parse(base)[0]) and images.pull_error(base):
            return lines, [f"ERROR: failed to solve: {base}: failed to resolve source "
                           f"metadata for {base}: {base}: not found"]
    for index, step in enumerate(steps, start=1):
        lines.append(f"#{number} [{index}/{len(steps)}] {step.keyword} {step.arguments}")
        if step.keyword in ("COPY", "ADD"):
            for source in _copy_sources(step.arguments) or []:
                if not _exists(context, source):
                    lines.append(f"#{number} ERROR: failed to calculate checksum of ref: "
                                 f"\"/{source.lstrip('/')}\": not found")
                    return lines, [f"ERROR: failed to solve: failed to compute cache key: "
                                   f"\"/{source.lstrip('/')}\": not found"]
        lines.append(f"#{number} DONE 0.{index}s")
        number += 1
    lines += [f"#{number} exporting to image", f"#{number} naming to {image_uri} done",
              f"#{number} DONE 0.4s"]
    return lines, None
