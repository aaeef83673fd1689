"""The spec variants whose policies are checked, and their desired state."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pipectl.resources.common import Placement
from pipectl.resources.desired import DesiredState, desired_state, load_task_definition
from pipectl.spec.load import load_spec
from tests.drills.workspace import (
    REGION,
    SANDBOX_ACCOUNT,
    github_source,
    spec_document,
    write_workspace,
)

SECRETS = {
    "API_TOKEN": "ssm:/drill/token",
    "DB_PASSWORD": "secretsmanager:drill/db:password::",
    "SIGNING_KEY": f"secretsmanager:arn:aws:secretsmanager:{REGION}:{SANDBOX_ACCOUNT}:"
                   "secret:drill/signing-AbCdEf",
}

VARIANTS: dict[str, dict[str, Any]] = {
    "github-codeconnections": spec_document(),
    "github-codestar": spec_document(source=github_source(
        f"arn:aws:codestar-connections:{REGION}:{SANDBOX_ACCOUNT}:connection/"
        "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d")),
    "codecommit-with-secrets": spec_document(
        source={"provider": "codecommit", "repository": "drill-web", "branch": "main"},
        secrets=SECRETS),
    "s3-without-service": spec_document(
        source={"provider": "s3", "bucket": "drill-source", "key": "src/drill-web.zip"},
        create_service=False),
}


def build_state(root: Path, document: dict[str, Any]) -> DesiredState:
    spec_path = write_workspace(root, document)
    spec = load_spec(spec_path, dict(os.environ))
    task = load_task_definition(spec.deploy.task_definition, spec_path)
    return desired_state(spec, Placement(SANDBOX_ACCOUNT, REGION), task)
