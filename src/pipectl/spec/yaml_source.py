"""Read YAML into plain data while remembering where every key and value came from.

PyYAML's composer gives nodes with marks; we build the Python values ourselves so
that duplicate keys are an error (not a silent overwrite), ``${VAR}`` references
are expanded with the line they sit on, and every field path maps to a line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml

from pipectl.errors import Finding, Location, SpecError

FieldPath = tuple[str | int, ...]
#: More values than any spec or buildspec has; only aliases of aliases get there.
MAX_VALUES = 100_000


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


@dataclass
class SourceMap:
    """Field path -> position of its value, and of its key for mapping entries."""

    file: str
    values: dict[FieldPath, Position] = field(default_factory=dict)
    keys: dict[FieldPath, Position] = field(default_factory=dict)

    def locate(self, path: FieldPath, *, prefer_key: bool = False) -> Location:
        """The closest known position for ``path``: itself, else its nearest parent."""
        dotted = dotted_path(path)
        probe = tuple(path)
        while True:
            pos = None
            if prefer_key:
                pos = self.keys.get(probe) or self.values.get(probe)
            else:
                pos = self.values.get(probe) or self.keys.get(probe)
            if pos is not None or not probe:
                break
            probe = probe[:-1]
        if pos is None:
            return Location(self.file, None, None, dotted or None)
        return Location(self.file, pos.line, pos.column, dotted or None)


def dotted_path(path: FieldPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _pos(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


Transform = Callable[[str, FieldPath, Position], Any]


#: Deeper than any spec or buildspec nests; PyYAML composes recursively, and Python's own
#: recursion limit would otherwise end a deeply nested file as an internal error.
MAX_DEPTH = 100


class _TooMuch(Exception):
    def __init__(self, message: str, hint: str, mark: Any) -> None:
        super().__init__(message)
        self.hint = hint
        self.line = mark.line + 1 if mark else None
        self.column = mark.column + 1 if mark else None


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting nodes and depth while it composes (a 10 MB list
    must fail at its 100,001st item, not after building every one)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.nodes = 0
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.nodes += 1
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        if self.nodes > MAX_VALUES:
            raise _TooMuch(f"the document has more than {MAX_VALUES} values",
                           "a spec or buildspec is far smaller: is this the right file?", mark)
        if self.depth >= MAX_DEPTH:
            raise _TooMuch(f"the document nests deeper than {MAX_DEPTH} levels",
                           "a spec or buildspec nests a few levels: is this the right file?",
                           mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Builder:
    def __init__(self, source: SourceMap, transform: Transform | None) -> None:
        self.source = source
        self.transform = transform
        self.findings: list[Finding] = []
        self.constructor = yaml.SafeLoader("")
        self.count = 0
        self.active: set[int] = set()  # the collections being built, to catch alias loops

    def _scalar(self, node: yaml.Node) -> Any:
        """A scalar's value (or a collection used as a key), its tag applied."""
        try:
            return self.constructor.construct_object(node, deep=True)
        except Exception as exc:  # PyYAML's tag constructors fail in many ways on bad input
            problem = getattr(exc, "problem", None) or (
                str(exc).splitlines() or [type(exc).__name__])[0]
            self._fail(node, f"invalid YAML value: {problem}",
                       "remove the !!tag, or quote the value to keep it a string")

    def _fail(self, node: yaml.Node, message: str, hint: str) -> NoReturn:
        pos = _pos(node.start_mark)
        raise SpecError([Finding("error", message, Location(self.source.file, pos.line,
                                                            pos.column), hint=hint,
                                 code="yaml-aliases")])

    def build(self, node: yaml.Node, path: FieldPath) -> Any:
        self.source.values.setdefault(path, _pos(node.start_mark))
        self.count += 1
        if self.count > MAX_VALUES:  # aliases of aliases ("billion laughs")
            self._fail(node, f"the document expands to more than {MAX_VALUES} values",
                       "YAML aliases (*name) multiply what they point at; write it out")
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            if id(node) in self.active:
                self._fail(node, "an alias refers to the value that contains it",
                           "a value cannot contain itself; remove the alias")
            self.active.add(id(node))
            try:
                if isinstance(node, yaml.MappingNode):
                    return self._mapping(node, path)
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            finally:
                self.active.discard(id(node))
        value = self._scalar(node)
        if isinstance(value, str) and self.transform is not None:
            return self.transform(value, path, _pos(node.start_mark))
        return value

    def _mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[str, Any]:
        self.constructor.flatten_mapping(node)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self._scalar(key_node)
            if not isinstance(key, str):
                key = str(key)
            child = (*path, key)
            key_pos = _pos(key_node.start_mark)
            if key in out:
                first = self.source.keys[child]
                self.findings.append(
                    Finding(
                        "error",
                        f"duplicate key '{key}' (first at line {first.line})",
                        Location(self.source.file, key_pos.line, key_pos.column,
                                 dotted_path(child)),
                        hint="YAML keeps only one of them; remove or merge the duplicate",
                        code="duplicate-key",
                    )
                )
                continue
            self.source.keys[child] = key_pos
            self.source.values[child] = _pos(value_node.start_mark)
            out[key] = self.build(value_node, child)
        return out


