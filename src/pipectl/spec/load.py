"""Load ``pipeline.yml`` into a :class:`Spec`, or raise SpecError with every finding."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipectl.errors import Finding, Location, SpecError
from pipectl.spec.interpolate import InterpolationError, interpolate, variables_used
from pipectl.spec.secrets import (
    secret_variables_in,
    short_quote,
    shorten_quotes,
    without_expanded_values,
)
from pipectl.spec.yaml_source import (
    FieldPath,
    Position,
    SourceMap,
    dotted_path,
    load_yaml,
    read_text,
)

if typing.TYPE_CHECKING:
    from pydantic import ValidationError

    from pipectl.spec.model import Spec


@dataclass(frozen=True)
class SpecDocument:
    """The spec with where it came from, for checks that point at lines."""

    spec: Spec
    path: Path
    source: SourceMap


@dataclass(frozen=True)
class ParsedSpec:
    """The spec's YAML read into plain data (variables expanded), before the model.

    ``findings`` are those found while reading (duplicate keys, unset variables);
    ``broken`` are the field paths whose value could not be expanded, so that the model
    does not report the same value a second time.
    """

    data: Any
    path: Path
    source: SourceMap
    findings: list[Finding]
    broken: frozenset[FieldPath]
    #: Each value that came from the environment -> the variables it came from, so that
    #: messages can name them instead of quoting the value.
    expanded: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)

    def redact(self, findings: list[Finding]) -> list[Finding]:
        """``findings`` without the values that came from the environment, and with long
        values from the spec text cut short."""
        def clean(text: str) -> str:
            return shorten_quotes(without_expanded_values(text, self.expanded))

        return [replace(f, message=clean(f.message), hint=f.hint and clean(f.hint))
                for f in findings]


def load_spec(path: Path, environ: Mapping[str, str]) -> Spec:
    return load_document(path, environ).spec


def load_document(path: Path, environ: Mapping[str, str]) -> SpecDocument:
    """Read and validate the spec. Raises SpecError with every finding, in file order."""
    return validate_parsed(parse_spec(path, environ))


def parse_spec(path: Path, environ: Mapping[str, str]) -> ParsedSpec:
    """Read the YAML and expand variables. Raises SpecError when there is nothing to model."""
    file = str(path)
    text = read_text(path, "spec")
    findings: list[Finding] = []
    broken: set[FieldPath] = set()
    expanded: dict[str, tuple[str, ...]] = {}

    def expand(value: str, field_path: FieldPath, pos: Position) -> str:
        where = Location(file, pos.line, pos.column, dotted_path(field_path))
        secret = secret_variables_in(value, environ)
        if secret:
            # Left unexpanded: nothing downstream (model, plan, AWS) ever holds the value.
            broken.add(field_path)
            findings.append(Finding(
                "error", f"takes its value from ${{{secret[0]}}}, whose name says it holds a "
                "secret; every field of the spec is stored and shown in plain text",
                where, code="secret-variable",
                hint="keep the secret in SSM Parameter Store or Secrets Manager and name it "
                     "in build.secrets (NAME: ssm:/path) or the task definition's secrets"))
            return value
        try:
            result = interpolate(value, environ)
        except InterpolationError as exc:
            broken.add(field_path)
            findings.append(Finding("error", str(exc), where, hint=exc.hint,
                                    code="unset-variable"))
            return value
        used = variables_used(value, environ)
        if used:
            expanded[result] = tuple(used)
        return result

    data, source, duplicate_findings = load_yaml(text, file, expand)
    findings[:0] = duplicate_findings
    if data is None:
        raise SpecError([Finding("error", "the spec is empty", Location(file, 1, 1),
                                 hint="start from `pipectl init`", code="empty")])
    if not isinstance(data, dict):
        raise SpecError([Finding("error", f"the spec must be a mapping, not {_kind(data)}",
                                 source.locate(()), hint="top-level keys: version, name, "
                                 "source, build, image, deploy, ...", code="wrong-type")])
    return ParsedSpec(data, path, source, findings, frozenset(broken), expanded)


def validate_parsed(parsed: ParsedSpec) -> SpecDocument:
    """Validate parsed data against the model. Raises SpecError with every finding."""
    from pydantic import ValidationError

    from pipectl.spec.model import Spec

    findings = list(parsed.findings)
    try:
        spec = Spec.model_validate(parsed.data)
    except ValidationError as exc:
        for finding in findings_from_validation(exc, parsed.source, parsed.data):
            if not _about_broken_value(finding, parsed.broken):
                findings.append(finding)
    if findings:
        raise SpecError(sort_findings(parsed.redact(findings)))
    return SpecDocument(spec=spec, path=parsed.path, source=parsed.source)


def _about_broken_value(finding: Finding, broken: frozenset[FieldPath]) -> bool:
    """True when ``finding`` only repeats that a value's variable could not be expanded."""
    field = finding.location.path if finding.location else None
    if not field:
        return False
    for path in map(dotted_path, broken):
        if field == path or field.startswith((path + ".", path + "[")):
            return True
        # A validator of the list or mapping around the value (subnets, env) saw it raw.
        if finding.code == VALUE_RULE and path.startswith((field + ".", field + "[")):
            return True
    return False


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Findings in the order a reader meets them: by file, then line and column."""
    def key(f: Finding) -> tuple[str, int, int]:
        loc = f.location
        if loc is None:
            return ("", 0, 0)
        return (loc.file, loc.line or 0, loc.column or 0)

    return sorted(findings, key=key)


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number",
            bool: "a boolean"}.get(type(value), type(value).__name__)


#: The finding code of pipectl's own value rules (names, ARNs, secrets) in the model.
VALUE_RULE = "invalid-value"

_EXPECTED = {
    "dict_type": "expected a mapping (key: value lines)",
    "model_type": "expected a mapping (key: value lines)",
    "model_attributes_type": "expected a mapping (key: value lines)",
    "list_type": "expected a list",
    "string_type": "expected a string",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
}


def findings_from_validation(
    exc: ValidationError, source: SourceMap, data: Any
) -> list[Finding]:
    """pydantic's errors as findings: file:line:column, field path, message, hint."""
    from pipectl.spec.model import Spec

    out: list[Finding] = []
    for err in exc.errors(include_url=False):
        loc = _clean_loc(err["loc"], data)
        kind = err["type"]
        ctx = err.get("ctx") or {}
        hint = ctx.get("hint")
        message = err["msg"]
        code = kind
        location = source.locate(loc, prefer_key=kind == "extra_forbidden")
        if kind == "extra_forbidden":
            key = str(loc[-1])
            allowed = _allowed_keys(Spec, loc[:-1], data)
            import difflib  # only a spec with a misspelt key pays for it

            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            message = f"unknown key '{key}'"
            hint = f"did you mean '{close[0]}'?" if close else (
                f"allowed here: {', '.join(allowed)}" if allowed else None)
            code = "unknown-key"
        elif kind == "missing":
            message = "required field is missing"
            parent = dotted_path(loc[:-1])
            hint = f"add `{loc[-1]}:`" + (f" under `{parent}:`" if parent else " at the top")
            # Point at the mapping that lacks it: its key's line.
            where = source.locate(loc[:-1], prefer_key=True)
            location = Location(where.file, where.line, where.column, dotted_path(loc))
        elif kind in ("literal_error", "union_tag_invalid"):
            got = err.get("input") if kind == "literal_error" else ctx.get("tag")
            expected = _literal_values(Spec, loc, data) if kind == "literal_error" else [
                t.strip().strip("'") for t in str(ctx.get("expected_tags", "")).split(",")]
            message = f"expected one of {', '.join(map(str, expected))}; got {short_quote(got)}"
            import difflib

            close = difflib.get_close_matches(str(got), [str(e) for e in expected], n=1,
                                              cutoff=0.5)
            hint = f"did you mean '{close[0]}'?" if close else hint
            if kind == "union_tag_invalid":
                loc = (*loc, "provider")
                location = source.locate(loc)
            code = "not-allowed"
        elif kind == "union_tag_not_found":
            message = "required field is missing"
            where = source.locate(loc, prefer_key=True)
            hint = "add `provider:` (github, codecommit or s3)"
            location = Location(where.file, where.line, where.column,
                                dotted_path((*loc, "provider")))
            code = "missing"
        elif kind == "pipectl":
            code = VALUE_RULE
            if ctx.get("at"):  # the rule says which field, key or item it is about
                loc = (*loc, *ctx["at"])
                location = source.locate(loc, prefer_key=isinstance(ctx["at"][-1], str))
        elif kind in _EXPECTED:
            value = err.get("input")
            message = f"{_EXPECTED[kind]}; got {_kind(value)}" + (
                f" {short_quote(value)}" if isinstance(value, str | int | float)
                and not isinstance(value, bool) else "")
            code = "wrong-type"
            if kind == "list_type":
                hint = hint or "write a list: [a, b], or one `- item` per line"
        else:
            message = message[0].lower() + message[1:]
            if message.startswith("value error, "):
                message = message[len("value error, "):]
            value = err.get("input")
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                message += f"; got {short_quote(value)}"
        out.append(Finding("error", message, location, hint=hint, code=code))
    return _drop_missing_explained_by_misspelling(out)


