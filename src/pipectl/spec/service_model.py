"""botocore's service models, read offline: the authority on request shapes.

``botocore.loaders`` imports urllib3 and http.client on the way (about 0.1 s), while
reading the model file itself takes about 10 ms; ``validate`` should start fast, so
the model file is read straight from botocore's data directory and the loader is only
the fallback when that layout ever changes. Either way it is botocore's own model.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
from pathlib import Path
from typing import Any


@functools.lru_cache(maxsize=8)
def load_service_model(service: str) -> dict[str, Any]:
    """The ``service-2`` model of ``service`` (latest API version botocore ships)."""
    model = _read_from_data_dir(service)
    if model is None:
        from botocore.loaders import Loader

        loaded: dict[str, Any] = Loader().load_service_model(service, "service-2")
        return loaded
    return model


def _read_from_data_dir(service: str) -> dict[str, Any] | None:
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return None
    service_dir = Path(next(iter(spec.submodule_search_locations))) / "data" / service
    try:
        versions = sorted(p for p in service_dir.iterdir() if p.is_dir())
    except OSError:
        return None
    if not versions:
        return None
    latest = versions[-1]  # API versions are dates (2014-11-13): they sort as strings
    for name, opener in (("service-2.json.gz", gzip.open), ("service-2.json", open)):
        path = latest / name
        if path.is_file():
            try:
                with opener(path, "rt", encoding="utf-8") as fh:
                    data: dict[str, Any] = json.load(fh)
            except (OSError, ValueError):
                return None
            return data if isinstance(data.get("shapes"), dict) else None
    return None


def input_shape(service: str, operation: str) -> tuple[str, dict[str, Any]]:
    """The input shape name of ``operation`` and every shape of the service."""
    model = load_service_model(service)
    return model["operations"][operation]["input"]["shape"], model["shapes"]
