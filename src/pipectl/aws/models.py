"""botocore's loader, doing as little as it can: no scan of every service's directory,
only the operations pipectl calls of a large service, no documentation, and only the
endpoints of the services pipectl calls.

Creating a botocore client reads the service's whole model and builds a method for every
operation. For EC2 that is a 6 MB model and ~750 operations: about a third of a second,
more than everything else ``pipectl status`` does, for the one EC2 call it makes
(``DescribeNetworkInterfaces``, to find a task's public IP). So for the services listed
in :data:`OPERATIONS_USED` the client gets botocore's own model trimmed to the operations
pipectl calls and the shapes they reach: requests are still built and validated from
botocore's model, exactly as before, and the client has no method pipectl never calls.
Every model (trimmed or whole) is kept without its documentation: two thirds of the
bytes of ECS's model, parsed by every process for nothing but docstrings.

The trimmed model is written once to pipectl's cache directory, keyed by the full
model's file (path, size, modification time) and the operations kept, so a botocore
upgrade, a model of the user's own (``~/.aws/models``, ``AWS_DATA_PATH``) or a new
operation here all make a fresh one. If the cache cannot be read or written, the model
is trimmed in memory and nothing else changes.

The first client of a process also reads botocore's ``endpoints.json``, 1.2 MB of every
service's endpoints in every partition, where pipectl calls a dozen services. The
loader gives botocore that file trimmed to :data:`ENDPOINT_PREFIXES` (every partition's
own data kept whole), cached as the models are; a service outside that list is read
from the whole file the first time botocore asks for it, so every service still
resolves exactly as botocore resolves it.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from botocore.loaders import Loader

#: service -> the operations pipectl calls on it (a test reads the code to keep it whole).
OPERATIONS_USED: Mapping[str, frozenset[str]] = {
    "ec2": frozenset({"DescribeNetworkInterfaces"}),
    "elbv2": frozenset({"DescribeTargetGroups", "DescribeLoadBalancers",
                        "DescribeTargetGroupAttributes"}),
}
#: The endpoint prefixes (``endpointPrefix`` in a service's model, the key of
#: ``endpoints.json``) of the services pipectl makes clients for (a test reads the code).
ENDPOINT_PREFIXES: frozenset[str] = frozenset({
    "api.ecr", "codebuild", "codecommit", "codepipeline", "codestar-connections", "ec2",
    "ecs", "elasticloadbalancing", "events", "iam", "logs", "monitoring", "s3",
    "secretsmanager", "ssm", "sts",
})
#: The cache key of a model kept whole (less its documentation).
ALL_OPERATIONS = frozenset({"*"})
#: A cache file's name after its label: the key's digest.
_CACHE_NAME = re.compile(r"[0-9a-f]{20}\.json")
#: Bumped when the trimming itself changes, so old cache files are not reused.
FORMAT = 2


def cache_directory(environ: Mapping[str, str]) -> Path:
    """``$PIPECTL_CACHE_DIR``, else ``$XDG_CACHE_HOME/pipectl``, else ``~/.cache/pipectl``."""
    explicit = environ.get("PIPECTL_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pipectl"


class TrimmingLoader(Loader):  # type: ignore[misc]  # botocore ships no type hints
    """A botocore Loader that trims the models of :data:`OPERATIONS_USED`."""

    def __init__(self, cache_dir: Path | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cache_dir = cache_dir

    def load_service_model(self, service_name: str, type_name: str,
                           api_version: str | None = None) -> Any:
        version = api_version or self.determine_latest_version(service_name, type_name)
        if type_name != "service-2":
            return self._load_with_extras(service_name, type_name, version)
        keep = OPERATIONS_USED.get(service_name)

        def trimmed() -> dict[str, Any]:
            model = self._load_with_extras(service_name, type_name, version)
            return without_documentation(trim_model(model, keep) if keep else model)

        return _cached_or_made(
            self._cache_file(service_name, version, keep or ALL_OPERATIONS), trimmed)

    def load_data_with_path(self, name: str) -> tuple[Any, str]:
        """botocore's, but ``endpoints`` trimmed to :data:`ENDPOINT_PREFIXES` (see above);
        the path is still the whole file's, so botocore knows its own data."""
        if name != "endpoints":
            found: tuple[Any, str] = super().load_data_with_path(name)
            return found
        source = self._model_file(name)
        if source is None:  # no endpoints data at all: botocore's own error
            missing: tuple[Any, str] = super().load_data_with_path(name)
            return missing
        path = source.removesuffix(".gz").removesuffix(".json")
        def whole() -> Mapping[str, Any]:
            loaded: Mapping[str, Any] = super(TrimmingLoader, self).load_data_with_path(name)[0]
            return loaded

        trimmed = _cached_or_made(self._cache_for(source, "endpoints", ENDPOINT_PREFIXES),
                                  lambda: trim_endpoints(whole(), ENDPOINT_PREFIXES))
        return completed_on_demand(trimmed, whole), path

    def _load_with_extras(self, service_name: str, type_name: str, version: str) -> Any:
        """What botocore's ``load_service_model`` does, less its first step: listing the
        directories of all ~400 services, twice a client, to check that the service is
        known (tens of milliseconds). An unknown service still fails, with
        DataNotFoundError from ``determine_latest_version``."""
        model = self.load_data(os.path.join(service_name, version, type_name))
        self._extras_processor.process(model, self._find_extras(service_name, type_name,
                                                                version))
        return model

    def _cache_file(self, service: str, version: str, keep: frozenset[str]) -> Path | None:
        source = self._model_file(os.path.join(service, version, "service-2"))
        if source is None:
            return None
        return self._cache_for(source, f"{service}-{version}", keep)

    def _cache_for(self, source: str, label: str, keep: frozenset[str]) -> Path | None:
        """Where the trimmed copy of ``source`` keeping ``keep`` is cached."""
        if self.cache_dir is None:
            return None
        try:
            stat = os.stat(source)
        except OSError:
            return None
        key = "|".join([str(FORMAT), source, str(stat.st_size), str(stat.st_mtime_ns),
                        *sorted(keep)])
        digest = hashlib.sha256(key.encode()).hexdigest()[:20]
        return self.cache_dir / "botocore-models" / f"{label}-{digest}.json"

    def _model_file(self, name: str) -> str | None:
        """The file botocore would load for ``name`` (first search path that has it)."""
        for location in self._potential_locations(name):
            for suffix in (".json", ".json.gz"):
                if os.path.isfile(location + suffix):
                    return str(location + suffix)
        return None


