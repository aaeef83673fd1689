"""The ``runtime-versions`` each current CodeBuild image offers.

The data (``runtimes.json``) is taken from each image's ``runtimes.yml`` in
aws/aws-codebuild-docker-images; ``scripts/update_codebuild_runtimes.py`` regenerates
it and records the date and commits it was taken from. CodeBuild fails a build whose
``runtime-versions`` names a runtime or version the image lacks with
``YAML_FILE_ERROR`` before any command runs.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Runtime:
    versions: tuple[str, ...]
    any_version: bool  # the image installs a version it does not ship ("default" entry)

    def offers(self, version: Any) -> bool:
        if self.any_version:
            return True
        text = str(version).strip()
        if text == "latest" or text in self.versions:
            return True
        if text.endswith(".x"):  # nodejs: 18.x, python: 3.x
            prefix = text[:-2]
            return any(v == prefix or v.startswith(prefix + ".") for v in self.versions)
        if isinstance(version, float):  # YAML reads 3.10 as 3.1: compare as numbers
            return any(_as_float(v) == version for v in self.versions)
        return False


@dataclass(frozen=True)
class ImageRuntimes:
    image: str
    runtimes: dict[str, Runtime]


@functools.cache
def _data() -> dict[str, Any]:
    text = resources.files("pipectl.buildspec").joinpath("runtimes.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def taken_on() -> str:
    return str(_data()["taken"])


def known_images() -> list[str]:
    return list(_data()["images"])


def image_runtimes(image: str) -> ImageRuntimes | None:
    """The runtimes of a current CodeBuild image, or None for any other image."""
    entry = _data()["images"].get(image.strip())
    if entry is None:
        return None
    return ImageRuntimes(image, {
        name: Runtime(tuple(r["versions"]), bool(r["default"]))
        for name, r in entry["runtimes"].items()
    })


def _as_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
