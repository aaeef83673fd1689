"""The AWS calls a plan step will make, as data.

Planners do not call AWS to change anything: ``create``, ``update`` and ``delete`` return
the requests they would send, and the executor sends them. So ``plan -v`` can list exactly
what ``create`` will do, and tests can compare requests with botocore's model without an
endpoint. The few calls whose parameters are only known when the step runs (the objects
to empty out of a bucket, the policies to detach from a role, the ARN a registration
returns) are data too: an :class:`Each` names the listing read whose answer they come
from, a :class:`FromAnswer` the earlier answer a value is taken from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipectl.plan.masking import masked_document


@dataclass(frozen=True)
class FromAnswer:
    """A parameter value taken from the answer of an earlier request of the same step."""

    operation: str
    path: tuple[str, ...]

    def pick(self, answer: Mapping[str, Any]) -> Any:
        value: Any = answer
        for key in self.path:
            value = value[key]
        return value

    def __str__(self) -> str:
        return f"<{'.'.join(self.path)} from {self.operation}>"


@dataclass(frozen=True)
class Request:
    """One AWS call: ``service:operation`` with botocore's parameter names."""

    service: str
    operation: str
    #: What the call is about, for errors ("codebuild:CreateProject on demo-build: ...").
    resource: str
    params: Mapping[str, Any] = field(default_factory=dict)
    #: The create of the resource itself: when AWS says it exists already (a re-run after
    #: Ctrl-C, a race), the executor converges it instead, and skips the step's other
    #: requests (the update that converges it sends what they would have).
    creates: bool = False
    #: A role the call hands to an AWS service: retried while IAM has not yet made a new
    #: role usable by that service (eventual consistency), for a bounded time.
    role: str | None = None
    #: Error codes that mean "not yet" (a cluster whose tasks are still draining): retried
    #: with backoff for ``retry_seconds``.
    retry_codes: frozenset[str] = frozenset()
    retry_seconds: float = 0.0
    #: Error codes that deserve pipectl's own words: code -> (message, hint).
    explain: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.service}:{self.operation}"

    def to_dict(self) -> dict[str, Any]:
        """For ``plan -v``: the call and its parameters, secret-looking values hidden."""
        return {"call": self.name, "params": masked_document(_substituted(self.params, str))}

    def resolved(self, answers: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """The parameters with every :class:`FromAnswer` replaced by its value."""
        return dict(_substituted(self.params,
                                 lambda ref: ref.pick(answers[ref.operation])))


@dataclass(frozen=True)
class Each:
    """Requests made for each page of a listing read when the step runs.

    Used where what to send is only known then: the object versions to delete before a
    bucket can go, the policies to remove before a role can. ``doing`` says what ``then``
    sends, for ``plan -v`` (which cannot call it without reading).
    """

    listing: Request
    then: Callable[[Mapping[str, Any]], Sequence[Request]]
    doing: str

    def to_dict(self) -> dict[str, Any]:
        return {**self.listing.to_dict(), "then": self.doing}


Instruction = Request | Each
Requests = list[Instruction]


def _substituted(value: Any, replace: Callable[[FromAnswer], Any]) -> Any:
    """``value`` with each :class:`FromAnswer` in it replaced: by its answer's value when
    sending, by its name for ``plan -v`` (an answer not yet had)."""
    if isinstance(value, FromAnswer):
        return replace(value)
    if isinstance(value, Mapping):
        return {k: _substituted(v, replace) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_substituted(v, replace) for v in value]
    return value
