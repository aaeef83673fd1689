"""Random answers that botocore's service models allow, for any operation pipectl calls.

:func:`output_strategy` turns an operation's output shape into a hypothesis strategy:
every optional member may be absent, lists and maps may be empty, strings respect only
their length limits, enums may hold a value newer than pipectl (``FUTURE_VALUE``), numbers
stay within the model's range. :class:`AnyAnswerClients` makes real botocore clients
whose every call is answered that way (a ``before-call`` handler: nothing leaves the
process), so the CLI runs unchanged against them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, ClassVar

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape
from hypothesis import strategies as st

#: An enum value AWS may add after this pipectl was written.
FUTURE_VALUE = "FUTURE_VALUE"
#: Beyond this nesting, optional members are left out and lists stay short.
MAX_DEPTH = 5
_TEXT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=12)


def _is_token(name: str) -> bool:
    # A pagination token that is new on every call would make any reader page forever;
    # real ones end. Drawn from a small set, they repeat (or are absent) soon.
    return name.lower().endswith("token")


def shape_strategy(shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    if isinstance(shape, StructureShape):
        return _structure(shape, depth)
    if isinstance(shape, ListShape):
        return st.lists(shape_strategy(shape.member, depth + 1),
                        min_size=int(shape.metadata.get("min", 0)),
                        max_size=max(int(shape.metadata.get("min", 0)),
                                     2 if depth < MAX_DEPTH else 0))
    if isinstance(shape, MapShape):
        return st.dictionaries(_string(shape.key), shape_strategy(shape.value, depth + 1),
                               max_size=2 if depth < MAX_DEPTH else 0)
    return _scalar(shape)


def _structure(shape: StructureShape, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    required = set(shape.required_members)
    fixed: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for name, member in shape.members.items():
        if _is_token(name) and member.type_name == "string":
            strategy: st.SearchStrategy[Any] = st.sampled_from(["page-2", "page-3"])
        else:
            strategy = st.deferred(lambda m=member: shape_strategy(m, depth + 1))
        if name in required:
            fixed[name] = strategy
        elif depth < MAX_DEPTH:
            optional[name] = strategy
    return st.fixed_dictionaries(fixed, optional=optional)


def _string(shape: Shape) -> st.SearchStrategy[str]:
    enum = shape.metadata.get("enum")
    if enum:
        return st.sampled_from([*enum, FUTURE_VALUE])
    low = int(shape.metadata.get("min", 0))
    high = max(low, min(int(shape.metadata.get("max", 12)), 12))
    return st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126),
                   min_size=low, max_size=high)


def _scalar(shape: Shape) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind == "string":
        return _string(shape)
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
    return _TEXT


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

    Some commands read in worker threads, where hypothesis cannot draw: the answers are
    drawn before the command runs (:meth:`prepare`, a few per operation, used in turn).
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

    def client(self, service: str) -> Any:
        if service not in self._clients:
            made = self._session.create_client(
                service, region_name="us-east-1", aws_access_key_id="testing",
                aws_secret_access_key="testing")
            made.meta.events.register("before-call", self._answer)
            self._clients[service] = made
        return self._clients[service]

    def prepare(self, draw: Callable[[st.SearchStrategy[Any]], Any],
                operations: list[str], per_operation: int = 1) -> None:
        """Draw ``per_operation`` answers for each ``service:Operation``."""
        self.calls.clear()
        self._answers = {}
        for key in operations:
            service, name = key.split(":")
            model = self.client(_CLIENT_NAMES.get(service, service)).meta.service_model
            if key not in self._strategies:
                self._strategies[key] = output_strategy(model.operation_model(name))
            self._answers[key] = [draw(self._strategies[key]) for _ in range(per_operation)]

    def answer_with(self, answers: dict[str, list[dict[str, Any]]]) -> None:
        """Fixed answers instead of drawn ones."""
        self.calls.clear()
        self._answers = {key: list(value) for key, value in answers.items()}

    def _answer(self, model: OperationModel, **_: Any) -> tuple[_Http, dict[str, Any]]:
        key = f"{model.service_model.endpoint_prefix}:{model.name}"
        with self._lock:
            self.calls.append(key)
            queue = self._answers.get(key)
            if not queue:
                self.unplanned.add(key)
                return _Http(), {}
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return _Http(), answer


#: Endpoint prefixes whose client has another name.
_CLIENT_NAMES = {"elasticloadbalancing": "elbv2"}
