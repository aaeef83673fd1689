"""The task definition import writes is RegisterTaskDefinition's input, by botocore's model."""

from __future__ import annotations

from pipectl.adopt.translate import task_definition_document
from pipectl.resources.ecs import DESCRIBE_ONLY_KEYS


def test_every_member_only_describe_returns_is_dropped() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("ecs")
    described = set(model.shape_for("TaskDefinition").members)
    registered = set(model.operation_model("RegisterTaskDefinition").input_shape.members)
    assert described - registered <= DESCRIBE_ONLY_KEYS
    full = {member: "x" for member in described}
    assert set(task_definition_document(full)) == described & registered
    assert task_definition_document({**full, "tags": [{"key": "a", "value": "b"}],
                                     "volumes": None})["family"] == "x"
