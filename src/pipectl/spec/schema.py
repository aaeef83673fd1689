"""The JSON Schema of the spec, for editors (the YAML language server) and tooling."""

from __future__ import annotations

from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# A `${VAR}` / `${VAR:-default}` reference, which pipectl expands before validation.
VARIABLE_PATTERN = r"\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}"


def spec_json_schema() -> dict[str, Any]:
    """The schema of ``pipeline.yml``, generated from the model that validates it."""
    from pipectl.spec.model import Spec

    schema = Spec.model_json_schema()
    _allow_variables(schema)
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "pipectl pipeline spec",
        "description": "config/pipeline.yml of pipectl: one pipeline from source through "
                       "CodeBuild to ECS. ${VAR} and ${VAR:-default} are read from the "
                       "environment.",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def _allow_variables(node: Any) -> None:
    """Let numbers, booleans and enum values be written as ``${VAR:-default}`` too.

    pipectl expands variables before validation, so ``port: ${PORT:-80}`` is valid; an
    editor reading the plain schema would flag it.
    """
    if isinstance(node, list):
        for item in node:
            _allow_variables(item)
        return
    if not isinstance(node, dict):
        return
    for value in node.values():
        _allow_variables(value)
    if node.get("type") in ("integer", "number", "boolean") or "enum" in node:
        alternative = {"type": "string", "pattern": VARIABLE_PATTERN}
        original = {k: node.pop(k) for k in list(node)
                    if k not in ("title", "description", "default")}
        node["anyOf"] = [original, alternative]
