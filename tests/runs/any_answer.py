"""Random answers that botocore's service models allow, for any operation pipectl calls.

:func:`output_strategy` turns an operation's output shape into a hypothesis strategy:
every optional member may be absent, lists and maps may be empty, strings respect only
their length limits, enums may hold a value newer than pipectl (``FUTURE_VALUE``), numbers
stay within the model's range. Answers are bounded (members per answer, entries per
list, characters per string) so that hundreds of them are drawn in seconds.
:class:`AnyAnswerClients` makes real botocore clients whose every call is answered that
way (a ``before-call`` handler: nothing leaves the process), so the CLI runs unchanged
against them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timezone
from functools import cache
from typing import Any, ClassVar

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape
from hypothesis import strategies as st

#: An enum value AWS may add after this pipectl was written.
FUTURE_VALUE = "FUTURE_VALUE"
#: Members drawn per answer, at most: past it, optional members are left out and lists
#: and maps keep their minimum size. Answers stay small (and cheap to draw) however big
#: the shape, and any member can still be drawn: which optional members come first is
#: itself drawn.
MAX_MEMBERS = 40
#: A structure holds either at most MAX_OPTIONAL of its optional members or all of them;
#: lists and maps hold at most MAX_ENTRIES entries beyond their model minimum.
MAX_OPTIONAL = 6
MAX_ENTRIES = 2
MAX_STRING = 12
#: The names of the tests' spec and of the pipeline pipectl builds from it. Half the
#: strings are drawn from these, so that answers refer to one another as AWS's do (a
#: stage in GetPipelineState that GetPipeline declares, the spec's service in
#: DescribeServices): random text alone almost never lines up across answers, and the
#: code behind such a match would never be reached.
FAMILIAR_WORDS = ("hello-web", "Build")


def _is_token(name: str) -> bool:
    # A pagination token that is new on every call would make any reader page forever;
    # real ones end. Drawn from a small set, they repeat (or are absent) soon.
    return name.lower().endswith("token")


class _Budget:
    """How many more members one answer may hold."""

    def __init__(self) -> None:
        self.left = MAX_MEMBERS

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


class _Generator:
    """Draws one model-valid value of a shape; scalar strategies are built once per shape."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self.draw = draw
        self.budget = _Budget()

    def value(self, shape: Shape, ancestors: tuple[str, ...]) -> Any:
        if isinstance(shape, StructureShape):
            return self._structure(shape, ancestors)
        if isinstance(shape, ListShape):
            return [self.value(shape.member, (*ancestors, shape.name))
                    for _ in range(self._entries(shape, ancestors))]
        if isinstance(shape, MapShape):
            keys = {self.draw(_scalar(shape.key)) for _ in range(self._entries(shape, ancestors))}
            return {key: self.value(shape.value, (*ancestors, shape.name)) for key in keys}
        return self.draw(_scalar(shape))

    def _entries(self, shape: ListShape | MapShape, ancestors: tuple[str, ...]) -> int:
        low = int(shape.metadata.get("min", 0))
        # A recursive shape (one already on the path) only takes its minimum: drawing it
        # would not end.
        if self.budget.left <= 0 or shape.name in ancestors:
            return low
        return int(self.draw(st.integers(low, low + MAX_ENTRIES)))

    def _structure(self, shape: StructureShape, ancestors: tuple[str, ...]) -> dict[str, Any]:
        inside = (*ancestors, shape.name)
        required = set(shape.required_members)
        answer = {name: self._member(name, shape.members[name], inside)
                  for name in shape.members if name in required}
        if self.budget.left > 0 and shape.name not in ancestors:
            for name in self.draw(_optional_choice(shape)):
                if not self.budget.take():
                    break
                answer[name] = self._member(name, shape.members[name], inside)
        return answer

    def _member(self, name: str, member: Shape, ancestors: tuple[str, ...]) -> Any:
        if _is_token(name) and member.type_name == "string":
            return self.draw(_TOKENS)
        return self.value(member, ancestors)


_TOKENS = st.sampled_from(["page-2", "page-3"])


@cache
def _optional_choice(shape: StructureShape) -> st.SearchStrategy[list[str]]:
    names = [name for name in shape.members if name not in set(shape.required_members)]
    if not names:
        return st.just([])
    # A few, or all of them (as far as the budget goes, from a drawn first one): a path
    # several optional members deep (an action's latest execution's error details) is
    # then drawn often, not once in thousands of answers.
    return st.one_of(st.lists(st.sampled_from(names), unique=True,
                              max_size=min(MAX_OPTIONAL, len(names))),
                     st.integers(0, len(names) - 1).map(
                         lambda first: names[first:] + names[:first]))


