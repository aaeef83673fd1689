"""End to end: `pipectl list` over HTTP against the sandbox, AWS throttling included."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.test_runs import FAST, Project, make_project  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e


def faults(project: Project) -> Any:
    request = urllib.request.Request(f"{project.server.url}/_pipectl/faults",
                                     headers={"Authorization": f"Bearer {project.server.token}"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def test_list_shows_pipectl_s_pipelines_only_and_rides_out_throttling(
    make_project: Callable[[float], Project], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    project = make_project(FAST)
    spec = (project.root / "config" / "pipeline.yml").read_text()
    second = spec.replace("name: hello-web", "name: second-web").replace(
        "service: hello-web", "service: second-web")
    (project.root / "config" / "second.yml").write_text(second)
    created = project.cli("-c", "config/second.yml", "create")
    assert created.exit_code == 0, created.output
    ran = project.cli("run", "--watch", "--interval", "0.05")
    assert ran.exit_code == 0, ran.output
    # A pipeline pipectl did not make (no pipectl:pipeline tag) is not listed.
    codepipeline = project.client("codepipeline")
    foreign = codepipeline.get_pipeline(name="hello-web")["pipeline"]
    foreign["name"] = "hand-made"
    codepipeline.create_pipeline(pipeline=foreign)

    # AWS throttles two reads, and botocore does not retry them: the pool backs off.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    project.fault(type="api", target="codepipeline:ListPipelineExecutions", kind="throttle",
                  count=2)
    result = project.cli("list", "-o", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["unmanaged_pipelines"] == 1 and doc["failed"] == 0
    rows = {row["pipeline"]: row for row in doc["pipelines"]}
    assert sorted(rows) == ["hello-web", "second-web"]
    assert rows["hello-web"]["latest_run"]["status"] == "Succeeded"
    assert rows["hello-web"]["service"]["rollout_state"] == "COMPLETED"
    assert rows["hello-web"]["service"]["task_definition"] == "hello-web:2"
    assert rows["second-web"]["latest_run"] is None
    assert faults(project)["api"] == []  # both throttles were met, and ridden out

    text = project.cli("list")
    assert text.exit_code == 0, text.output
    assert [line.split()[0] for line in text.stdout.splitlines()] == [
        "PIPELINE", "hello-web", "second-web"]
