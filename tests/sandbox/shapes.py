"""Check a parsed response against botocore's output shape, as botocore's Stubber does,
plus the enums (the Stubber's validator does not check those)."""

from __future__ import annotations

from typing import Any


def assert_output_shape(client: Any, operation: str, response: dict[str, Any]) -> None:
    from botocore.validate import ParamValidator

    model = client.meta.service_model.operation_model(operation)
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    report = ParamValidator().validate(body, model.output_shape)
    assert not report.has_errors(), f"{operation}: {report.generate_report()}"
    problems: list[str] = []
    _check_enums(model.output_shape, body, operation, problems)
    assert not problems, "\n".join(problems)


def _check_enums(shape: Any, value: Any, path: str, problems: list[str]) -> None:
    if value is None:
        return
    kind = shape.type_name
    if kind == "structure":
        for name, member in shape.members.items():
            if isinstance(value, dict) and name in value:
                _check_enums(member, value[name], f"{path}.{name}", problems)
    elif kind == "list":
        for i, item in enumerate(value):
            _check_enums(shape.member, item, f"{path}[{i}]", problems)
    elif kind == "map":
        for key, item in value.items():
            _check_enums(shape.value, item, f"{path}[{key}]", problems)
    elif kind == "string" and shape.enum and value not in shape.enum:
        problems.append(f"{path}: {value!r} is not one of {shape.enum}")
