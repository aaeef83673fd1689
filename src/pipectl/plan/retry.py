"""Retry, with backoff for a bounded time, what AWS answers "not yet".

IAM is eventually consistent: right after CreateRole, CodeBuild, CodePipeline and ECS
may refuse the role for some seconds. Those refusals, and only those, are retried; so
are the codes a request names (a cluster whose tasks still drain). The clock and sleep
are injected so tests need not wait.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from pipectl.errors import AwsError
from pipectl.plan.calls import code_of

T = TypeVar("T")

ROLE_REFUSAL_CODES = frozenset({
    "InvalidInputException",  # CodeBuild
    "InvalidStructureException",  # CodePipeline
    "ValidationException",
    "InvalidParameterException",  # ECS
    "AccessDeniedException",
})
ROLE_REFUSAL = re.compile(
    r"cannot be assumed|not authorized to perform:?\s*(sts:)?AssumeRole|unable to assume"
    r"|could not assume|AssumeRole",
    re.IGNORECASE,
)

DEFAULT_BUDGET_SECONDS = 120.0
FIRST_DELAY_SECONDS = 2.0
MAX_DELAY_SECONDS = 15.0


def is_role_not_ready(exc: BaseException) -> bool:
    message = getattr(exc, "message", None) or str(exc)
    return code_of(exc) in ROLE_REFUSAL_CODES and bool(ROLE_REFUSAL.search(message))


def with_backoff(
    fn: Callable[[], T], *, retry_if: Callable[[Exception], bool],
    clock: Callable[[], float], sleep: Callable[[float], None], budget: float,
    gave_up: Callable[[Exception], Exception] | None = None,
) -> T:
    """``fn()``, retried while it fails with what ``retry_if`` accepts, until ``budget``
    seconds would pass; then the last failure (or ``gave_up``'s error for it)."""
    deadline = clock() + budget
    delay = FIRST_DELAY_SECONDS
    while True:
        try:
            return fn()
        except Exception as exc:
            if not retry_if(exc):
                raise
            if clock() + delay > deadline:
                if gave_up is None:
                    raise
                raise gave_up(exc) from exc
        sleep(delay)
        delay = min(delay * 2, MAX_DELAY_SECONDS)


def when_role_assumable(
    fn: Callable[[], T], *, operation: str, resource: str, role: str,
    clock: Callable[[], float], sleep: Callable[[float], None],
    budget: float = DEFAULT_BUDGET_SECONDS,
) -> T:
    """``fn()``, retried while AWS refuses to assume ``role``; then a clear error."""
    def gave_up(exc: Exception) -> Exception:
        return AwsError(
            f"{operation} on {resource}: AWS still refuses to assume role {role} "
            f"after {budget:.0f} s",
            operation=operation, resource=resource, code=code_of(exc),
            hint="a new IAM role can take a minute to be usable; re-run the same "
            "command to converge, and check the role's trust policy",
        )

    return with_backoff(fn, retry_if=is_role_not_ready, clock=clock, sleep=sleep,
                        budget=budget, gave_up=gave_up)
