"""Mangled input never crashes `validate`: it exits 0 or 2 and never with an internal error.

Seeded mutations of the corpus's valid project: characters inserted and deleted, lines
duplicated, and values replaced by others of any type.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import run_cli
from tests.test_validate_malformed import BASE, LAYOUT, make_project

TOKENS = ["", "[", "]", "{", "}", ":", ",", '"', "'", "- ", "  ", "null", "true", "-1", "1.5",
          "${X}", "&a ", "*a", "!!binary ", "!!python/object:os.system ", "? ", "|", "#", "\t",
          "é", "[]", "{}", "~", "\\u0000", "1e400", "!!int ", "!!timestamp "]
VALUES: list[Any] = [None, [], {}, 0, -5, 3.5, "", "x", True, [1, "a"], {"a": 1},
                     {"name": None}, [None], [{}], "${X}", 10**30]


def mangle_text(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 3)):
        pos = rng.randrange(len(text))
        roll = rng.random()
        if roll < 0.4:
            text = text[:pos] + rng.choice(TOKENS) + text[pos:]
        elif roll < 0.7:
            text = text[:pos] + text[pos + rng.randint(1, 8):]
        else:
            lines = text.splitlines(True)
            lines.insert(rng.randrange(len(lines)), rng.choice(lines))
            text = "".join(lines)
    return text


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for key, value in items:
        yield from paths(value, (*prefix, key))


def mangle_data(rng: random.Random, name: str, text: str) -> str:
    data = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(list(paths(data)))
        value = copy.deepcopy(rng.choice(VALUES))
        if not path:
            data = value
            continue
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        if isinstance(parent, dict) and rng.random() < 0.2:
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
    return json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data)


@pytest.mark.parametrize("seed", range(4))
def test_mangled_projects_are_reported_not_crashed_on(seed: int, in_tmp: Path) -> None:
    rng = random.Random(seed)
    originals = {name: (BASE / name).read_text() for name in LAYOUT}
    make_project(in_tmp)
    for _ in range(60):
        name = rng.choice(list(LAYOUT))
        mangled = mangle_text(rng, originals[name]) if rng.random() < 0.5 \
            else mangle_data(rng, name, originals[name])
        (in_tmp / LAYOUT[name]).write_text(mangled)
        result = run_cli(["validate"], environ={})
        assert result.exit_code in (0, 2), f"{name}:\n{mangled}\n{result.output}"
        assert "internal error" not in result.output and "Traceback" not in result.output
        (in_tmp / LAYOUT[name]).write_text(originals[name])
