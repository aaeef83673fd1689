"""Read JSON into plain data while remembering the line and column of every key and value.

The standard ``json`` module reports where a syntax error is, but not where a valid
value sits; findings about the task definition should point at a line all the same.
So the text is first checked by ``json.loads`` (its error messages are good), then
walked once more by a small scanner that records positions into a :class:`SourceMap`
and reports duplicate keys, which ``json.loads`` silently overwrites.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import re
from collections.abc import Callable
from typing import Any

from pipectl.errors import Finding, Location, SpecError
from pipectl.spec.yaml_source import FieldPath, Position, SourceMap, dotted_path

# The stdlib's own string scanner (typeshed does not list it), so escapes decode exactly
# as json.loads decodes them.
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_CONSTANTS: dict[str, Any] = {
    "true": True, "false": False, "null": None,
    "NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf"),
}


def load_json(text: str, file: str) -> tuple[Any, SourceMap, list[Finding]]:
    """Parse ``text``; return the data, its source map and any duplicate-key findings.

    A syntax error raises :class:`SpecError` with the line and column of the problem.
    """
    text = text.removeprefix("\ufeff")  # editors on Windows write a BOM; JSON forbids it
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError([
            Finding("error", f"invalid JSON: {exc.msg}", Location(file, exc.lineno, exc.colno),
                    hint=_syntax_hint(exc), code="json-syntax")
        ]) from None
    except RecursionError:
        raise SpecError([Finding("error", "invalid JSON: nested too deeply", Location(file),
                                 code="json-syntax")]) from None
    scanner = _PositionScanner(text, SourceMap(file))
    try:
        data, _ = scanner.value(scanner.skip(0), ())
    except RecursionError:  # json.loads's C scanner nests deeper than this one can
        raise SpecError([Finding("error", "invalid JSON: nested too deeply", Location(file),
                                 code="json-syntax")]) from None
    return data, scanner.source, scanner.findings


def _syntax_hint(exc: json.JSONDecodeError) -> str:
    if exc.msg.startswith("Expecting property name") or "delimiter" in exc.msg:
        return "look for a trailing comma or a missing comma on or just before this line"
    if exc.msg.startswith("Invalid control character"):
        return "strings cannot span lines; write \\n for a line break"
    return "JSON needs double quotes around keys and strings, and no comments"


class _PositionScanner:
    """Walks text already known to be valid JSON, recording where each value starts."""

    def __init__(self, text: str, source: SourceMap) -> None:
        self.text = text
        self.source = source
        self.findings: list[Finding] = []
        self._line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def position(self, offset: int) -> Position:
        line = bisect.bisect_right(self._line_starts, offset)
        return Position(line, offset - self._line_starts[line - 1] + 1)

    def skip(self, i: int) -> int:
        match = _WHITESPACE.match(self.text, i)
        return match.end() if match else i

    def value(self, i: int, path: FieldPath) -> tuple[Any, int]:
        self.source.values.setdefault(path, self.position(i))
        ch = self.text[i]
        if ch == "{":
            return self._object(i + 1, path)
        if ch == "[":
            return self._array(i + 1, path)
        if ch == '"':
            return _scanstring(self.text, i + 1)
        number = json.scanner.NUMBER_RE.match(self.text, i)
        if number and number.group(0):
            integer, fraction, exponent = number.groups()
            if fraction or exponent:
                return float(integer + (fraction or "") + (exponent or "")), number.end()
            return int(integer), number.end()
        for word, constant in _CONSTANTS.items():
            if self.text.startswith(word, i):
                return constant, i + len(word)
        raise AssertionError(f"unexpected JSON at offset {i}")  # json.loads accepted it

    def _object(self, i: int, path: FieldPath) -> tuple[dict[str, Any], int]:
        out: dict[str, Any] = {}
        i = self.skip(i)
        if self.text[i] == "}":
            return out, i + 1
        while True:
            key_pos = self.position(i)
            key, i = _scanstring(self.text, i + 1)
            i = self.skip(i)  # then ':'
            i = self.skip(i + 1)
            child = (*path, key)
            if key in out:
                first = self.source.keys[child]
                self.findings.append(Finding(
                    "error", f"duplicate key '{key}' (first at line {first.line})",
                    Location(self.source.file, key_pos.line, key_pos.column, dotted_path(child)),
                    hint="JSON readers keep only one of them; remove or merge the duplicate",
                    code="duplicate-key",
                ))
                _, i = self.value(i, ("<duplicate>", *child))
            else:
                self.source.keys[child] = key_pos
                out[key], i = self.value(i, child)
            i = self.skip(i)
            if self.text[i] == "}":
                return out, i + 1
            i = self.skip(i + 1)  # past ','

    def _array(self, i: int, path: FieldPath) -> tuple[list[Any], int]:
        out: list[Any] = []
        i = self.skip(i)
        if self.text[i] == "]":
            return out, i + 1
        while True:
            item, i = self.value(i, (*path, len(out)))
            out.append(item)
            i = self.skip(i)
            if self.text[i] == "]":
                return out, i + 1
            i = self.skip(i + 1)
