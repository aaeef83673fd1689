"""The few spec fields a read-only command reads, without building the spec model.

``status``, ``history``, ``watch``, ``logs``, ``stop``, ``retry``, ``rollback`` and
``list`` need a handful of names (the pipeline, the project, the ECS service). Building
the pydantic model costs more than the AWS reads of ``status`` and fails on every field
of the file, among them fields the command never reads (an unset ``${SUBNET_ID}`` in
``create_service`` must not stop ``status``).

So the YAML is read as ``validate`` reads it (same parser, same file-level errors: a
missing file, bad YAML, duplicate keys, not a mapping, a missing or unknown ``version``)
and each field is checked on first use by the model's own rules (the patterns of
:mod:`pipectl.spec.names`, the same defaults). When a field the command reads breaks a
rule, or holds a value this reader does not judge itself, the full model decides: its
error is raised, less the findings about fields the command does not read, so the user
sees the message ``validate`` gives; if the model accepts the file, its value is used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pipectl.errors import Finding, SpecError
from pipectl.spec import names as rules
from pipectl.spec.load import ParsedSpec, parse_spec, validate_parsed
from pipectl.spec.yaml_source import FieldPath

if TYPE_CHECKING:
    from pipectl.spec.model import Spec

T = TypeVar("T")

#: Defaults of the model (spec.model), for the fields read here.
DEFAULT_PORT = 80
DEFAULT_DEPLOY_TIMEOUT_MINUTES = 15

#: Finding codes about the file as a whole: every command reports them, as today.
_FILE_LEVEL_CODES = frozenset({"duplicate-key"})


class _Undecided(Exception):
    """A value this reader does not judge: the model decides."""


@dataclass(frozen=True)
class DeployNames:
    """The ECS service the deploy action updates, as the spec names it."""

    cluster: str
    service: str
    container: str


class PartialSpec:
    """The spec as a read-only command sees it: each property is checked on first use.

    The properties mirror :class:`~pipectl.spec.model.Spec`: ``pipeline`` is
    ``spec.names.pipeline``, ``port`` is ``spec.deploy.service_port`` and so on; a test
    holds the two to the same answers.
    """

    def __init__(self, parsed: ParsedSpec) -> None:
        self.parsed = parsed
        self._model: Spec | None = None

    @classmethod
    def read(cls, path: Path, environ: Mapping[str, str]) -> PartialSpec:
        """Read the file; raise the file-level errors the full loader would raise."""
        reader = cls(parse_spec(path, environ))
        if any(f.code in _FILE_LEVEL_CODES for f in reader.parsed.findings):
            reader._model_or_raise(())  # raises: the file itself is broken
        reader._field(("version",), reader._version, lambda spec: None)
        return reader

    # -- the fields ----------------------------------------------------------------------

    @cached_property
    def pipeline(self) -> str:
        return self._field(("name",), lambda: self._name(("name",), rules.PIPELINE_NAME),
                           lambda spec: spec.names.pipeline)

    @cached_property
    def region(self) -> str | None:
        def read() -> str | None:
            value = self._optional_str(("region",))
            if value is not None and not rules.REGION.match(value):
                raise _Undecided
            return value

        return self._field(("region",), read, lambda spec: spec.region)

    @cached_property
    def project(self) -> str:
        def read() -> str:
            explicit = self._optional_str(("build", "project"))
            project = rules.DerivedNames.of(self.pipeline, project=explicit).project
            if not rules.CODEBUILD_PROJECT.match(project):
                raise _Undecided
            return project

        return self._field(("name", "build.project"), read, lambda spec: spec.names.project)

    @cached_property
    def repository(self) -> str:
        def read() -> str:
            explicit = self._optional_str(("image", "repository"))
            repository = rules.DerivedNames.of(self.pipeline, repository=explicit).repository
            if not rules.ECR_REPOSITORY.match(repository):
                raise _Undecided
            return repository

        return self._field(("name", "image.repository"), read,
                           lambda spec: spec.names.repository)

    @cached_property
    def deploy(self) -> DeployNames:
        def read() -> DeployNames:
            return DeployNames(
                cluster=self._name(("deploy", "cluster"), rules.ECS_NAME),
                service=self._name(("deploy", "service"), rules.ECS_NAME),
                container=self._str(("deploy", "container")),
            )

        return self._field(
            ("deploy.cluster", "deploy.service", "deploy.container"), read,
            lambda spec: DeployNames(spec.deploy.cluster, spec.deploy.service,
                                     spec.deploy.container))

    @cached_property
    def port(self) -> int:
        """The port the service answers on: create_service.port if given, else deploy.port."""
        def read() -> int:
            own = self._optional_int(("deploy", "port"), 1, 65535)
            created = self._optional_int(("deploy", "create_service", "port"), 1, 65535)
            if own is not None and created is not None and own != created:
                raise _Undecided  # the model's "ports disagree" error
            return created if created is not None else own if own is not None else DEFAULT_PORT

        return self._field(("deploy.port", "deploy.create_service.port"), read,
                           lambda spec: spec.deploy.service_port)

    @cached_property
    def deploy_timeout_minutes(self) -> int:
        def read() -> int:
            value = self._optional_int(("deploy", "timeout_minutes"), 1, 60)
            return DEFAULT_DEPLOY_TIMEOUT_MINUTES if value is None else value

        return self._field(("deploy.timeout_minutes",), read,
                           lambda spec: spec.deploy.timeout_minutes)

    # -- reading one field -----------------------------------------------------------------

    def _field(self, paths: tuple[str, ...], read: Callable[[], T],
               from_model: Callable[[Spec], T]) -> T:
        """``read()``, or the model's answer (or error) when ``read`` cannot decide."""
        try:
            return read()
        except _Undecided:
            return from_model(self._model_or_raise(paths))

    def _model_or_raise(self, paths: tuple[str, ...]) -> Spec:
        """The full model; its error limited to findings about ``paths`` and the file."""
        if self._model is None:
            try:
                self._model = validate_parsed(self.parsed).spec
            except SpecError as exc:
                raise _relevant_error(exc, paths) from None
        return self._model

    def _version(self) -> None:
        value = self._raw(("version",))
        if type(value) is not int or value != 1:
            raise _Undecided

    def _raw(self, path: FieldPath) -> Any:
        node: Any = self.parsed.data
        for part in path:
            if not isinstance(node, Mapping):
                raise _Undecided  # a section that is not a mapping: the model says so
            if part not in node:
                return _MISSING
            node = node[part]
        if path in self.parsed.broken:
            raise _Undecided  # an unset variable in a field we read
        return node

    def _optional_str(self, path: FieldPath) -> str | None:
        value = self._raw(path)
        if value is _MISSING or value is None:
            return None
        if not isinstance(value, str):
            raise _Undecided
        return value.strip()  # the model strips whitespace from strings

    def _str(self, path: FieldPath) -> str:
        value = self._optional_str(path)
        if value is None:
            raise _Undecided  # required
        return value

    def _name(self, path: FieldPath, pattern: Any) -> str:
        value = self._str(path)
        if not pattern.match(value):
            raise _Undecided
        return value

    def _optional_int(self, path: FieldPath, low: int, high: int) -> int | None:
        value = self._raw(path)
        if value is _MISSING:
            return None
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())  # "${PORT}" expands to a string; the model takes it
        if type(value) is not int or not low <= value <= high:
            raise _Undecided
        return value


class _Missing:
    pass


_MISSING: Any = _Missing()


def _relevant_error(exc: SpecError, paths: tuple[str, ...]) -> SpecError:
    """``exc`` without the findings about fields none of ``paths`` depends on; all of it
    when that would leave nothing (the reader never hides an error it cannot explain)."""
    kept = [f for f in exc.findings if _concerns(f, paths)]
    return SpecError(kept) if kept else exc


def _concerns(finding: Finding, paths: tuple[str, ...]) -> bool:
    where = finding.location.path if finding.location else None
    if not where or finding.code in _FILE_LEVEL_CODES or finding.code == "yaml-syntax":
        return True
    for path in paths:
        if where == path or path.startswith((where + ".", where + "[")) \
                or where.startswith((path + ".", path + "[")):
            return True
    return False
