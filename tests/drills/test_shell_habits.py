"""Drill: pipectl as a daily user's shell habits drive it.

Global options after the command name, ``-o json`` for every failure, the hints' commands
that work as printed, a spec in another region than the sandbox's default, exit codes
that say "nothing to act on".
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipectl.sandbox.state import state_file, write_state_file
from tests.conftest import run_cli
from tests.drills.project import Project


@pytest.fixture
def registered(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    """The drill's sandbox, recorded where ``--sandbox`` looks for it."""
    # --sandbox puts its token as credentials in the process environment: undone afterwards.
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")
    write_state_file(state_file(os.environ), {"pid": os.getpid(), "url": project.url,
                                              "token": project.sandbox.token})
    yield project


def _json_error(stdout: str) -> dict[str, object]:
    answer = json.loads(stdout)
    assert answer["ok"] is False
    error = answer["error"]
    assert isinstance(error, dict)
    assert {"code", "message", "hint"} <= set(error), error
    return error


def test_global_options_after_the_command_name(registered: Project) -> None:
    spec = str(registered.spec_path)
    assert run_cli(["create", "--sandbox", "-c", spec]).exit_code == 0

    status = run_cli(["status", "--sandbox", "-v", "--no-color", "-c", spec])
    assert status.exit_code == 0, status.output
    assert "Pipeline drill-web" in status.stdout
    assert "AWS calls:" in status.stderr  # -v took effect

    watched = run_cli(["run", "--watch", "-c", spec, "--region", "us-east-1",
                       "--endpoint-url", registered.url, "--interval", "0.05"])
    assert watched.exit_code == 0, watched.output
    # The help lists them once, on pipectl itself, not on every command.
    assert "--sandbox" not in run_cli(["status", "--help"]).stdout
    assert "--sandbox" in run_cli(["--no-color", "--help"]).stdout


def test_init_then_the_sandbox_in_another_region(
    registered: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir = tmp_path / "eu"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    monkeypatch.delenv("AWS_REGION", raising=False)
    assert run_cli(["init", "--no-input", "--region", "eu-west-1", "--name", "eu-web"]
                   ).exit_code == 0

    created = run_cli(["--sandbox", "create"])
    assert created.exit_code == 0, created.output
    assert "eu-west-1" in created.stdout  # the artifact bucket's name carries the region
    assert registered.client("codepipeline").list_pipelines()["pipelines"] == []

    # What the spec says and what the user chose disagree: both named, with their origin.
    refused = run_cli(["--region", "us-west-2", "--sandbox", "status"])
    assert refused.exit_code == 2
    assert "config/pipeline.yml:" in refused.stderr
    assert "eu-west-1" in refused.stderr and "--region says us-west-2" in refused.stderr
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    from_variable = run_cli(["--endpoint-url", registered.url, "status"])
    assert from_variable.exit_code == 2
    assert "AWS_REGION says us-west-2" in from_variable.stderr


def test_suggested_commands_work_as_printed(registered: Project) -> None:
    spec = str(registered.spec_path)
    plan = run_cli(["plan", "--sandbox", "-c", spec])
    assert f"`pipectl --sandbox --config {spec} create`" in plan.stdout

    status = run_cli(["--sandbox", "-c", spec, "status"])
    assert status.exit_code == 3
    assert f"`pipectl --sandbox --config {spec} create`" in status.stderr

    assert run_cli(["--sandbox", "-c", spec, "create"]).exit_code == 0
    started = run_cli(["run", "--sandbox", "-c", spec])
    assert started.exit_code == 0, started.output
    execution = started.stdout.strip()
    follow = started.stderr.split("follow it with `")[1].split("`")[0]
    program, *args = shlex.split(follow)
    assert program == "pipectl" and args[-2:] == ["watch", execution]

    watched = run_cli([*args, "--interval", "0.05"])
    assert watched.exit_code == 0, watched.output
    assert "succeeded" in watched.output


def test_json_errors_for_usage_not_found_interrupt_and_bugs(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    usage = run_cli(["-o", "json", "plan", "--bogus"])
    assert usage.exit_code == 2
    assert _json_error(usage.stdout)["code"] == "usage-error"
    after = run_cli(["plan", "--bogus", "-o", "json"])
    assert after.exit_code == 2 and _json_error(after.stdout)["message"] == (
        "No such option '--bogus'.")

    missing = project.cli("status", "-o", "json")
    assert missing.exit_code == 3
    error = _json_error(missing.stdout)
    assert error["hint"] and "pipectl" in str(error["hint"])

    import pipectl.runs.status as status_module

    def interrupt(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(status_module, "gather_status", interrupt)
    ctrl_c = project.cli("status", "-o", "json")
    assert ctrl_c.exit_code == 130
    assert _json_error(ctrl_c.stdout)["code"] == "interrupted"

    def bug(*_: object, **__: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(status_module, "gather_status", bug)
    internal = project.cli("-o", "json", "status")
    assert internal.exit_code == 70
    error = _json_error(internal.stdout)
    assert error["code"] == "internal-error" and "ZeroDivisionError" in str(error["message"])
    assert "Traceback" not in internal.output


def test_nothing_to_act_on_exits_3(project: Project) -> None:
    assert project.cli("create").exit_code == 0
    nothing = project.cli("stop")
    assert nothing.exit_code == 3, nothing.output
    assert "no run in progress" in nothing.stderr and "hint:" in nothing.stderr

    run = project.cli("run", "--watch", "--interval", "0.05")
    assert run.exit_code == 0, run.output
    execution = project.cli("history", "-o", "json")
    finished = json.loads(execution.stdout)["runs"][0]["execution_id"]
    stop_finished = project.cli("stop", finished)
    assert stop_finished.exit_code == 3, stop_finished.output
    assert "is not in progress: nothing to stop" in stop_finished.stderr

    no_failure = project.cli("retry", finished)
    assert no_failure.exit_code == 3, no_failure.output
    assert "no failed stage" in no_failure.stderr and "hint:" in no_failure.stderr

    missing_build = project.cli("logs", "drill-web-build:no-such-build")
    assert missing_build.exit_code == 3
    assert "hint:" in missing_build.stderr


def test_update_and_logs_on_a_missing_pipeline_give_a_hint(project: Project) -> None:
    for args in (("update",), ("logs",), ("history",), ("watch",)):
        missing = project.cli(*args)
        assert missing.exit_code == 3, (args, missing.output)
        assert "hint:" in missing.stderr, (args, missing.stderr)
