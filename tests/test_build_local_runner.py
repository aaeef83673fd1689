"""`pipectl build --local` follows CodeBuild's rules: one shell, phases, on-failure, finally.

Each test writes a small buildspec into an empty directory (no spec there) and runs the
real CLI on it, asserting what a user sees: the output, the exit code, the message.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import CliResult, run_cli


def build(tmp: Path, buildspec: str, *args: str, global_args: tuple[str, ...] = ()) -> CliResult:
    (tmp / "buildspec.yml").write_text(textwrap.dedent(buildspec))
    env = dict(os.environ)
    env.pop("AWS_REGION", None)
    env["GIT_CEILING_DIRECTORIES"] = str(tmp.parent)  # a git checkout only if the test makes one
    return run_cli([*global_args, "build", "--local", *args], environ=env)


def lines_of(result: CliResult, phase: str) -> list[str]:
    prefix = f"[{phase}] "
    return [line[len(prefix):] for line in result.stdout.splitlines() if line.startswith(prefix)]


def test_variables_and_cd_carry_from_one_command_to_the_next(in_tmp: Path) -> None:
    result = build(in_tmp, """\
        version: 0.2
        env:
          shell: bash
        phases:
          pre_build:
            commands:
              - GREETING=hello
              - mkdir -p sub && cd sub
          build:
            commands:
              - echo "$GREETING from $(basename "$PWD")"
        """)
    assert result.exit_code == 0, result.output
    assert "hello from sub" in lines_of(result, "build")


def test_commands_cannot_read_the_commands_that_follow(in_tmp: Path) -> None:
    result = build(in_tmp, """\
        version: 0.2
        phases:
          build:
            commands:
              - cat
              - read -r line || echo "stdin is empty"
              - echo still here
        """)
    assert result.exit_code == 0, result.output
    out = lines_of(result, "build")
    assert out.index("stdin is empty") < out.index("$ echo still here") < out.index("still here")


def test_output_without_a_final_newline_and_redirected_stdout(in_tmp: Path) -> None:
    result = build(in_tmp, """\
        version: 0.2
        phases:
          build:
            commands:
              - printf 'no newline'
              - exec 3>&1
              - exec > /dev/null
              - echo hidden
              - exec 1>&3
              - echo visible again
        """)
    assert result.exit_code == 0, result.output
    out = lines_of(result, "build")
    assert "no newline" in out
    assert "hidden" not in out
    assert "visible again" in out


def test_buildspec_variables_lose_to_env_option_and_codebuild_variables_are_set(
    in_tmp: Path,
) -> None:
    subprocess.run(["git", "init", "-q"], cwd=in_tmp, check=True)
    (in_tmp / "README").write_text("x")
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "add", "."],
                   cwd=in_tmp, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit",
                    "-q", "-m", "x"], cwd=in_tmp, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=in_tmp, capture_output=True,
                          text=True, check=True).stdout.strip()
    result = build(in_tmp, """\
        version: 0.2
        env:
          variables:
            FROM_FILE: file
            OVERRIDDEN: file
        phases:
          build:
            commands:
              - echo "vars $FROM_FILE $OVERRIDDEN"
              - echo "commit $CODEBUILD_RESOLVED_SOURCE_VERSION"
              - echo "src $CODEBUILD_SRC_DIR"
              - echo "succeeding $CODEBUILD_BUILD_SUCCEEDING"
              - echo "region $AWS_DEFAULT_REGION $AWS_REGION"
              - echo "id $CODEBUILD_BUILD_ID"
        """, "--env", "OVERRIDDEN=cli", global_args=("--region", "eu-west-2"))
    assert result.exit_code == 0, result.output
    out = lines_of(result, "build")
    assert "vars file cli" in out
    assert f"commit {head}" in out
    assert f"src {in_tmp.resolve()}" in out
    assert "succeeding 1" in out
    assert "region eu-west-2 eu-west-2" in out
    assert any(line.startswith("id local:") for line in out)


def test_no_git_checkout_means_an_empty_source_version(in_tmp: Path) -> None:
    result = build(in_tmp, """\
        version: 0.2
        phases:
          build:
            commands:
              - echo "commit [${CODEBUILD_RESOLVED_SOURCE_VERSION}]"
        """)
    assert result.exit_code == 0, result.output
    assert "commit []" in lines_of(result, "build")


def test_post_build_runs_after_a_failed_build_and_knows_it_failed(in_tmp: Path) -> None:
    result = build(in_tmp, """\
        version: 0.2
        phases:
          build:
            commands:
              - echo compiling
              - "false"
              - echo never
          post_build:
            commands:
              - echo "succeeding=$CODEBUILD_BUILD_SUCCEEDING"
        """)
    assert result.exit_code == 1
    assert "never" not in lines_of(result, "build")
    assert "succeeding=0" in lines_of(result, "post_build")
    assert "failed in phase build: `false` (buildspec.yml:6) exited with status 1" in (
        result.stderr)


def test_on_failure_abort_skips_the_phases_after(in_tmp: Path) -> None:
    result = build(in_tmp, """\
        version: 0.2
        phases:
          build:
            on-failure: ABORT
            commands:
              - exit_code_seven() { return 7; }; exit_code_seven
          post_build:
            commands:
              - echo should not run
        """)
    assert result.exit_code == 1
    assert "skipped: build failed" in lines_of(result, "post_build")
    assert "should not run" not in result.stdout
    assert "exited with status 7" in result.stderr


@pytest.mark.parametrize("phase", ["install", "pre_build"])
def test_install_and_pre_build_failures_stop_the_build(in_tmp: Path, phase: str) -> None:
    result = build(in_tmp, f"""\
        version: 0.2
        phases:
          {phase}:
            commands:
              - echo broken >&2; false
          build:
            commands:
              - echo should not run
        """)
    assert result.exit_code == 1
    assert "broken" in lines_of(result, phase)
    assert f"skipped: {phase} failed" in lines_of(result, "build")
    assert f"failed in phase {phase}" in result.stderr


def test_on_failure_continue_goes_on_but_the_build_still_fails(in_tmp: Path) -> None:
    result = build(in_tmp, """\
        version: 0.2
        phases:
          pre_build:
            on-failure: CONTINUE
            commands:
              - "false"
          build:
            commands:
              - echo "build ran, succeeding=$CODEBUILD_BUILD_SUCCEEDING"
        """)
    assert result.exit_code == 1
    assert "build ran, succeeding=0" in lines_of(result, "build")
    assert "failed in phase pre_build" in result.stderr


def test_finally_runs_after_a_failure_and_its_own_failure_fails_the_phase(in_tmp: Path) -> None:
    result = build(in_tmp, """\
        version: 0.2
        phases:
          build:
            commands:
              - echo working
            finally:
              - echo cleaning up
              - "false"
              - echo not reached
          post_build:
            commands:
              - "false"
            finally:
              - echo post cleanup
        """)
    assert result.exit_code == 1
    build_lines = lines_of(result, "build")
    assert "cleaning up" in build_lines
    assert "not reached" not in build_lines
    assert "post cleanup" in lines_of(result, "post_build")
    assert "failed in phase build" in result.stderr  # the first failure is the one named


def test_a_syntax_error_fails_its_command_and_the_shell_lives_on(in_tmp: Path) -> None:
    result = build(in_tmp, """\
        version: 0.2
        env:
          shell: bash
        phases:
          build:
            commands:
              - KEPT=yes
              - echo "unterminated
          post_build:
            commands:
              - echo "kept=$KEPT"
        """)
    assert result.exit_code == 1
    assert "kept=yes" in lines_of(result, "post_build")
    assert "failed in phase build" in result.stderr


def test_a_command_that_exits_the_shell_fails_and_later_phases_get_a_new_one(
    in_tmp: Path,
) -> None:
    result = build(in_tmp, """\
        version: 0.2
        phases:
          build:
            commands:
              - LOST=value
              - exit 3
          post_build:
            commands:
              - echo "post_build runs, lost=[${LOST:-}]"
        """)
    assert result.exit_code == 1
    assert "post_build runs, lost=[]" in lines_of(result, "post_build")
    assert "exited with status 3" in result.stderr
    assert "ended the shell" in result.stderr


def test_background_jobs_do_not_keep_the_build_running(in_tmp: Path) -> None:
    started = time.monotonic()
    result = build(in_tmp, """\
        version: 0.2
        phases:
          build:
            commands:
              - sleep 30 &
              - echo done
        """)
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 10


def test_missing_artifacts_fail_the_build_and_globs_match(in_tmp: Path) -> None:
    spec = """\
        version: 0.2
        phases:
          build:
            commands:
              - mkdir -p out/deep && echo 1 > out/a.txt && echo 2 > out/deep/b.txt
        artifacts:
          files:
            - out/**/*
            - {extra}
        """
    result = build(in_tmp, spec.format(extra="report.xml"))
    assert result.exit_code == 1
    assert "no file matches report.xml" in lines_of(result, "upload_artifacts")
    assert "failed in phase upload_artifacts" in result.stderr

    result = build(in_tmp, spec.format(extra="out/a.txt"))
    assert result.exit_code == 0, result.output
    found = lines_of(result, "upload_artifacts")
    assert "artifact out/a.txt" in found
    assert "artifact out/deep/b.txt" in found


def test_parameter_store_variables_are_named_when_not_given(in_tmp: Path) -> None:
    result = build(in_tmp, """\
        version: 0.2
        env:
          parameter-store:
            API_TOKEN: /hello/token
        phases:
          build:
            commands:
              - echo "token set=${API_TOKEN:+yes}"
        """)
    assert result.exit_code == 0, result.output
    assert "API_TOKEN (env.parameter-store) is fetched from AWS" in result.stderr
    assert "--env API_TOKEN=VALUE" in result.stderr

    result = build(in_tmp, (in_tmp / "buildspec.yml").read_text(), "--env", "API_TOKEN=s3cret")
    assert "token set=yes" in lines_of(result, "build")
    assert "s3cret" not in result.output


def test_json_output_of_a_failed_build(in_tmp: Path) -> None:
    result = build(in_tmp, """\
        version: 0.2
        phases:
          build:
            commands:
              - echo out
              - exit_with() { return "$1"; }; exit_with 4
        """, "-o", "json")
    assert result.exit_code == 1
    # JSON lines, one object a line to the end: the error object included.
    events = [json.loads(line) for line in result.stdout.splitlines()]
    finished = next(e for e in events if e.get("event") == "build_finished")
    assert finished["succeeded"] is False
    assert finished["failed_phase"] == "build"
    assert finished["exit_code"] == 4
    assert finished["failed_line"] == 6
    assert events[-1]["ok"] is False and events[-1]["exit_code"] == 1


@pytest.mark.parametrize(
    ("buildspec", "expected"),
    [
        ("version: 0.3\nphases:\n  build:\n    commands:\n      - echo\n",
         "buildspec.yml:1:10: version: expected 0.1 or 0.2; got a number 0.3"),
        ("version: 0.2\nphases:\n  build:\n    commands:\n      - echo key: value\n",
         "buildspec.yml:5:9: phases.build.commands[0]: this command reads as a YAML mapping"),
        ("version: 0.2\nphases:\n  biuld:\n    commands:\n      - echo\n",
         "buildspec.yml:3:3: phases.biuld: unknown phase 'biuld'"),
        ("version: 0.2\nphases:\n  build:\n    on-failure: STOP\n    commands: [echo]\n",
         "buildspec.yml:4:17: phases.build.on-failure: expected ABORT, CONTINUE, RETRY"),
        ("version: 0.2\nenv:\n  shell: powershell.exe\nphases: {}\n",
         "buildspec.yml:3:10: env.shell: shell 'powershell.exe' is not a Linux build shell"),
        ("version: 0.2\nphases:\n  build:\n    commands: echo hi\n",
         "buildspec.yml:4:15: phases.build.commands: expected a list of commands"),
        ("version: 0.2\nphases:\n  build: [\n", "buildspec.yml:4:1: invalid YAML"),
    ],
)
def test_an_invalid_buildspec_is_exit_2_with_file_line_and_field(
    in_tmp: Path, buildspec: str, expected: str
) -> None:
    (in_tmp / "buildspec.yml").write_text(buildspec)
    result = run_cli(["build", "--local"])
    assert result.exit_code == 2, result.output
    assert f"error: {expected}" in result.stderr
    assert "Traceback" not in result.output
    assert "phase started" not in result.stdout


def test_a_missing_buildspec_is_exit_2(in_tmp: Path) -> None:
    result = run_cli(["build", "--local", "--buildspec", "ci/buildspec.yml"])
    assert result.exit_code == 2
    assert "ci/buildspec.yml: buildspec not found" in result.stderr


def test_build_without_local_and_a_bad_env_option_are_usage_errors(in_tmp: Path) -> None:
    result = run_cli(["build"])
    assert result.exit_code == 2
    assert "add --local" in result.stderr
    result = run_cli(["build", "--local", "--env", "NOEQUALS"])
    assert result.exit_code == 2
    assert "--env 'NOEQUALS' is not NAME=VALUE" in result.stderr


def test_source_dir_and_a_buildspec_elsewhere(tmp_path: Path, in_tmp: Path) -> None:
    source = tmp_path / "project"
    source.mkdir()
    (source / "marker.txt").write_text("here\n")
    (in_tmp / "ci.yml").write_text("version: 0.2\nphases:\n  build:\n    commands:\n"
                                    "      - cat marker.txt\n")
    result = run_cli(["build", "--local", "--source-dir", str(source), "--buildspec", "ci.yml"])
    assert result.exit_code == 0, result.output
    assert "[build] here" in result.stdout


def test_ctrl_c_ends_the_build_and_what_it_runs(tmp_path: Path) -> None:
    (tmp_path / "buildspec.yml").write_text(
        "version: 0.2\nphases:\n  build:\n    commands:\n"
        "      - sh -c 'echo $$ > child.pid; exec sleep 30' &\n"
        "      - while [ ! -s child.pid ]; do sleep 0.05; done; echo started; sleep 30\n"
    )
    env = dict(os.environ)
    env.pop("AWS_REGION", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "pipectl", "build", "--local"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.strip() == "[build] started":
                break
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 130
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    child = int((tmp_path / "child.pid").read_text())
    deadline = time.monotonic() + 5
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(child), "the build's background job outlived pipectl"


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status
