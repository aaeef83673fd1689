"""Load ``pipeline.yml`` into a :class:`Spec`, or raise SpecError with every finding."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipectl.errors import Finding, Location, SpecError
from pipectl.spec.interpolate import InterpolationError, interpolate
from pipectl.spec.yaml_source import FieldPath, Position, SourceMap, load_yaml, read_text

if typing.TYPE_CHECKING:
    from pydantic import ValidationError

    from pipectl.spec.model import Spec


@dataclass(frozen=True)
class SpecDocument:
    """The spec with where it came from, for checks that point at lines."""

    spec: Spec
    path: Path
    source: SourceMap


def load_spec(path: Path, environ: Mapping[str, str]) -> Spec:
    return load_document(path, environ).spec


def load_document(path: Path, environ: Mapping[str, str]) -> SpecDocument:
    from pydantic import ValidationError

    from pipectl.spec.model import Spec

    file = str(path)
    text = read_text(path, "spec")
    findings: list[Finding] = []

    def expand(value: str, field_path: FieldPath, pos: Position) -> str:
        try:
            return interpolate(value, environ)
        except InterpolationError as exc:
            from pipectl.spec.yaml_source import dotted_path

            findings.append(Finding("error", str(exc),
                                    Location(file, pos.line, pos.column, dotted_path(field_path)),
                                    hint=exc.hint, code="unset-variable"))
            return value

    data, source, duplicate_findings = load_yaml(text, file, expand)
    findings[:0] = duplicate_findings
    if data is None:
        raise SpecError([Finding("error", "the spec is empty", Location(file, 1, 1),
                                 hint="start from `pipectl init`", code="empty")])
    if not isinstance(data, dict):
        raise SpecError([Finding("error", f"the spec must be a mapping, not {_kind(data)}",
                                 source.locate(()), hint="top-level keys: version, name, "
                                 "source, build, image, deploy, ...", code="wrong-type")])
    try:
        spec = Spec.model_validate(data)
    except ValidationError as exc:
        findings.extend(findings_from_validation(exc, source, data))
        raise SpecError(findings) from None
    if findings:
        raise SpecError(findings)
    return SpecDocument(spec=spec, path=path, source=source)


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number",
            bool: "a boolean"}.get(type(value), type(value).__name__)


def findings_from_validation(
    exc: ValidationError, source: SourceMap, data: Any
) -> list[Finding]:
    from pipectl.spec.model import Spec

    out: list[Finding] = []
    for err in exc.errors(include_url=False):
        loc = _clean_loc(err["loc"], data)
        kind = err["type"]
        ctx = err.get("ctx") or {}
        hint = ctx.get("hint")
        message = err["msg"]
        location = source.locate(loc, prefer_key=kind == "extra_forbidden")
        if kind == "extra_forbidden":
            key = str(loc[-1])
            allowed = _allowed_keys(Spec, loc[:-1], data)
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            message = f"unknown key '{key}'"
            hint = f"did you mean '{close[0]}'?" if close else (
                f"allowed here: {', '.join(allowed)}" if allowed else None)
        elif kind == "missing":
            message = "required field is missing"
            parent = ".".join(str(p) for p in loc[:-1])
            hint = f"add `{loc[-1]}:`" + (f" under `{parent}:`" if parent else " at the top")
            location = Location(location.file, location.line, location.column,
                                ".".join(str(p) for p in loc))
        elif kind in ("literal_error", "union_tag_invalid"):
            got = err.get("input") if kind == "literal_error" else ctx.get("tag")
            expected = _literal_values(Spec, loc, data) if kind == "literal_error" else [
                t.strip().strip("'") for t in str(ctx.get("expected_tags", "")).split(",")]
            message = f"expected one of {', '.join(map(str, expected))}; got {got!r}"
            close = difflib.get_close_matches(str(got), [str(e) for e in expected], n=1,
                                              cutoff=0.5)
            hint = f"did you mean '{close[0]}'?" if close else hint
        elif kind == "union_tag_not_found":
            message = "required field is missing"
            loc = (*loc, "provider")
            hint = "add `provider:` (github, codecommit or s3)"
            location = Location(location.file, location.line, location.column, "source.provider")
        elif kind == "pipectl":
            pass
        elif kind.endswith("_type") or kind.endswith("_parsing"):
            message = f"{message[0].lower()}{message[1:]}; got {_kind(err.get('input'))}" + (
                f" {err.get('input')!r}" if isinstance(err.get("input"), str | int | float)
                else "")
        else:
            message = message[0].lower() + message[1:]
            if message.startswith("value error, "):
                message = message[len("value error, "):]
        out.append(Finding("error", message, location, hint=hint, code=kind))
    return out


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
