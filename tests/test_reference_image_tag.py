"""The reference buildspec's image tag, run in bash as CodeBuild runs the commands.

In a pipeline build of an S3 source, CODEBUILD_RESOLVED_SOURCE_VERSION is the object's
version id, which may hold characters a Docker tag cannot ('+', and often more than a
commit's 7 characters tell apart): the tag must still be a valid one.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.system_tools import FROM_BASE_SYSTEM, require_tool

REPO_ROOT = Path(__file__).resolve().parent.parent
DOCKER_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def tag_commands() -> list[str]:
    spec = yaml.safe_load((REPO_ROOT / "buildspec.yml").read_text())
    commands: list[str] = spec["phases"]["pre_build"]["commands"]
    start = next(i for i, c in enumerate(commands) if c.startswith("COMMIT="))
    end = next(i for i, c in enumerate(commands) if c.startswith("IMAGE_URI="))
    return commands[start:end]


def image_tag(revision: str) -> str:
    script = "\n".join(tag_commands()) + '\nprintf %s "$IMAGE_TAG"\n'
    env = {"CODEBUILD_RESOLVED_SOURCE_VERSION": revision, "CODEBUILD_BUILD_NUMBER": "12",
           "PATH": "/usr/bin:/bin"}
    bash = require_tool("bash", install=FROM_BASE_SYSTEM)
    done = subprocess.run([bash, "-c", script], env=env, capture_output=True, text=True,
                          check=True)
    return done.stdout


@pytest.mark.parametrize(("revision", "expected"), [
    ("4f2a9c1b7d3e5f60718293a4b5c6d7e8f9012345", "4f2a9c1"),
    ("3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY", "s3-3HL4kqtJlcpXroDTDmJ_rmSpXd3dIbrHY"),
    ("null", "s3-null"),
    ("", "build-12"),
])
def test_every_revision_gives_a_valid_docker_tag(revision: str, expected: str) -> None:
    tag = image_tag(revision)
    assert tag == expected
    assert DOCKER_TAG.match(tag)


def test_a_long_version_id_is_cut_to_a_docker_tag_s_128_characters() -> None:
    tag = image_tag("a+" * 100)
    assert len(tag) == 128 and DOCKER_TAG.match(tag)
