"""A throw-away project for drills and security checks: spec, task definition, buildspec.

Tests write one with :func:`write_workspace` and point ``-c`` at the spec it returns.
Every spec variant keeps to what the sandbox can run (the account is moto's).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO_ROOT

SANDBOX_ACCOUNT = "123456789012"
REGION = "us-east-1"
EXECUTION_ROLE = f"arn:aws:iam::{SANDBOX_ACCOUNT}:role/ecsTaskExecutionRole"
TASK_ROLE = f"arn:aws:iam::{SANDBOX_ACCOUNT}:role/drill-task"
CONNECTION_ARN = (
    f"arn:aws:codeconnections:{REGION}:{SANDBOX_ACCOUNT}:connection/"
    "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
)


def github_source(connection_arn: str = CONNECTION_ARN) -> dict[str, Any]:
    return {"provider": "github", "connection_arn": connection_arn,
            "repository": "acme/drill-web", "branch": "main"}


def spec_document(
    name: str = "drill-web",
    *,
    source: dict[str, Any] | None = None,
    secrets: dict[str, str] | None = None,
    create_service: bool = True,
) -> dict[str, Any]:
    """A complete spec as plain data (what ``config/pipeline.yml`` would hold)."""
    deploy: dict[str, Any] = {
        "cluster": f"{name}-cluster",
        "service": name,
        "container": "web",
        "task_definition": "config/task_definition.json",
        "timeout_minutes": 15,
    }
    if create_service:
        deploy["create_service"] = {
            "desired_count": 1,
            "subnets": ["subnet-0123456789abcdef0"],
            "security_groups": ["sg-0123456789abcdef0"],
            "assign_public_ip": True,
            "port": 80,
        }
    return {
        "version": 1,
        "name": name,
        "region": REGION,
        "tags": {"team": "drills"},
        "source": source or github_source(),
        "build": {
            "buildspec": "buildspec.yml",
            "env": {"LOG_LEVEL": "info"},
            "secrets": dict(secrets or {}),
        },
        "image": {"repository": name, "keep_images": 10},
        "deploy": deploy,
        "pipeline": {"type": "V2", "execution_mode": "SUPERSEDED"},
    }


def task_definition(family: str, *, task_role: str | None = TASK_ROLE) -> dict[str, Any]:
    """The repository's reference task definition, renamed, with both roles set."""
    data: dict[str, Any] = json.loads((REPO_ROOT / "config" / "task_definition.json").read_text())
    data["family"] = family
    data["executionRoleArn"] = EXECUTION_ROLE
    if task_role:
        data["taskRoleArn"] = task_role
    return data


def write_workspace(root: Path, document: dict[str, Any] | None = None,
                    spec_name: str = "pipeline.yml") -> Path:
    """Write the project under ``root`` and return the spec's path."""
    document = document or spec_document()
    config = root / "config"
    config.mkdir(parents=True, exist_ok=True)
    spec_path = config / spec_name
    spec_path.write_text(yaml.safe_dump(document, sort_keys=False))
    task_path = root / document["deploy"]["task_definition"]
    if not task_path.exists():
        task_path.write_text(json.dumps(task_definition(document["name"]), indent=2))
    for name in ("buildspec.yml", "Dockerfile"):
        if not (root / name).exists():
            shutil.copy(REPO_ROOT / name, root / name)
    # What the Dockerfile copies: the sandbox's docker build checks COPY sources.
    if not (root / "app").exists():
        shutil.copytree(REPO_ROOT / "app", root / "app")
    return spec_path
