"""A new role not yet assumable is retried with backoff for a bounded time, then a clear error."""

from __future__ import annotations

import pytest

from pipectl.errors import AwsError
from pipectl.plan.retry import when_role_assumable


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def refusal() -> AwsError:
    return AwsError("codebuild:CreateProject on p failed: InvalidInputException: CodeBuild is "
                    "not authorized to perform: sts:AssumeRole on arn:aws:iam::1:role/r",
                    code="InvalidInputException")


def test_retries_until_the_role_is_assumable() -> None:
    time = FakeTime()
    failures = [refusal(), refusal()]

    def create() -> str:
        if failures:
            raise failures.pop()
        return "created"

    assert when_role_assumable(create, operation="codebuild:CreateProject", resource="p",
                               role="r", clock=time.clock, sleep=time.sleep) == "created"
    assert time.sleeps == [2.0, 4.0]


def test_gives_up_after_the_budget_with_a_clear_error() -> None:
    time = FakeTime()

    def create() -> None:
        raise refusal()

    with pytest.raises(AwsError) as caught:
        when_role_assumable(create, operation="codepipeline:CreatePipeline", resource="p",
                            role="arn:aws:iam::1:role/r", clock=time.clock, sleep=time.sleep,
                            budget=60)
    assert "still refuses to assume role arn:aws:iam::1:role/r after 60 s" in caught.value.message
    assert caught.value.operation == "codepipeline:CreatePipeline"
    assert "re-run" in (caught.value.hint or "")
    assert sum(time.sleeps) <= 60
    assert time.sleeps[:4] == [2.0, 4.0, 8.0, 15.0]


def test_other_errors_are_not_retried() -> None:
    time = FakeTime()

    def create() -> None:
        raise AwsError("bad compute type", code="InvalidInputException")

    with pytest.raises(AwsError, match="bad compute type"):
        when_role_assumable(create, operation="op", resource="p", role="r",
                            clock=time.clock, sleep=time.sleep)
    assert time.sleeps == []
