"""The simulated docker build follows the Dockerfile in the source: FROM and COPY."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.sandbox.fixtures import ACCOUNT, Names, create_pipeline_resources
from tests.sandbox.polling import wait_until

NAMES = Names()


def build_log(client: Callable[[str], Any]) -> tuple[dict[str, Any], list[str]]:
    codebuild = client("codebuild")
    build_id = codebuild.start_build(projectName=NAMES.project)["build"]["id"]
    build = wait_until(lambda: codebuild.batch_get_builds(ids=[build_id])["builds"][0],
                       lambda b: b["buildStatus"] != "IN_PROGRESS", 20)
    events = client("logs").get_log_events(logGroupName=build["logs"]["groupName"],
                                           logStreamName=build["logs"]["streamName"])
    return build, [e["message"] for e in events["events"]]


def test_the_build_shows_the_dockerfile_s_base_and_steps(
    client: Callable[[str], Any], tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text(
        "# a small Python service\n"
        "FROM public.ecr.aws/docker/library/python:3.12-slim AS app\n"
        "COPY requirements.txt app.py /srv/\n"
        "RUN pip install --no-cache-dir \\\n    -r /srv/requirements.txt\n"
        "CMD [\"python\", \"/srv/app.py\"]\n")
    (tmp_path / "app.py").write_text("print('hi')\n")
    (tmp_path / "requirements.txt").write_text("")
    create_pipeline_resources(client)

    build, lines = build_log(client)

    assert build["buildStatus"] == "SUCCEEDED", build["phases"]
    assert "#2 [internal] load metadata for public.ecr.aws/docker/library/python:3.12-slim" \
        in lines
    steps = [line.split("] ", 1)[1] for line in lines if re_step(line)]
    assert steps == ["FROM public.ecr.aws/docker/library/python:3.12-slim AS app",
                     "COPY requirements.txt app.py /srv/",
                     "RUN pip install --no-cache-dir -r /srv/requirements.txt"]
    assert not any("nginx" in line for line in lines)


def re_step(line: str) -> bool:
    import re

    return re.match(r"^#\d+ \[\d+/\d+\] ", line) is not None


def test_a_copy_of_a_file_the_source_lacks_fails_the_build_as_buildkit_does(
    client: Callable[[str], Any], tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM public.ecr.aws/nginx/nginx:1.28-alpine\n"
                                         "COPY site/ /usr/share/nginx/html/\n")
    create_pipeline_resources(client)

    build, lines = build_log(client)

    assert build["buildStatus"] == "FAILED"
    assert 'ERROR: failed to solve: failed to compute cache key: "/site/": not found' in lines
    [phase] = [p for p in build["phases"] if p["phaseType"] == "BUILD"]
    assert phase["phaseStatus"] == "FAILED"


def test_a_base_image_missing_from_the_sandbox_ecr_fails_the_build(
    client: Callable[[str], Any], tmp_path: Path
) -> None:
    base = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{NAMES.repository}:base"
    (tmp_path / "Dockerfile").write_text(f"FROM {base}\n")
    create_pipeline_resources(client)

    build, lines = build_log(client)

    assert build["buildStatus"] == "FAILED"
    assert any(line.startswith(f"ERROR: failed to solve: {base}: failed to resolve source")
               for line in lines), lines
