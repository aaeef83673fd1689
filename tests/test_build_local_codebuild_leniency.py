"""`pipectl build --local` reads buildspecs with the same rules as validate and the sandbox:
version 0.1 (a shell per command), comment-only items, on-failure RETRY."""

from __future__ import annotations

from pathlib import Path

from tests.test_build_local_runner import build, lines_of


def test_version_0_1_runs_each_command_in_a_new_shell(in_tmp: Path) -> None:
    result = build(in_tmp, """\
        version: 0.1
        phases:
          build:
            commands:
              - GREETING=hello
              - mkdir -p sub && cd sub
              - echo "[$GREETING] in $(basename "$PWD")"
        """)
    assert result.exit_code == 0, result.output
    assert f"[] in {in_tmp.name}" in lines_of(result, "build")
    assert "version 0.1 runs each command in a shell of its own" in result.stderr


def test_a_comment_only_item_is_skipped_with_a_note(in_tmp: Path) -> None:
    result = build(in_tmp, """\
        version: 0.2
        phases:
          build:
            commands:
              - # say hello
              - echo hello
        """)
    assert result.exit_code == 0, result.output
    assert lines_of(result, "build")[1:3] == ["$ echo hello", "hello"]
    assert "buildspec.yml:5:" in result.stderr and "an empty command" in result.stderr


def test_on_failure_retry_runs_the_phase_again_then_ends_the_build(in_tmp: Path) -> None:
    result = build(in_tmp, """\
        version: 0.2
        phases:
          pre_build:
            on-failure: RETRY-2
            commands:
              - echo attempt >> attempts.txt
              - "[ $(wc -l < attempts.txt) -ge 3 ]"
          build:
            commands:
              - echo built
        """)
    assert result.exit_code == 0, result.output
    assert (in_tmp / "attempts.txt").read_text().count("attempt") == 3
    assert "built" in lines_of(result, "build")


def test_on_failure_retry_only_when_the_output_matches(in_tmp: Path) -> None:
    result = build(in_tmp, """\
        version: 0.2
        phases:
          pre_build:
            on-failure: RETRY-3-connection reset
            commands:
              - echo attempt >> attempts.txt
              - echo "permission denied" && false
          build:
            commands:
              - echo built
        """)
    assert result.exit_code == 1
    assert (in_tmp / "attempts.txt").read_text().count("attempt") == 1
    assert lines_of(result, "build") == ["skipped: pre_build failed"]


def test_on_failure_retry_over_100_is_refused_as_validate_refuses_it(in_tmp: Path) -> None:
    result = build(in_tmp, """\
        version: 0.2
        phases:
          build:
            on-failure: RETRY-101
            commands: [echo]
        """)
    assert result.exit_code == 2
    assert "phases.build.on-failure: expected ABORT, CONTINUE, RETRY" in result.stderr


def test_phases_without_commands_run_as_in_codebuild(in_tmp: Path) -> None:
    # CodeBuild runs such a build (and does nothing); only validate, which checks a
    # buildspec for a pipeline that needs an image from it, calls it an error.
    result = build(in_tmp, """\
        version: 0.2
        phases:
          build: {}
        """)
    assert result.exit_code == 0, result.output
    assert "build succeeded" in result.stdout
