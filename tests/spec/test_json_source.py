"""JSON read with positions: every key and value maps to its line and column."""

from __future__ import annotations

import json

import pytest

from pipectl.errors import SpecError
from pipectl.spec.json_source import load_json

DOCUMENT = """{
  "family": "web",
  "cpu": "256",
  "containerDefinitions": [
    {"name": "web", "portMappings": [{"containerPort": 80}]},
    {
      "name": "sidecar",
      "essential": false,
      "memory": 1.5e3,
      "command": ["sh", "-c", "echo \\"hi\\" \\u00e9"]
    }
  ],
  "tags": [],
  "volumes": {}
}
"""


def test_values_are_exactly_what_json_loads_reads() -> None:
    data, _, findings = load_json(DOCUMENT, "td.json")
    assert data == json.loads(DOCUMENT)
    assert findings == []


def test_keys_and_values_have_their_line_and_column() -> None:
    _, source, _ = load_json(DOCUMENT, "td.json")
    assert str(source.locate(("cpu",))) == "td.json:3:10"
    assert str(source.locate(("cpu",), prefer_key=True)) == "td.json:3:3"
    port = source.locate(("containerDefinitions", 0, "portMappings", 0, "containerPort"))
    assert (port.line, port.column) == (5, 56)
    assert port.path == "containerDefinitions[0].portMappings[0].containerPort"
    assert source.locate(("containerDefinitions", 1, "command", 2)).line == 10
    assert source.locate(("containerDefinitions", 1)).line == 6
    # A path that is not in the file falls back to its nearest parent.
    assert source.locate(("containerDefinitions", 1, "image")).line == 6


def test_a_duplicate_key_is_a_finding_with_both_lines() -> None:
    text = '{\n  "cpu": "256",\n  "memory": "512",\n  "cpu": "512"\n}'
    _, _, findings = load_json(text, "t.json")
    assert [str(f) for f in findings] == [
        "t.json:4:3: cpu: duplicate key 'cpu' (first at line 2)"]


@pytest.mark.parametrize(("text", "where", "message"), [
    ('{\n  "a": 1,\n}', "t.json:3:1", "Expecting property name enclosed in double quotes"),
    ("{\n  'a': 1\n}", "t.json:2:3", "Expecting property name enclosed in double quotes"),
    ('{"a": 1 "b": 2}', "t.json:1:9", "Expecting ',' delimiter"),
    ("", "t.json:1:1", "Expecting value"),
    ('{"a": "line\nbreak"}', "t.json:1:12", "Invalid control character"),
])
def test_a_syntax_error_names_line_and_column(text: str, where: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        load_json(text, "t.json")
    finding = caught.value.findings[0]
    assert str(finding.location) == where
    assert message in finding.message
    assert finding.hint


def test_a_byte_order_mark_is_accepted() -> None:
    data, source, _ = load_json('\ufeff{"a": 1}', "t.json")
    assert data == {"a": 1}
    assert str(source.locate(("a",))) == "t.json:1:7"
