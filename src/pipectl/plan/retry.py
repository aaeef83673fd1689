"""Retry a call that fails only because AWS does not yet let a service assume a new role.

IAM is eventually consistent: right after CreateRole, CodeBuild, CodePipeline and ECS
may refuse the role for some seconds. Those refusals, and only those, are retried with
backoff for a bounded time; the clock and sleep are injected so tests need not wait.
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


def when_role_assumable(
    fn: Callable[[], T], *, operation: str, resource: str, role: str,
    clock: Callable[[], float], sleep: Callable[[float], None],
    budget: float = DEFAULT_BUDGET_SECONDS,
) -> T:
    """``fn()``, retried while AWS refuses to assume ``role``; then a clear error."""
    deadline = clock() + budget
    delay = FIRST_DELAY_SECONDS
    while True:
        try:
            return fn()
        except Exception as exc:
            if not is_role_not_ready(exc):
                raise
            if clock() + delay > deadline:
                raise AwsError(
                    f"{operation} on {resource}: AWS still refuses to assume role {role} "
                    f"after {budget:.0f} s",
                    operation=operation, resource=resource, code=code_of(exc),
                    hint="a new IAM role can take a minute to be usable; re-run the same "
                    "command to converge, and check the role's trust policy",
                ) from exc
            sleep(delay)
            delay = min(delay * 2, MAX_DELAY_SECONDS)
