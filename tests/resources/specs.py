"""Specs and task definitions for the tests of resources, planners and commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from pipectl.resources.common import Placement
from pipectl.resources.desired import DesiredState, desired_state
from pipectl.spec.model import Spec

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
PLACEMENT = Placement(ACCOUNT, REGION)
CONNECTION = f"arn:aws:codeconnections:{REGION}:{ACCOUNT}:connection/abc-123"
EXECUTION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole"
TASK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/hello-web-task"
LOG_GROUP = "/ecs/hello-web"  # the task's awslogs group, which pipectl creates


def spec_data(**sections: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": 1,
        "name": "hello-web",
        "region": REGION,
        "tags": {"team": "web"},
        "source": {"provider": "github", "connection_arn": CONNECTION,
                   "repository": "acme/hello-web", "branch": "main"},
        "build": {"env": {"LOG_LEVEL": "info"}, "secrets": {"API_TOKEN": "ssm:/hello/token"}},
        "image": {"keep_images": 30},
        "deploy": {
            "cluster": "hello-cluster", "service": "hello-web", "container": "web",
            "task_definition": "config/task_definition.json", "timeout_minutes": 15,
            "create_service": {"desired_count": 1, "subnets": ["subnet-0abc1234"],
                               "security_groups": ["sg-0abc1234"], "assign_public_ip": True},
        },
        "pipeline": {"type": "V2", "execution_mode": "QUEUED"},
    }
    for key, value in sections.items():
        if value is None:
            data.pop(key, None)
        elif key == "source" and "provider" in value:
            data[key] = value  # another provider: its own keys only
        elif isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data


def task_definition(**changes: Any) -> dict[str, Any]:
    return {
        "family": "hello-web",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "executionRoleArn": EXECUTION_ROLE,
        "taskRoleArn": TASK_ROLE,
        "containerDefinitions": [{
            "name": "web",
            "image": "public.ecr.aws/nginx/nginx:latest",
            "essential": True,
            "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": LOG_GROUP, "awslogs-region": REGION,
                "awslogs-stream-prefix": "web"}},
        }],
        **changes,
    }


def make_spec(**sections: Any) -> Spec:
    return Spec.model_validate(spec_data(**sections))


def make_state(spec: Spec | None = None, task: dict[str, Any] | None = None) -> DesiredState:
    return desired_state(spec or make_spec(), PLACEMENT, task or task_definition())


def write_project(root: Path, *, spec: dict[str, Any] | None = None,
                  task: dict[str, Any] | None = None) -> Path:
    """A project directory as `pipectl init` lays it out; returns the spec's path."""
    config = root / "config"
    config.mkdir(parents=True, exist_ok=True)
    path = config / "pipeline.yml"
    path.write_text(yaml.safe_dump(spec or spec_data(), sort_keys=False))
    (config / "task_definition.json").write_text(json.dumps(task or task_definition(), indent=2))
    return path
