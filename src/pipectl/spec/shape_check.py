"""Check plain data against a request shape of a botocore service model.

The same rules botocore's client applies before sending a request (types, required
members, lengths, ranges), plus what the client leaves to the service: unknown keys
(the client rejects them too, but without a suggestion) and enum values. An enum in a
model can list less than the service takes (``extra_enum_values`` adds what it omits, per
shape). Findings point at the line of the offending key or value through a
:class:`SourceMap`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from pipectl.errors import Finding, Location
from pipectl.spec.yaml_source import FieldPath, SourceMap, dotted_path

_TYPE_NAMES = {
    "structure": "an object", "map": "an object", "list": "a list", "string": "a string",
    "integer": "an integer", "long": "an integer", "boolean": "true or false",
    "double": "a number", "float": "a number", "timestamp": "a timestamp", "blob": "a string",
}


def kind_of(value: Any) -> str:
    """What a value is, never what it says: ``a string``, ``a number``, ``a list``."""
    if value is None:
        return "null"
    for kind, name in ((bool, "a boolean"), (int, "a number"), (float, "a number"),
                       (str, "a string"), (list, "a list"), (dict, "a mapping")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def describe(value: Any) -> str:
    """How a JSON/YAML value reads to a person: ``a number 256``, ``a list``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean {'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"a number {value}"
    if isinstance(value, str):
        return f"a string {value!r}" if len(value) <= 40 else "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def suggest(word: str, choices: list[str]) -> str | None:
    """The closest choice to a misspelt ``word``, trying case-insensitive equality first."""
    for choice in choices:
        if choice.lower() == word.lower():
            return choice
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


class ShapeChecker:
    """Collects findings for one document checked against one service model."""

    def __init__(
        self,
        shapes: Mapping[str, Any],
        source: SourceMap,
        *,
        unknown_key_hints: Mapping[str, str] | None = None,
        extra_enum_values: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.shapes = shapes
        self.source = source
        self.unknown_key_hints = unknown_key_hints or {}
        self.extra_enum_values = extra_enum_values or {}
        self.findings: list[Finding] = []

    def check(self, shape_name: str, value: Any, path: FieldPath = ()) -> list[Finding]:
        self._check(shape_name, value, path)
        return self.findings

    def _add(self, severity: str, path: FieldPath, message: str, hint: str | None, code: str,
             *, at_key: bool = False) -> None:
        location = self.source.locate(path, prefer_key=at_key)
        self.findings.append(Finding(severity, message, location, hint=hint, code=code))

    def _check(self, shape_name: str, value: Any, path: FieldPath) -> None:
        shape = self.shapes[shape_name]
        kind = shape["type"]
        if not _has_type(kind, value):
            hint = None
            if kind == "string" and isinstance(value, int | float) and not isinstance(value, bool):
                hint = f'the API takes this as a string: write "{value}"'
            elif kind in ("integer", "long") and isinstance(value, str) and value.isdigit():
                hint = f"write the number without quotes: {value}"
            elif kind == "list" and not isinstance(value, list):
                hint = "wrap it in [ ]"
            self._add("error", path, f"expected {_TYPE_NAMES.get(kind, kind)}; got "
                      f"{describe(value)}", hint, "wrong-type")
            return
        if kind == "structure":
            self._structure(shape, value, path)
        elif kind == "list":
            self._length(shape, len(value), path, "items")
            for i, item in enumerate(value):
                self._check(shape["member"]["shape"], item, (*path, i))
        elif kind == "map":
            self._length(shape, len(value), path, "entries")
            for key, item in value.items():
                self._check(shape["key"]["shape"], key, (*path, key))
                self._check(shape["value"]["shape"], item, (*path, key))
        elif kind == "string":
            self._string(shape_name, shape, value, path)
        elif kind in ("integer", "long", "double", "float"):
            if "min" in shape and value < shape["min"]:
                self._add("error", path, f"must be at least {shape['min']}; got {value}", None,
                          "out-of-range")
            if "max" in shape and value > shape["max"]:
                self._add("error", path, f"must be at most {shape['max']}; got {value}", None,
                          "out-of-range")

    def _structure(self, shape: Mapping[str, Any], value: dict[str, Any], path: FieldPath) -> None:
        members: Mapping[str, Any] = shape.get("members", {})
        for key, item in value.items():
            child = (*path, key)
            member = members.get(key)
            if member is None:
                self._unknown_key(key, list(members), child)
                continue
            if member.get("deprecated") or self.shapes[member["shape"]].get("deprecated"):
                note = member.get("deprecatedMessage") or "AWS has deprecated it"
                self._add("warning", child, f"'{key}' is deprecated: {note}",
                          f"remove `{key}`", "deprecated", at_key=True)
            self._check(member["shape"], item, child)
        for required in shape.get("required", []):
            if required not in value:
                where = dotted_path(path)
                location = self.source.locate(path, prefer_key=True)
                self.findings.append(Finding(
                    "error", f"required field '{required}' is missing",
                    Location(location.file, location.line, location.column,
                             dotted_path((*path, required))),
                    hint=f"add \"{required}\"" + (f" to {where}" if where else ""),
                    code="missing",
                ))
        if shape.get("union") and len(value) != 1:
            self._add("error", path, f"set exactly one of {', '.join(members)}", None, "union")

    def _unknown_key(self, key: str, allowed: list[str], path: FieldPath) -> None:
        hint = self.unknown_key_hints.get(key)
        if hint is None:
            close = suggest(key, allowed)
            hint = f"did you mean '{close}'?" if close else f"allowed here: {', '.join(allowed)}"
        self._add("error", path, f"unknown key '{key}'", hint, "unknown-key", at_key=True)

    def _string(self, name: str, shape: Mapping[str, Any], value: str, path: FieldPath) -> None:
        enum: list[str] | None = shape.get("enum")
        if enum is not None and value not in enum \
                and value not in self.extra_enum_values.get(name, ()):
            close = suggest(value, enum)
            self._add("error", path, f"expected one of {', '.join(enum)}; got {value!r}",
                      f"did you mean '{close}'?" if close else None, "enum")
            return
        self._length(shape, len(value), path, "characters")

    def _length(self, shape: Mapping[str, Any], length: int, path: FieldPath, unit: str) -> None:
        if "min" in shape and length < shape["min"]:
            self._add("error", path, f"needs at least {shape['min']} {unit}; has {length}", None,
                      "too-short")
        if "max" in shape and length > shape["max"]:
            self._add("error", path, f"allows at most {shape['max']} {unit}; has {length}", None,
                      "too-long")


def _has_type(kind: str, value: Any) -> bool:
    if kind in ("structure", "map"):
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list)
    if kind in ("string", "timestamp", "blob"):
        return isinstance(value, str)
    if kind in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in ("double", "float"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    return True