def _drop_missing_explained_by_misspelling(findings: list[Finding]) -> list[Finding]:
    """`servce:` gives "unknown key, did you mean 'service'" and "service is missing":
    the first says it all."""
    suggested = set()
    for f in findings:
        if f.code == "unknown-key" and f.hint and f.location and f.location.path:
            parent = f.location.path.rpartition(".")[0]
            name = f.hint.removeprefix("did you mean '").removesuffix("'?")
            suggested.add(f"{parent}.{name}" if parent else name)
    return [f for f in findings if not (f.code == "missing" and f.location
                                        and f.location.path in suggested)]


def _clean_loc(loc: tuple[Any, ...], data: Any) -> FieldPath:
    """Drop pydantic's discriminator tags (``source.github.branch`` -> ``source.branch``)."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, Mapping) and part not in node and out and out[-1] == "source" \
                and part in ("github", "codecommit", "s3"):
            continue
        out.append(part)
        node = node.get(part) if isinstance(node, Mapping) else (
            node[part] if isinstance(node, list) and isinstance(part, int)
            and part < len(node) else None)
    return tuple(out)


def _annotation_at(model: Any, path: FieldPath, data: Any) -> Any:
    """Walk the model classes along ``path``; return the annotation found there."""
    from pydantic import BaseModel

    annotation: Any = model
    node = data
    for part in path:
        annotation = _resolve_union(annotation, node)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return None
            annotation = field.annotation
        else:
            return None
        node = node.get(part) if isinstance(node, Mapping) else None
    return _resolve_union(annotation, node)


def _resolve_union(annotation: Any, node: Any) -> Any:
    from pydantic import BaseModel

    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _resolve_union(typing.get_args(annotation)[0], node)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        if len(models) > 1 and isinstance(node, Mapping):
            provider = node.get("provider")
            for m in models:
                tag = m.model_fields.get("provider")
                if tag is not None and provider in typing.get_args(tag.annotation):
                    return m
        return members[0] if len(members) == 1 else (models[0] if models else annotation)
    return annotation


def _allowed_keys(model: Any, path: FieldPath, data: Any) -> list[str]:
    from pydantic import BaseModel

    annotation = _annotation_at(model, path, data)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _literal_values(model: Any, path: FieldPath, data: Any) -> list[Any]:
    annotation = _annotation_at(model, path, data)
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    return []