def load_yaml(
    text: str, file: str, transform: Transform | None = None
) -> tuple[Any, SourceMap, list[Finding]]:
    """Parse ``text``; return the data, its source map and any duplicate-key findings.

    A syntax error raises :class:`SpecError` with the line and column YAML reports.
    """
    source = SourceMap(file)
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
    except _TooMuch as exc:
        raise SpecError([Finding("error", str(exc), Location(file, exc.line, exc.column),
                                 hint=exc.hint, code="yaml-too-large")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        hint = "check indentation and quoting on or just above this line"
        lines = text.splitlines()
        if line is not None and 0 < line <= len(lines) and "${" in lines[line - 1]:
            # Inside [ ] or { }, YAML reads the braces of ${VAR} as its own.
            hint = 'quote values that use variables: "${VAR}"'
        raise SpecError(
            [
                Finding(
                    "error",
                    f"invalid YAML: {problem}{context}",
                    Location(file, line, column),
                    hint=hint,
                    code="yaml-syntax",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise SpecError(
            [Finding("error", f"invalid YAML: {exc}", Location(file), code="yaml-syntax")]
        ) from None
    finally:
        loader.dispose()
    if node is None:
        return None, source, []
    builder = _Builder(source, transform)
    data = builder.build(node, ())
    return data, source, builder.findings


#: The largest file of each kind pipectl reads (ECS takes task definitions up to 64 KiB).
MAX_BYTES = {"spec": 1 << 20, "buildspec": 1 << 20, "task definition": 64 << 10}


def read_text(path: Path, what: str) -> str:
    """The file's text: a regular file (a FIFO would hang, /dev/zero never end), at most
    :data:`MAX_BYTES` of its kind."""
    limit = MAX_BYTES.get(what, 1 << 20)
    try:
        return _read_regular_file(path, what, limit)
    except FileNotFoundError:
        raise SpecError(
            [Finding("error", f"{what} not found", Location(str(path)), code="missing-file",
                     hint=_missing_hint(what))]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(
            [Finding("error", f"cannot read {what}: {exc}", Location(str(path)),
                     code="unreadable-file")]
        ) from None


def _read_regular_file(path: Path, what: str, limit: int) -> str:
    import stat

    # Non-blocking: opening a FIFO for reading would wait for a writer.
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(descriptor)
        too_large = (f"{what} is larger than {limit // 1024} KiB",
                     f"a {what} is far smaller: is this the right file?")
        problem = None
        if not stat.S_ISREG(info.st_mode):
            problem = (f"{what} is not a regular file",
                       "give the path of a file (not a directory, pipe or device)")
        elif info.st_size > limit:
            problem = too_large
        data = b"" if problem else handle.read(limit + 1)
        if not problem and len(data) > limit:  # grew while we read it
            problem = too_large
    if problem:
        raise SpecError([Finding("error", problem[0], Location(str(path)),
                                 code="unreadable-file", hint=problem[1])])
    return data.decode("utf-8")


def _missing_hint(what: str) -> str:
    if what == "spec":
        return "create one with `pipectl init`, or point -c/--config at it"
    return "check the path in the spec (it is relative to the directory you run pipectl in)"

