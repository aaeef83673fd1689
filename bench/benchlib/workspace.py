"""The project the benchmark works on: N pipeline specs in one repository checkout.

Each spec is the repository's reference pipeline (``config/pipeline.yml``) renamed,
with its own task definition, so that N specs make N independent pipelines.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def pipeline_name(index: int) -> str:
    return f"bench-{index:02d}"


def reference_spec() -> dict[str, Any]:
    data = yaml.safe_load((REPO_ROOT / "config" / "pipeline.yml").read_text())
    if not isinstance(data, dict):
        raise ValueError("config/pipeline.yml does not hold a mapping")
    return data


def spec_for(index: int, template: dict[str, Any]) -> dict[str, Any]:
    name = pipeline_name(index)
    spec: dict[str, Any] = json.loads(json.dumps(template))  # a deep copy
    spec["name"] = name
    spec.get("build", {}).pop("project", None)
    spec.setdefault("image", {})["repository"] = name
    spec.setdefault("artifacts", {}).pop("bucket", None)
    if not spec["artifacts"]:
        del spec["artifacts"]
    deploy = spec["deploy"]
    deploy["cluster"] = "bench"
    deploy["service"] = name
    deploy["task_definition"] = f"config/{name}-task.json"
    return spec


def write_project(root: Path, count: int) -> list[Path]:
    """Write ``count`` specs (and what they point to) under ``root``; return their paths."""
    config = root / "config"
    config.mkdir(parents=True, exist_ok=True)
    for name in ("buildspec.yml", "Dockerfile"):
        shutil.copy(REPO_ROOT / name, root / name)
    shutil.copytree(REPO_ROOT / "app", root / "app", dirs_exist_ok=True)
    template = reference_spec()
    task = json.loads((REPO_ROOT / "config" / "task_definition.json").read_text())
    paths = []
    for index in range(1, count + 1):
        spec = spec_for(index, template)
        task["family"] = spec["name"]
        (root / spec["deploy"]["task_definition"]).write_text(json.dumps(task, indent=2))
        path = config / f"{spec['name']}.yml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
        paths.append(path)
    return paths
