"""The environment variables a local build runs with: CodeBuild's, the project's, the user's.

Precedence follows CodeBuild's: the buildspec's ``env.variables`` are overridden by the
project's variables (what pipectl's CodeBuild project sets from the spec), which are
overridden by the values given for this one build (``--env``, like a StartBuild
override). CodeBuild's own ``CODEBUILD_*`` variables come first and only ``--env`` may
replace them (to try a build without a commit, for instance).
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipectl.resources.common import Placement

if TYPE_CHECKING:
    from pipectl.spec.model import Spec

#: The account id in REPOSITORY_URI when the user gives none: a local build calls no AWS.
PLACEHOLDER_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Project:
    """What the CodeBuild project would give the build (from the spec when there is one)."""

    name: str = "local"
    region: str = DEFAULT_REGION
    account: str = PLACEHOLDER_ACCOUNT
    image: str = "aws/codebuild/standard:7.0"
    variables: dict[str, str] = field(default_factory=dict)
    #: build.secrets: resolved by CodeBuild from SSM / Secrets Manager, never locally.
    secret_names: tuple[str, ...] = ()


def repository_uri(account: str, region: str, repository: str) -> str:
    """REPOSITORY_URI as pipectl's CodeBuild project sets it: no tag."""
    return f"{Placement(account, region).ecr_registry}/{repository}"


def project_from_spec(spec: Spec, region: str, account: str) -> Project:
    names = spec.names
    variables = {
        "REPOSITORY_URI": repository_uri(account, region, names.repository),
        "CONTAINER_NAME": spec.deploy.container,
        **spec.build.env,
    }
    return Project(
        name=names.project,
        region=region,
        account=account,
        image=spec.build.image,
        variables=variables,
        secret_names=tuple(spec.build.secrets),
    )


def git_commit(source_dir: Path, environ: Mapping[str, str]) -> str:
    """HEAD of the checkout at ``source_dir``; empty when it is not a git checkout."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", "HEAD"],
            cwd=source_dir, env=dict(environ), capture_output=True, text=True,
            timeout=10, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def codebuild_variables(
    project: Project,
    source_dir: Path,
    commit: str,
    *,
    clock: Callable[[], float] = time.time,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> dict[str, str]:
    """The variables CodeBuild itself sets in every build."""
    build_id = f"{project.name}:{new_id()}"
    return {
        "CODEBUILD_BUILD_ID": build_id,
        "CODEBUILD_BUILD_ARN": f"arn:aws:codebuild:{project.region}:{project.account}:build/"
                               f"{build_id}",
        "CODEBUILD_BUILD_NUMBER": "1",
        "CODEBUILD_BUILD_IMAGE": project.image,
        "CODEBUILD_BUILD_SUCCEEDING": "1",
        "CODEBUILD_CI": "true",
        "CODEBUILD_INITIATOR": "pipectl-build-local",
        "CODEBUILD_RESOLVED_SOURCE_VERSION": commit,
        "CODEBUILD_SOURCE_VERSION": commit,
        "CODEBUILD_SRC_DIR": str(source_dir),
        "CODEBUILD_START_TIME": str(int(clock() * 1000)),
        "AWS_DEFAULT_REGION": project.region,
        "AWS_REGION": project.region,
    }


def build_environment(
    base: Mapping[str, str],
    codebuild: Mapping[str, str],
    buildspec_variables: Mapping[str, str],
    project_variables: Mapping[str, str],
    overrides: Mapping[str, str],
) -> dict[str, str]:
    """Merge the layers, later ones winning (see the module docstring)."""
    env = dict(base)
    env.update(codebuild)
    env.update({k: v for k, v in buildspec_variables.items() if k not in codebuild})
    env.update({k: v for k, v in project_variables.items() if k not in codebuild})
    env.update(overrides)
    return env
