"""Apply a plan in dependency order, yielding an event before and after every change.

The planners said which requests each step needs (``Step.requests``); this module sends
them: it waits while IAM makes a new role usable, retries what AWS answers "not yet",
turns failures reported in an answer's body into errors, and converges a resource that a
create finds already there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pipectl.aws.session import AwsSession
from pipectl.errors import AwsError
from pipectl.plan.answers import refusal_in
from pipectl.plan.base import Planner
from pipectl.plan.calls import call, code_of, named
from pipectl.plan.model import Plan, Step
from pipectl.plan.registry import planner_for
from pipectl.plan.requests import Each, Instruction, Request
from pipectl.plan.retry import DEFAULT_BUDGET_SECONDS, when_role_assumable, with_backoff


@dataclass
class ApplyContext:
    """What applying needs besides the plan: the AWS session and (injected) time."""

    aws: AwsSession
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    role_wait_seconds: float = DEFAULT_BUDGET_SECONDS


@dataclass(frozen=True)
class Progress:
    step: Step
    done: bool  # False: about to start; True: finished
    seconds: float = 0.0


def apply_plan(plan: Plan, ctx: ApplyContext) -> Iterator[Progress]:
    """Send every pending step's requests, in order.

    Stopping half-way (an error, Ctrl-C) leaves a state the next plan reads as it is:
    re-running converges, and creates treat "already exists" as "converge it".
    """
    for step in plan.steps:
        if not step.changes:
            continue
        yield Progress(step, done=False)
        started = ctx.clock()
        apply_requests(ctx, planner_for(step.kind), step.desired, step.requests)
        yield Progress(step, done=True, seconds=ctx.clock() - started)


def apply_requests(ctx: ApplyContext, planner: Planner[Any], desired: Any,
                   requests: Iterable[Instruction]) -> None:
    """Send one step's requests in order; answers feed the later requests that use them."""
    answers: dict[str, Mapping[str, Any]] = {}
    for instruction in requests:
        if isinstance(instruction, Each):
            for page in _pages(ctx.aws, instruction.listing):
                for request in instruction.then(page):
                    send(ctx, request, answers)
            continue
        try:
            send(ctx, instruction, answers)
        except AwsError as exc:
            if not (instruction.creates and planner.already_exists(exc)):
                raise
            _converge(ctx, planner, desired, exc)
            return


def send(ctx: ApplyContext, request: Request,
         answers: dict[str, Mapping[str, Any]]) -> None:
    """One request, with its retries; its answer is kept in ``answers`` by operation."""
    params = request.resolved(answers)

    def once() -> Any:
        return call(ctx.aws, request.service, request.operation, request.resource, **params)

    try:
        if request.role:
            answer = when_role_assumable(
                once, operation=request.name, resource=request.resource, role=request.role,
                clock=ctx.clock, sleep=ctx.sleep, budget=ctx.role_wait_seconds)
        elif request.retry_codes:
            answer = with_backoff(once, retry_if=lambda exc: code_of(exc) in request.retry_codes,
                                  clock=ctx.clock, sleep=ctx.sleep,
                                  budget=request.retry_seconds)
        else:
            answer = once()
    except AwsError as exc:
        if exc.code and exc.code in request.explain:
            message, hint = request.explain[exc.code]
            raise AwsError(message, operation=request.name, resource=request.resource,
                           code=exc.code, hint=hint) from exc
        raise
    refused = refusal_in(request, answer)
    if refused is not None:
        raise refused
    answers[request.operation] = answer


def _converge(ctx: ApplyContext, planner: Planner[Any], desired: Any, exc: AwsError) -> None:
    """A create found the resource there already: make it what the spec says instead."""
    observed = planner.read(ctx.aws, desired)
    if observed is None:
        raise exc
    diffs = planner.compare(desired, observed)
    if diffs:
        apply_requests(ctx, planner, desired, planner.update(desired, observed, diffs))


def _pages(aws: AwsSession, listing: Request) -> Iterator[Mapping[str, Any]]:
    """Every page of a listing: through botocore's paginator where it has one."""
    from botocore import xform_name

    client = aws.client(listing.service)
    method = xform_name(listing.operation)
    if not client.can_paginate(method):
        yield call(aws, listing.service, listing.operation, listing.resource,
                   **listing.params)
        return
    pages = client.get_paginator(method).paginate(**listing.params)
    yield from named(pages, listing.name, listing.resource)
