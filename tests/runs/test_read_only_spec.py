"""Read-only commands read only the spec fields they use, through the real CLI.

An unset variable in a field a command does not read (``create_service.subnets``) does
not stop it; ``validate``, ``plan``, ``create`` and ``update`` still refuse. A broken
file, or a broken field the command reads, gives the same error as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.runs.world import PIPELINE, StubbedClients, summary
from tests.test_validate_malformed import CASES, CORPUS, make_project

SPEC = f"""\
version: 1
name: {PIPELINE}
source:
  provider: github
  connection_arn: arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d-4e5f
  repository: acme/hello-web
build:
  compute_type: "${{COMPUTE:-BUILD_GENERAL1_SMALL}}"
deploy:
  cluster: hello-cluster
  service: hello-web
  container: web
  create_service:
    subnets: ["${{SUBNET_ID}}"]
    security_groups: [sg-0123456789abcdef0]
"""
#: A closed port: a command that got past the spec fails on its first AWS call (exit 3).
NOWHERE = "http://127.0.0.1:9"
READ_ONLY = [["status"], ["history"], ["watch"], ["logs"], ["stop"], ["retry"],
             ["rollback", "--yes"]]


@pytest.fixture
def unset_subnet(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (in_tmp / "config").mkdir()
    (in_tmp / "config" / "pipeline.yml").write_text(SPEC)
    monkeypatch.delenv("SUBNET_ID", raising=False)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    return in_tmp


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda a: a[0])
def test_read_only_commands_get_past_a_variable_they_do_not_read(
    args: list[str], unset_subnet: Path
) -> None:
    result = run_cli(["--endpoint-url", NOWHERE, *args])
    assert "SUBNET_ID" not in result.output
    assert result.exit_code == 3, result.output  # it went on to ask AWS
    assert "127.0.0.1:9" in result.stderr


def test_history_answers_with_an_unset_variable_in_create_service(
    unset_subnet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipectl.aws.session import AwsSession

    clients = StubbedClients()
    monkeypatch.setattr(AwsSession, "client", lambda self, service: clients.client(service))
    clients.add("codepipeline", "list_pipeline_executions", summary("run-1", status="Failed"),
                {"pipelineName": PIPELINE, "maxResults": 10})
    result = run_cli(["history"])
    assert result.exit_code == 0, result.output
    assert "run-1" in result.stdout and "Failed" in result.stdout
    clients.assert_all_used()


@pytest.mark.parametrize("args", [["validate"], ["plan"], ["create"], ["update"]],
                         ids=lambda a: a[0])
def test_commands_that_build_everything_still_refuse_the_unset_variable(
    args: list[str], unset_subnet: Path
) -> None:
    result = run_cli(["--endpoint-url", NOWHERE, *args])
    assert result.exit_code == 2, result.output
    assert "SUBNET_ID is not set" in result.output
    assert "deploy.create_service.subnets[0]" in result.output


#: The malformed-corpus cases that break what `status` reads (name, region, version,
#: deploy.cluster/service/container/port) or the file itself; every other case breaks a
#: field status never reads.
BREAKS_STATUS = {
    "yaml_bad_indent", "yaml_unclosed_quote", "yaml_tab_indent", "spec_is_a_list",
    "spec_empty", "wrong_type_port", "missing_version", "missing_container",
    "duplicate_key", "unset_variable", "unclosed_variable", "version_two",
    "invalid_pipeline_name", "invalid_ecs_cluster", "invalid_ecs_service", "invalid_region",
    "ports_disagree", "yaml_recursive_alias", "misspelt_key_deploy",
}
SPEC_CASES = [c for c in CASES if c["file"].endswith(".pipeline.yml")]


def _case_id(case: dict[str, Any]) -> str:
    return str(case["file"]).removesuffix(".pipeline.yml")


def test_the_expected_failures_are_cases_of_the_corpus() -> None:
    assert {_case_id(c) for c in SPEC_CASES} >= BREAKS_STATUS


@pytest.mark.parametrize("case", SPEC_CASES, ids=_case_id)
def test_status_on_a_malformed_spec_fails_as_before_or_only_on_what_it_reads(
    case: dict[str, Any], in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(in_tmp, CORPUS / case["file"])
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    environ = {"PATH": "/usr/bin:/bin", **case.get("env", {})}
    status = run_cli(["--endpoint-url", NOWHERE, "status"], environ=environ)
    assert "Traceback" not in status.output and "internal error" not in status.output
    if _case_id(case) not in BREAKS_STATUS:
        assert status.exit_code == 3, status.output  # past the spec, on to AWS
        return
    # The full model's error, as `plan` (which builds it) prints it.
    plan = run_cli(["--endpoint-url", NOWHERE, "plan"], environ=environ)
    assert status.exit_code == plan.exit_code == 2, status.output
    assert status.stderr == plan.stderr
