"""The sandbox's small shell, on the lines a Commands action holds: it must do what sh
does with them (the same lines run in a real sh in tests/resources/test_first_deploy.py)."""

from __future__ import annotations

import pytest

from pipectl.resources.first_deploy import scale_up_command
from pipectl.sandbox.shell import Shell


def recording(answers: dict[str, tuple[int, str, str]]) -> tuple[Shell, list[list[str]]]:
    calls: list[list[str]] = []

    def external(argv: list[str], env: dict[str, str]) -> tuple[int, str, str] | None:
        calls.append(argv)
        return answers.get(" ".join(argv[:3]))

    return Shell(external), calls


@pytest.mark.parametrize(("desired", "raised"), [("0", True), ("2", False)])
def test_the_scale_up_line_raises_only_a_service_at_zero(desired: str, raised: bool) -> None:
    shell, calls = recording({"aws ecs describe-services": (0, desired + "\n", ""),
                              "aws ecs update-service": (0, "3\n", "")})
    assert shell.run(scale_up_command("hello-cluster", "hello-web", 3)) == 0
    assert calls[0] == ["aws", "ecs", "describe-services", "--cluster", "hello-cluster",
                        "--services", "hello-web", "--query", "services[0].desiredCount",
                        "--output", "text"]
    assert [c[2] for c in calls[1:]] == (["update-service"] if raised else [])
    if raised:
        assert calls[1][calls[1].index("--desired-count") + 1] == "3"
        assert shell.stdout == ["3"]
    else:
        assert shell.stdout == ["ECS service hello-web wants 2 tasks: its desired count stays"]


def test_a_failed_substitution_fails_the_line_and_runs_nothing_after() -> None:
    shell, calls = recording({"aws ecs describe-services": (
        254, "", "An error occurred (AccessDeniedException) when calling the "
                 "DescribeServices operation: denied\n")})
    assert shell.run(scale_up_command("c", "s", 1)) == 254
    assert len(calls) == 1
    assert shell.stderr[-1].startswith("An error occurred (AccessDeniedException)")


def test_quotes_variables_and_operators() -> None:
    shell, _ = recording({})
    line = ("X='a  b'; Y=\"[$X]\"; echo $Y \"$Y\" ${X}; false || echo or; true && echo and; "
            "if [ \"$X\" != 'a  b' ]; then echo no; else echo yes; fi; echo $(echo in)side")
    assert shell.run(line) == 0
    assert shell.stdout == ["[a b] [a  b] a b", "or", "and", "yes", "inside"]


def test_what_it_cannot_run_fails_as_sh_would() -> None:
    shell, _ = recording({})
    assert shell.run("curl https://example.com") == 127
    assert shell.stderr == ["sh: 1: curl: not found"]
    for line in ("echo a | grep a", "echo a > file", "sleep 1 &"):
        shell.stderr.clear()
        assert shell.run(line) == 2
        assert "does not run" in shell.stderr[0]
