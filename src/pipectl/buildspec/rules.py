"""What CodeBuild accepts in a buildspec, stated once.

Sources: CodeBuild's build specification reference
(https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html) for the
keys, versions and ``on-failure`` values; the images' ``runtimes.yml`` for
``runtime-versions`` (see ``runtimes.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

IMAGE_DEFINITIONS = "imagedefinitions.json"
#: CodeBuild runs the phases in this order; a buildspec may leave any of them out.
PHASES = ("install", "pre_build", "build", "post_build")
TOP_LEVEL_KEYS = ("version", "run-as", "env", "proxy", "batch", "phases", "reports",
                  "artifacts", "cache")
PHASE_KEYS = ("run-as", "on-failure", "runtime-versions", "commands", "finally")
ENV_KEYS = ("shell", "variables", "parameter-store", "exported-variables", "secrets-manager",
            "git-credential-helper")
#: 0.2 runs every command of the build in one shell; 0.1 runs each command in a shell
#: of its own, so a variable or `cd` does not carry over. CodeBuild still supports both.
VERSIONS = ("0.1", "0.2")
CURRENT_VERSION = "0.2"
#: env.shell values a Linux build image offers (CodeBuild's default is sh).
SHELLS = {"bash": "bash", "/bin/bash": "bash", "sh": "sh", "/bin/sh": "sh"}
DEFAULT_SHELL = "sh"

# A word that runs docker: at the start, or after a separator, `(`, `$(` or a backtick.
_DOCKER = re.compile(r"(?:^|[\s;&|(`])(?:sudo\s+)?docker(?:-compose)?(?:\s|$)")
# `aws ecr get-login` (AWS CLI v1 only), not `get-login-password` (v1.17.10+ and v2).
_GET_LOGIN = re.compile(r"\baws\s+(?:--\S+\s+(?:\S+\s+)?)*ecr\s+get-login(?!-password)\b")
_ON_FAILURE = re.compile(r"(ABORT|CONTINUE)\Z|RETRY(?:-(\d+))?(?:-(.+))?\Z", re.DOTALL)
MAX_RETRIES = 100  # "count must be between 0 and 100"
DEFAULT_RETRIES = 3  # plain RETRY: "up to 3 times"


def uses_docker(command: str) -> bool:
    """True when a command runs the docker (or docker-compose) client."""
    return _DOCKER.search(command) is not None


def uses_get_login(command: str) -> bool:
    """True when a command runs ``aws ecr get-login``, which AWS CLI v2 removed."""
    return _GET_LOGIN.search(command) is not None


@dataclass(frozen=True)
class OnFailure:
    """A phase's ``on-failure``: ABORT, CONTINUE, or RETRY[-count][-regex]."""

    action: str  # ABORT | CONTINUE | RETRY
    retries: int = 0
    pattern: str | None = None  # the error text a retry must match (None: any)

    def retries_on(self, output: str) -> bool:
        if self.action != "RETRY":
            return False
        if self.pattern is None:
            return True
        try:
            return re.search(self.pattern, output) is not None
        except re.error:
            return False


def parse_on_failure(value: str) -> OnFailure | None:
    """``value`` as CodeBuild reads it, or None when CodeBuild would refuse it.

    The reference lists ABORT, CONTINUE, RETRY, RETRY-count, RETRY-regex and
    RETRY-count-regex, with count between 0 and 100 and RETRY meaning 3 retries.
    """
    match = _ON_FAILURE.match(value)
    if match is None:
        return None
    if match.group(1):
        return OnFailure(match.group(1))
    count, pattern = match.group(2), match.group(3)
    if count is not None and int(count) > MAX_RETRIES:
        return None
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error:
            return None
    return OnFailure("RETRY", int(count) if count is not None else DEFAULT_RETRIES, pattern)


def ends_build_after_failure(phase: str, on_failure: OnFailure | None) -> bool:
    """Whether a failed phase ends the build (the later command phases are skipped).

    Without ``on-failure``, CodeBuild ends the build after a failed install or
    pre_build and still runs post_build after a failed build phase. CONTINUE goes on;
    ABORT ends it, and so does RETRY once its retries are used up.
    """
    if on_failure is None:
        return phase != "build"
    return on_failure.action != "CONTINUE"


_ASSIGNMENT = re.compile(r"(?:^|[;&|\s(])(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=([^\s;&|]*)")
_IMAGE_ARGUMENT = re.compile(
    r"\bdocker\s+(?:buildx\s+)?(?:build\b[^;&|]*?(?:-t|--tag)[\s=]+(\S+)|push\s+(\S+)"
    r"|tag\s+(\S+)\s+(\S+))")
_REFERENCE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(:?-[^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))")


def assignments(command: str) -> list[tuple[str, str]]:
    """The shell variables a command sets (``NAME=...``, ``export NAME=...``), each with
    the word it is set to, as written."""
    return _ASSIGNMENT.findall(command)


def assigned_names(command: str) -> set[str]:
    return {name for name, _ in assignments(command)}


def referenced_names(command: str) -> set[str]:
    """The variables a command reads (``$NAME``, ``${NAME}``; not ``${NAME:-default}``)."""
    return {m.group(1) or m.group(3) for m in _REFERENCE.finditer(command) if not m.group(2)}


def image_references(command: str) -> list[str]:
    """The image names a docker build -t / push / tag command uses, as written."""
    out: list[str] = []
    for match in _IMAGE_ARGUMENT.finditer(command):
        out += [g for g in match.groups() if g]
    return out


def unset_references(reference: str, defined: set[str]) -> list[str]:
    """The variables in ``reference`` that are not in ``defined`` (and have no default)."""
    out = []
    for match in _REFERENCE.finditer(reference):
        name = match.group(1) or match.group(3)
        if name not in defined and not match.group(2):
            out.append(name)
    return out


def expand(reference: str, values: dict[str, str]) -> str:
    """``reference`` with its variables replaced as a shell would (unset: empty)."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        default = (match.group(2) or "").lstrip(":-")
        return values.get(name) or default
    return _REFERENCE.sub(value, reference.strip("'\""))
