"""A CodeBuild build as the sandbox keeps it, and as BatchGetBuilds shows it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pipectl.sandbox.clock import Timer
from pipectl.sandbox.codebuild.buildspec import LoadedBuildspec

if TYPE_CHECKING:
    from pipectl.sandbox.faults import BuildFault
    from pipectl.sandbox.permissions import Caller


@dataclass
class ArtifactTarget:
    """Where a pipeline build's output artifact goes (CodePipeline picks the key)."""

    bucket: str
    key: str
    name: str


@dataclass
class Build:
    id: str
    arn: str
    number: int
    project: dict[str, Any]
    account: str
    region: str
    start: datetime
    source_version: str
    resolved_source_version: str
    initiator: str
    environment: dict[str, str]
    artifact: ArtifactTarget | None
    fault: BuildFault | None
    phases: list[dict[str, Any]] = field(default_factory=list)
    current_phase: str = "SUBMITTED"
    status: str = "IN_PROGRESS"
    end: datetime | None = None
    buildspec: LoadedBuildspec | None = None
    failed_phase: str | None = None
    failure_message: str = ""
    failure_code: str = ""
    image_uri: str = ""
    image_digest: str = ""
    image_definitions: str = ""
    exported: dict[str, str] = field(default_factory=dict)
    warm_cache: bool = False  # an earlier docker build of the project left its layers
    built_image: bool = False  # this build ran a docker build
    #: Variables earlier commands set; with buildspec version 0.1 none carry over.
    assigned: set[str] = field(default_factory=set)
    on_done: list[Callable[[Build, datetime], None]] = field(default_factory=list)
    pending: list[Timer] = field(default_factory=list)
    caller: Caller | None = None  # the project's service role, as CodeBuild assumed it
    variables: list[dict[str, Any]] = field(default_factory=list)  # with their types
    secrets: list[str] = field(default_factory=list)  # resolved values, masked in the log
    source_location: dict[str, str] | None = None  # a pipeline build's input artifact

    @property
    def project_name(self) -> str:
        return str(self.project["name"])

    @property
    def log_group(self) -> str:
        logs = (self.project.get("logsConfig") or {}).get("cloudWatchLogs") or {}
        return str(logs.get("groupName") or f"/aws/codebuild/{self.project_name}")

    @property
    def log_stream(self) -> str:
        logs = (self.project.get("logsConfig") or {}).get("cloudWatchLogs") or {}
        prefix = logs.get("streamName")
        suffix = self.id.split(":", 1)[1]
        return f"{prefix}/{suffix}" if prefix else suffix

    def to_dict(self) -> dict[str, Any]:
        environment = dict(self.project.get("environment") or {})
        data: dict[str, Any] = {
            "id": self.id,
            "arn": self.arn,
            "buildNumber": self.number,
            "startTime": self.start,
            "currentPhase": self.current_phase,
            "buildStatus": self.status,
            "sourceVersion": self.source_version,
            "resolvedSourceVersion": self.resolved_source_version,
            "projectName": self.project_name,
            "phases": [dict(p) for p in self.phases],
            "source": self.project.get("source"),
            "artifacts": {}
            if self.artifact is None
            else {
                "location": f"arn:aws:s3:::{self.artifact.bucket}/{self.artifact.key}",
            },
            "cache": self.project.get("cache") or {"type": "NO_CACHE"},
            "environment": environment,
            "serviceRole": self.project.get("serviceRole"),
            "logs": {
                "groupName": self.log_group,
                "streamName": self.log_stream,
                "deepLink": (
                    f"https://console.aws.amazon.com/cloudwatch/home?region={self.region}"
                    f"#logsV2:log-groups/log-group/{self.log_group.replace('/', '$252F')}"
                    f"/log-events/{self.log_stream}"
                ),
                "cloudWatchLogsArn": (
                    f"arn:aws:logs:{self.region}:{self.account}:log-group:{self.log_group}"
                    f":log-stream:{self.log_stream}"
                ),
                "cloudWatchLogs": {"status": "ENABLED"},
            },
            "timeoutInMinutes": self.project.get("timeoutInMinutes", 60),
            "queuedTimeoutInMinutes": self.project.get("queuedTimeoutInMinutes", 480),
            "buildComplete": self.status != "IN_PROGRESS",
            "initiator": self.initiator,
            "encryptionKey": self.project.get("encryptionKey"),
        }
        if not self.source_version:  # the shape wants none rather than an empty one
            del data["sourceVersion"], data["resolvedSourceVersion"]
        if self.end is not None:
            data["endTime"] = self.end
        if self.exported:
            data["exportedEnvironmentVariables"] = [
                {"name": k, "value": v} for k, v in self.exported.items()
            ]
        return data