def trim_model(model: Mapping[str, Any], keep: Iterable[str]) -> dict[str, Any]:
    """``model`` with only the operations in ``keep`` and the shapes they reach."""
    operations = {name: op for name, op in model.get("operations", {}).items() if name in keep}
    shapes = model.get("shapes", {})
    reached: set[str] = set()
    pending = [ref["shape"] for op in operations.values()
               for ref in _operation_refs(op) if "shape" in ref]
    while pending:
        name = pending.pop()
        if name in reached or name not in shapes:
            continue
        reached.add(name)
        pending.extend(ref["shape"] for ref in _shape_refs(shapes[name]) if "shape" in ref)
    trimmed = {key: value for key, value in model.items()
               if key not in ("operations", "shapes", "documentation")}
    trimmed["operations"] = operations
    trimmed["shapes"] = {name: shape for name, shape in shapes.items() if name in reached}
    return trimmed


def without_documentation(model: Mapping[str, Any]) -> dict[str, Any]:
    """``model`` less its HTML documentation: about two thirds of a model's bytes, read by
    nothing but docstrings (help()) and documentation builders. Only the documentation of
    the model, its operations, shapes and their references goes: a member that happens to
    be named ``documentation`` is a member, and stays."""
    def bare(node: Mapping[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in node.items() if key != "documentation"}

    def bare_shape(shape: Mapping[str, Any]) -> dict[str, Any]:
        out = bare(shape)
        if "members" in out:
            out["members"] = {name: bare(ref) for name, ref in out["members"].items()}
        for key in ("member", "key", "value"):
            if key in out:
                out[key] = bare(out[key])
        return out

    def bare_operation(operation: Mapping[str, Any]) -> dict[str, Any]:
        out = bare(operation)
        for key in ("input", "output"):
            if key in out:
                out[key] = bare(out[key])
        if "errors" in out:
            out["errors"] = [bare(ref) for ref in out["errors"]]
        return out

    stripped = bare(model)
    stripped["operations"] = {name: bare_operation(op)
                              for name, op in model.get("operations", {}).items()}
    stripped["shapes"] = {name: bare_shape(shape) for name, shape in model.get("shapes",
                                                                               {}).items()}
    return stripped


def trim_endpoints(endpoints: Mapping[str, Any], keep: Iterable[str]) -> dict[str, Any]:
    """``endpoints.json`` with only the services in ``keep``, in every partition."""
    wanted = set(keep)
    trimmed = dict(endpoints)
    trimmed["partitions"] = [
        {**partition, "services": {name: data for name, data in partition["services"].items()
                                   if name in wanted}}
        for partition in endpoints["partitions"]
    ]
    return trimmed


def completed_on_demand(trimmed: dict[str, Any],
                        load_whole: Callable[[], Mapping[str, Any]]) -> dict[str, Any]:
    """``trimmed`` whose partitions' services read the whole file on the first service
    they do not hold (botocore's resolver asks ``name in services``, ``services[name]``,
    ``services.get(name, ...)``)."""
    whole: list[Mapping[str, Any]] = []

    def services_of(partition: str) -> Mapping[str, Any]:
        if not whole:
            whole.append(load_whole())
        for candidate in whole[0]["partitions"]:
            if candidate["partition"] == partition:
                found: Mapping[str, Any] = candidate["services"]
                return found
        return {}

    return {**trimmed, "partitions": [
        {**partition, "services": _Services(partition["services"],
                                            partial(services_of, partition["partition"]))}
        for partition in trimmed["partitions"]
    ]}


class _Services(dict[str, Any]):
    """A partition's services, the trimmed ones at hand; all of them once one is missed."""

    def __init__(self, held: Mapping[str, Any], load_all: Callable[[], Mapping[str, Any]]):
        super().__init__(held)
        self._load_all: Callable[[], Mapping[str, Any]] | None = load_all

    def _complete(self) -> None:
        if self._load_all is not None:
            load, self._load_all = self._load_all, None
            self.update(load())

    def __contains__(self, key: object) -> bool:
        if not super().__contains__(key):
            self._complete()
        return super().__contains__(key)

    def __missing__(self, key: str) -> Any:
        if self._load_all is None:
            raise KeyError(key)
        self._complete()
        return self[key]

    def get(self, key: str, default: Any = None) -> Any:
        if key in self:  # which reads the rest first, if the key is not at hand
            return super().__getitem__(key)
        return default

    # Whatever lists the services sees them all.
    def __iter__(self) -> Iterator[str]:
        self._complete()
        return super().__iter__()

    def __len__(self) -> int:
        self._complete()
        return super().__len__()

    def keys(self) -> Any:
        self._complete()
        return super().keys()

    def items(self) -> Any:
        self._complete()
        return super().items()

    def values(self) -> Any:
        self._complete()
        return super().values()


def _operation_refs(operation: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    refs = [operation[key] for key in ("input", "output") if key in operation]
    return refs + list(operation.get("errors", []))


def _shape_refs(shape: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    refs = list((shape.get("members") or {}).values())
    refs += [shape[key] for key in ("member", "key", "value") if key in shape]
    return refs


def _cached_or_made(cached: Path | None, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The trimmed data read from its cache file, else made and written there (when there
    is a cache directory)."""
    if cached is not None:
        try:
            found: dict[str, Any] = json.loads(cached.read_text(encoding="utf-8"))
            return found
        except (OSError, ValueError):
            pass  # not written yet, or damaged: trim it (again)
    made = make()
    if cached is not None:
        _write_atomically(cached, json.dumps(made, separators=(",", ":")))
    return made


def _write_atomically(path: Path, text: str) -> None:
    """Write a cache file, and drop the copies of the same model made for an older key
    (a botocore upgrade, an older FORMAT), which nothing reads any more."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        return  # a read-only home: trimmed in memory every time, which is still correct
    label = path.name[:-len("-0123456789abcdef0123.json")]
    for stale in path.parent.glob(f"{glob.escape(label)}-*.json"):
        if stale != path and _CACHE_NAME.fullmatch(stale.name[len(label) + 1:]):
            with contextlib.suppress(OSError):  # another process may have removed it
                stale.unlink()
