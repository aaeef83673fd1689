"""What every resource planner is: read, compare, create, update, delete one resource type."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pipectl.aws.session import AwsSession
from pipectl.plan.compare import diff_fields
from pipectl.plan.model import FieldDiff, Observed
from pipectl.plan.requests import Requests

if TYPE_CHECKING:
    from pipectl.resources.desired import DesiredState

D = TypeVar("D")


class Planner(ABC, Generic[D]):
    """One resource type. Subclasses stay small: read, fields, create, update, delete.

    ``read`` calls AWS (read-only); ``create``, ``update`` and ``delete`` do not: they
    return the requests that would make AWS match, and the executor sends them.
    """

    kind: ClassVar[str]
    title: ClassVar[str]
    #: Part of another resource (deleted with it): not listed by ``destroy``.
    sub_resource: ClassVar[bool] = False
    #: AWS error codes a create raises when the resource already exists (a re-run
    #: after Ctrl-C, or a race): the resource is then converged instead.
    exists_codes: ClassVar[frozenset[str]] = frozenset()
    #: Its targets are what the spec says must no longer be there: the plan deletes one
    #: that exists and carries pipectl's tag, and says nothing of one that does not.
    retired: ClassVar[bool] = False
    #: Why the plan deletes a retired resource.
    retired_note: ClassVar[str] = ""

    @abstractmethod
    def targets(self, state: DesiredState) -> list[D]: ...

    def name(self, desired: D) -> str:
        return str(getattr(desired, "name"))  # noqa: B009 - every model has a name

    @abstractmethod
    def read(self, aws: AwsSession, desired: D) -> Observed | None:
        """Read-only calls only, at most two."""

    @abstractmethod
    def fields(self, desired: D) -> dict[str, Any]:
        """The desired comparable fields, in the same canonical form ``read`` returns."""

    def compare(self, desired: D, observed: Observed) -> list[FieldDiff]:
        want = self.fields(desired)
        have = dict(observed.fields)
        if "tags" in want:
            # Only pipectl's tags are compared: tags others add are left alone.
            have["tags"] = {k: v for k, v in observed.tags.items() if k in want["tags"]}
        return diff_fields(want, have)

    @abstractmethod
    def create(self, desired: D) -> Requests:
        """The requests that create the resource; mark the create itself ``creates``."""

    @abstractmethod
    def update(self, desired: D, observed: Observed, diffs: list[FieldDiff]) -> Requests:
        """The requests that remove ``diffs``."""

    def warning(self, aws: AwsSession, desired: D) -> str:
        """What ``plan`` must add to the step's note from AWS's other resources, whatever
        the step does (read-only calls; most planners have nothing to add and call none)."""
        return ""

    def create_note(self, desired: D) -> str:
        """What ``plan`` says beside a resource it will create (its fields show no diff)."""
        return ""

    def already_exists(self, exc: BaseException) -> bool:
        from pipectl.plan.calls import code_of

        return code_of(exc) in self.exists_codes

    def adoptable(self, desired: D, observed: Observed) -> bool:
        """Whether an existing resource without pipectl's tag is someone else's, so that
        pipectl adopts it (tags it as adopted) rather than claiming it as its own."""
        return True

    # --- destroy -------------------------------------------------------------------
    def holds_data(self, aws: AwsSession, desired: D, observed: Observed) -> str | None:
        """Why deleting would lose data (``destroy`` keeps it without --force)."""
        return None

    def delete(self, desired: D, observed: Observed) -> Requests:
        raise NotImplementedError(f"{self.kind} is deleted with its parent")


def changed(diffs: list[FieldDiff], *prefixes: str) -> bool:
    """Whether any diff is about a field under one of ``prefixes``."""
    return any(d.field == p or d.field.startswith(p + ".") for d in diffs for p in prefixes)