@cache
def _scalar(shape: Shape) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind == "string":
        enum = shape.metadata.get("enum")
        if enum:
            return st.sampled_from([*enum, FUTURE_VALUE])
        low = int(shape.metadata.get("min", 0))
        high = max(low, min(int(shape.metadata.get("max", MAX_STRING)), MAX_STRING))
        text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126),
                       min_size=low, max_size=high)
        familiar = [word for word in FAMILIAR_WORDS
                    if low <= len(word) <= int(shape.metadata.get("max", len(word)))]
        return st.one_of(st.sampled_from(familiar), text) if familiar else text
    if kind in ("integer", "long"):
        low = shape.metadata.get("min", -(2**31) if kind == "integer" else -(2**40))
        high = shape.metadata.get("max", 2**31 - 1 if kind == "integer" else 2**40)
        return st.integers(min_value=int(low), max_value=int(high))
    if kind in ("float", "double"):
        return st.floats(allow_nan=False, allow_infinity=False, width=32)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1),
                            timezones=st.just(timezone.utc))
    if kind == "blob":
        return st.binary(max_size=8)
    return st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126),
                   max_size=MAX_STRING)


def shape_strategy(shape: Shape) -> st.SearchStrategy[Any]:
    """Any value of ``shape`` the model allows, within the size bounds above."""

    @st.composite
    def drawn(draw: Callable[[st.SearchStrategy[Any]], Any]) -> Any:
        return _Generator(draw).value(shape, ())

    return drawn()


def output_strategy(operation: OperationModel) -> st.SearchStrategy[dict[str, Any]]:
    shape = operation.output_shape
    if shape is None:
        return st.just({})
    return shape_strategy(shape)


class _Http:
    status_code = 200
    headers: ClassVar[dict[str, str]] = {}


class AnyAnswerClients:
    """botocore clients whose every call is answered with a drawn model-valid answer.

    Answers are drawn as the calls come (:meth:`prepare`), or all before the command
    runs for a command that reads in worker threads, where hypothesis cannot draw.
    """

    def __init__(self) -> None:
        import botocore.session

        self._session = botocore.session.get_session()
        self._clients: dict[str, Any] = {}
        self._strategies: dict[str, st.SearchStrategy[dict[str, Any]]] = {}
        self._answers: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.calls: list[str] = []
        self.unplanned: set[str] = set()
        self._draw: Callable[[st.SearchStrategy[Any]], Any] | None = None
        self._drawing_thread = 0
        self._planned: set[str] = set()

    def client(self, service: str) -> Any:
        if service not in self._clients:
            made = self._session.create_client(
                service, region_name="us-east-1", aws_access_key_id="testing",
                aws_secret_access_key="testing")
            made.meta.events.register("before-call", self._answer)
            self._clients[service] = made
        return self._clients[service]

    def prepare(self, draw: Callable[[st.SearchStrategy[Any]], Any],
                operations: list[str], *, threads: bool = False) -> None:
        """Answer each ``service:Operation`` with a drawn answer (the same one on every
        call). Drawn when first called, so a command that stops early costs fewer draws;
        a command that reads in worker threads (``threads``), where hypothesis cannot
        draw (nor keep the order of draws from one run to the next), has every answer
        drawn before it runs."""
        self.calls.clear()
        self._answers = {}
        self._draw = draw
        self._drawing_thread = threading.get_ident()
        self._planned = set(operations)
        for key in operations:
            if key not in self._strategies:
                service, name = key.split(":")
                model = self.client(_CLIENT_NAMES.get(service, service)).meta.service_model
                self._strategies[key] = output_strategy(model.operation_model(name))
            if threads:
                self._answers[key] = [draw(self._strategies[key])]

    def answer_with(self, answers: dict[str, list[dict[str, Any]]]) -> None:
        """Fixed answers instead of drawn ones."""
        self.calls.clear()
        self._planned = set()
        self._answers = {key: list(value) for key, value in answers.items()}

    def _answer(self, model: OperationModel, **_: Any) -> tuple[_Http, dict[str, Any]]:
        key = f"{model.service_model.endpoint_prefix}:{model.name}"
        with self._lock:
            self.calls.append(key)
            queue = self._answers.get(key)
            if not queue and key in self._planned and self._drawing_thread == (
                    threading.get_ident()) and self._draw is not None:
                queue = self._answers[key] = [self._draw(self._strategies[key])]
            if not queue:
                self.unplanned.add(key)
                return _Http(), {}
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return _Http(), answer


#: Endpoint prefixes whose client has another name.
_CLIENT_NAMES = {"elasticloadbalancing": "elbv2"}
