"""`pipectl validate` on valid projects: what it says, warnings, JSON, paths, speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_cli
from tests.test_validate_malformed import LAYOUT, make_project


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_a_valid_project_says_what_was_checked_in_one_line(in_tmp: Path) -> None:
    make_project(in_tmp)
    result = run_cli(["validate"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0] == (
        "ok: checked config/pipeline.yml, buildspec.yml, config/task_definition.json; "
        "pipeline hello-web: github acme/hello-web@main -> CodeBuild hello-web-build -> ECR "
        "hello-web -> ECS hello-cluster/hello-web (container web, port 80)")
    assert result.stderr == ""


def test_json_output_of_a_valid_project_is_an_empty_list(in_tmp: Path) -> None:
    make_project(in_tmp)
    result = run_cli(["validate", "-o", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_warnings_are_listed_but_do_not_fail(in_tmp: Path) -> None:
    make_project(in_tmp)
    edit(in_tmp / LAYOUT["task_definition.json"], '{"name": "LOG_LEVEL", "value": "info"}',
         '{"name": "LOG_LEVEL", "value": "info"}, {"name": "DB_PASSWORD", "value": "hunter2"}')
    edit(in_tmp / LAYOUT["buildspec.yml"], "version: 0.2\n",
         "version: 0.2\nenv:\n  variables:\n    NPM_TOKEN: abc123\n")
    result = run_cli(["validate"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "errors (" not in out
    assert "warnings (2):" in out
    assert "buildspec.yml:4:16: env.variables.NPM_TOKEN: 'NPM_TOKEN' looks like a secret" in out
    assert ("config/task_definition.json:14:96: containerDefinitions[0].environment[1].value: "
            "'DB_PASSWORD' looks like a secret written in plain text") in out
    assert '"secrets": [{"name": "DB_PASSWORD", "valueFrom": ' in out
    assert out.splitlines()[-1].startswith("ok with 2 warnings: checked ")
    assert "hunter2" not in out  # a secret is never printed back


def test_json_output_is_a_list_of_findings(in_tmp: Path) -> None:
    make_project(in_tmp)
    edit(in_tmp / LAYOUT["pipeline.yml"], "compute_type: BUILD_GENERAL1_SMALL",
         "compute_type: BUILD_GENERAL1_HUGE")
    edit(in_tmp / LAYOUT["task_definition.json"], '{"name": "LOG_LEVEL", "value": "info"}',
         '{"name": "API_KEY", "value": "k"}')
    result = run_cli(["-o", "json", "validate"])
    assert result.exit_code == 2
    findings = json.loads(result.stdout)
    assert findings == [
        {"severity": "error", "code": "not-allowed",
         "message": "expected one of BUILD_GENERAL1_SMALL, BUILD_GENERAL1_MEDIUM, "
                    "BUILD_GENERAL1_LARGE, BUILD_GENERAL1_XLARGE, BUILD_GENERAL1_2XLARGE; "
                    "got 'BUILD_GENERAL1_HUGE'",
         "file": "config/pipeline.yml", "line": 14, "column": 17,
         "field": "build.compute_type", "hint": "did you mean 'BUILD_GENERAL1_LARGE'?"},
        {"severity": "warning", "code": "plain-secret",
         "message": "'API_KEY' looks like a secret written in plain text",
         "file": "config/task_definition.json", "line": 14, "column": 52,
         "field": "containerDefinitions[0].environment[0].value",
         "hint": findings[1]["hint"]},
    ]


def test_every_file_is_checked_even_when_the_spec_has_errors(in_tmp: Path) -> None:
    make_project(in_tmp)
    edit(in_tmp / LAYOUT["pipeline.yml"], "name: hello-web", "name: hello web")
    edit(in_tmp / LAYOUT["buildspec.yml"], "version: 0.2", "version: 0.3")
    edit(in_tmp / LAYOUT["task_definition.json"], '"cpu": "256"', '"cpu": 256')
    result = run_cli(["validate"])
    assert result.exit_code == 2
    out = result.stdout
    assert "config/pipeline.yml:3:7: name: 'hello web' is not a valid pipeline name" in out
    assert "buildspec.yml:1:10: version: expected 0.1 or 0.2; got a number 0.3" in out
    assert "config/task_definition.json:5:10: cpu: expected a string; got a number 256" in out
    assert out.splitlines()[-1] == (
        "invalid: 3 errors (1 in buildspec.yml, 1 in config/pipeline.yml, 1 in "
        "config/task_definition.json); checked config/pipeline.yml, buildspec.yml, "
        "config/task_definition.json")


def test_an_unset_variable_is_reported_once(in_tmp: Path) -> None:
    make_project(in_tmp)
    edit(in_tmp / LAYOUT["pipeline.yml"], "cluster: hello-cluster", "cluster: ${CLUSTER}")
    edit(in_tmp / LAYOUT["pipeline.yml"], "subnets: [subnet-0123456789abcdef0]",
         'subnets: ["${SUBNET}"]')
    result = run_cli(["validate"], environ={})
    assert result.exit_code == 2
    assert result.stdout.count("errors (2):") == 1
    assert "deploy.cluster: environment variable CLUSTER is not set" in result.stdout
    assert "deploy.create_service.subnets[0]: environment variable SUBNET is not set" \
        in result.stdout
    ok = run_cli(["validate"], environ={"CLUSTER": "blue", "SUBNET": "subnet-0abcdef12"})
    assert ok.exit_code == 0, ok.output
    assert "ECS blue/hello-web" in ok.stdout


def test_a_variable_inside_brackets_needs_quotes_and_the_hint_says_so(in_tmp: Path) -> None:
    make_project(in_tmp)
    edit(in_tmp / LAYOUT["pipeline.yml"], "subnets: [subnet-0123456789abcdef0]",
         "subnets: [${SUBNET}]")
    result = run_cli(["validate"], environ={"SUBNET": "subnet-0abcdef12"})
    assert result.exit_code == 2
    assert "config/pipeline.yml:31:16: invalid YAML" in result.stdout
    assert 'hint: quote values that use variables: "${VAR}"' in result.stdout


def test_a_missing_spec_is_an_error_with_a_hint(in_tmp: Path) -> None:
    result = run_cli(["validate"])
    assert result.exit_code == 2
    assert "config/pipeline.yml: spec not found" in result.stdout
    assert "pipectl init" in result.stdout


def test_files_are_found_from_a_subdirectory_of_the_repository(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(in_tmp)
    (in_tmp / ".git").mkdir()
    sub = in_tmp / "services" / "web"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    result = run_cli(["-c", "../../config/pipeline.yml", "validate"])
    assert result.exit_code == 0, result.output
    assert "checked ../../config/pipeline.yml, ../../buildspec.yml, " \
           "../../config/task_definition.json" in result.stdout


def test_a_buildspec_without_docker_needs_no_privileged_mode(in_tmp: Path) -> None:
    make_project(in_tmp)
    (in_tmp / "buildspec.yml").write_text(
        "version: 0.2\nphases:\n  build:\n    commands:\n"
        "      - printf '[]' > imagedefinitions.json\n"
        "artifacts:\n  files: ['**/*']\n")
    edit(in_tmp / LAYOUT["pipeline.yml"], "privileged: true", "privileged: false")
    result = run_cli(["validate"])
    assert result.exit_code == 0, result.output


def test_an_ec2_task_definition_without_create_service_skips_fargate_rules(in_tmp: Path) -> None:
    make_project(in_tmp)
    spec = in_tmp / LAYOUT["pipeline.yml"]
    edit(spec, "  create_service:\n    subnets: [subnet-0123456789abcdef0]\n"
               "    security_groups: [sg-0123456789abcdef0]\n", "")
    taskdef = in_tmp / LAYOUT["task_definition.json"]
    edit(taskdef, '"networkMode": "awsvpc"', '"networkMode": "bridge"')
    edit(taskdef, '"requiresCompatibilities": ["FARGATE"]', '"requiresCompatibilities": ["EC2"]')
    edit(taskdef, '"containerPort": 80,', '"containerPort": 80, "hostPort": 0,')
    result = run_cli(["validate"])
    assert result.exit_code == 0, result.output


def test_the_repository_reference_config_is_valid() -> None:
    result = subprocess.run([sys.executable, "-m", "pipectl", "validate"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=60, check=False,
                            env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: checked config/pipeline.yml")


def test_validate_imports_neither_boto3_nor_botocore(in_tmp: Path) -> None:
    make_project(in_tmp)
    code = (
        "import io, sys; from pipectl.cli.main import main; "
        "from pipectl.ui.environment import Environment; "
        "out = io.StringIO(); env = Environment(stdout=out, stderr=io.StringIO()); "
        "code = main(['validate'], env=env); "
        "print(code, 'boto3' in sys.modules, 'botocore' in sys.modules); "
        "print(out.getvalue())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=in_tmp)
    # Its speed is measured by the bench (docs/benchmarks.md), not by a timed test.
    exit_code, boto3, botocore = out.stdout.split("\n")[0].split()
    assert (exit_code, boto3, botocore) == ("0", "False", "False"), out.stdout + out.stderr


def test_the_summary_names_the_file_that_has_the_error(in_tmp: Path) -> None:
    make_project(in_tmp)
    edit(in_tmp / LAYOUT["buildspec.yml"], "version: 0.2", "version: 0.3")
    result = run_cli(["validate"])
    assert result.exit_code == 2
    assert result.stdout.splitlines()[-1] == (
        "invalid: 1 error in buildspec.yml; checked config/pipeline.yml, buildspec.yml, "
        "config/task_definition.json")


def test_awslogs_create_group_is_a_warning_that_says_pipectl_creates_the_group(
        in_tmp: Path) -> None:
    make_project(in_tmp)
    edit(in_tmp / LAYOUT["task_definition.json"], '"awslogs-stream-prefix": "web"}',
         '"awslogs-stream-prefix": "web",\n                    "awslogs-create-group": "true"}')
    result = run_cli(["validate"])
    assert result.exit_code == 0, result.output
    assert "warnings (1):" in result.stdout
    assert ("config/task_definition.json:19:21: containerDefinitions[0].logConfiguration."
            "options.awslogs-create-group: awslogs-create-group needs logs:CreateLogGroup on "
            "the execution role, which the stock ecsTaskExecutionRole lacks") in result.stdout
    assert "hint: remove it: pipectl creates the group, with deploy.log_retention_days" \
        in result.stdout
    # Without deploy.create_service pipectl creates no group: the hint says what to do.
    edit(in_tmp / LAYOUT["pipeline.yml"],
         "  create_service:\n    subnets: [subnet-0123456789abcdef0]\n"
         "    security_groups: [sg-0123456789abcdef0]\n", "")
    result = run_cli(["validate"])
    assert result.exit_code == 0, result.output
    assert "hint: remove it and create the group (`aws logs create-log-group`), or give the " \
        "execution role logs:CreateLogGroup" in result.stdout


def test_the_reference_task_definitions_do_not_ask_the_driver_to_create_the_group() -> None:
    for path in (REPO_ROOT / "config" / "task_definition.json",
                 REPO_ROOT / "src" / "pipectl" / "scaffold" / "task_definition.json"):
        assert "awslogs-group" in path.read_text()
        assert "awslogs-create-group" not in path.read_text(), path


def test_a_health_check_command_without_cmd_shell_is_a_warning_with_the_shell_form(
        in_tmp: Path) -> None:
    make_project(in_tmp)
    edit(in_tmp / LAYOUT["task_definition.json"], '"essential": true,',
         '"essential": true,\n      "healthCheck": {"command": ["curl -f http://localhost/"]},')
    result = run_cli(["validate"])
    assert result.exit_code == 0, result.output
    assert "warnings (1):" in result.stdout
    assert ("config/task_definition.json:13:35: containerDefinitions[0].healthCheck.command[0]: "
            "the health check command of container 'web' starts with "
            "'curl -f http://localhost/', not CMD or CMD-SHELL: ECS registers it, but the "
            "check does not run the command") in result.stdout
    assert 'hint: run it with the container\'s shell: "command": ["CMD-SHELL", ' \
        '"curl -f http://localhost/"]' in result.stdout
    as_json = json.loads(run_cli(["validate", "-o", "json"]).stdout)
    assert [(f["severity"], f["code"], f["field"]) for f in as_json] == [
        ("warning", "health-check-command", "containerDefinitions[0].healthCheck.command[0]")]
