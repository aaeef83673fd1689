"""A drill's view of one project: run pipectl on it, arm faults, list what exists."""

from __future__ import annotations

import json
import os
import urllib.request
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pipectl.clock import Clock
from pipectl.sandbox.server import SandboxServer
from pipectl.spec.load import load_spec
from pipectl.spec.model import Spec
from tests.conftest import CliResult, run_cli
from tests.drills.workspace import REGION, SANDBOX_ACCOUNT
from tests.sandbox.steered_clock import paced

#: Every service pipectl talks to (the fault drills disturb all of them).
SERVICES = ("sts", "iam", "s3", "ecr", "ecs", "codebuild", "codepipeline", "logs", "ssm")


@dataclass
class Project:
    sandbox: SandboxServer
    spec_path: Path

    @property
    def url(self) -> str:
        return self.sandbox.url

    @cached_property
    def spec(self) -> Spec:
        return load_spec(self.spec_path, dict(os.environ))

    def cli(self, *args: str, environ: dict[str, str] | None = None,
            clock: Clock | None = None) -> CliResult:
        """``pipectl --endpoint-url URL -c SPEC ARGS...`` in-process, as a user types it."""
        return run_cli(["--endpoint-url", self.url, "-c", str(self.spec_path), *args],
                       environ=environ, clock=clock)

    def paced(self, *args: str) -> CliResult:
        """``cli(ARGS)`` of a watch that paces the run (tests.sandbox.steered_clock.paced)."""
        with paced(self.sandbox) as clock:
            return self.cli(*args, clock=clock)

    # --- the sandbox's control API -------------------------------------------------

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}/_pipectl/{path}", data=data, method=method,
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {self.sandbox.token}"},
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read() or b"null")

    def fault(self, **fault: Any) -> Any:
        return self.control("POST", "faults", fault)

    def clear_faults(self) -> Any:
        return self.control("DELETE", "faults")

    # --- what exists ---------------------------------------------------------------

    def client(self, service: str) -> Any:
        import boto3

        return boto3.session.Session(
            aws_access_key_id=self.sandbox.token, aws_secret_access_key="sandbox",
            region_name=REGION,
        ).client(service, endpoint_url=self.url)

    def inventory(self) -> dict[str, Counter[str]]:
        """Every resource of the kinds pipectl creates, by name, counted (2+ = duplicate)."""
        iam, ecr, ecs = self.client("iam"), self.client("ecr"), self.client("ecs")
        clusters = ecs.list_clusters()["clusterArns"]
        services = [arn for c in clusters for arn in ecs.list_services(cluster=c)["serviceArns"]]
        return {
            "roles": Counter(r["RoleName"] for r in iam.list_roles()["Roles"]),
            "role policies": Counter(
                f"{r['RoleName']}/{p}" for r in iam.list_roles()["Roles"]
                for p in iam.list_role_policies(RoleName=r["RoleName"])["PolicyNames"]),
            "buckets": Counter(b["Name"] for b in self.client("s3").list_buckets()["Buckets"]),
            "repositories": Counter(
                r["repositoryName"] for r in ecr.describe_repositories()["repositories"]),
            "projects": Counter(self.client("codebuild").list_projects()["projects"]),
            "pipelines": Counter(
                p["name"] for p in self.client("codepipeline").list_pipelines()["pipelines"]),
            "clusters": Counter(arn.rsplit("/", 1)[1] for arn in clusters),
            "services": Counter(arn.rsplit("/", 1)[1] for arn in services),
            "task definition families": Counter(
                ecs.list_task_definition_families(status="ACTIVE")["families"]),
        }

    def task_definition_revisions(self) -> list[str]:
        """Every ACTIVE task definition revision (a run's deploy adds one)."""
        arns: list[str] = self.client("ecs").list_task_definitions(
            status="ACTIVE")["taskDefinitionArns"]
        return arns

    def expected_inventory(self) -> dict[str, Counter[str]]:
        """Exactly what the spec asks for, one of each."""
        names = self.spec.names
        roles = (names.codebuild_role, names.pipeline_role)
        has_service = self.spec.deploy.create_service is not None
        return {
            "roles": Counter(roles),
            "role policies": Counter(f"{r}/pipectl" for r in roles),
            "buckets": Counter([names.bucket(SANDBOX_ACCOUNT, REGION)]),
            "repositories": Counter([names.repository]),
            "projects": Counter([names.project]),
            "pipelines": Counter([names.pipeline]),
            "clusters": Counter([names.cluster] if has_service else []),
            "services": Counter([names.service] if has_service else []),
            "task definition families": Counter(
                [str(json.loads((self.spec_path.parent.parent
                                 / self.spec.deploy.task_definition).read_text())["family"])]
                if has_service else []),
        }
