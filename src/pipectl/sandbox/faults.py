"""Faults on demand: what goes wrong on AWS, made to go wrong in the sandbox.

- ``build``: the next build(s) fail in a chosen phase, with the log line and phase
  context a real failure shows (default for BUILD: no Docker daemon, the error of a
  project without privileged mode).
- ``deploy``: the next deployment's tasks fail to start (CannotPullContainerError);
  the ECS circuit breaker fails the rollout and rolls back when the service enables
  it, while the pipeline's Deploy action stays InProgress until its timeout. With
  ``alarm``, the tasks start and that CloudWatch alarm goes into ALARM instead: ECS
  rolls back when the service's deployment configuration watches it.
- ``api``: a fraction of the calls to a service or operation are throttled
  (ThrottlingException, 400) or fail with a 5xx; seeded, so a test is repeatable.
- ``offline``: the endpoint stops answering (connections are dropped) for a while.

Set them with ``pipectl sandbox fault ...`` or over HTTP: ``POST /_pipectl/faults``.
"""

from __future__ import annotations

import contextlib
import random
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, TypeVar

from pipectl.sandbox.codebuild.phases import FAULTABLE_PHASES
from pipectl.sandbox.protocol import (
    ApiError,
    AwsRequest,
    StartResponse,
    WsgiBody,
    WsgiEnviron,
    json_error,
    xml_error,
)

# What a failure in each phase looks like on AWS: (context code, log line or message).
DEFAULT_BUILD_FAILURES: dict[str, tuple[str, str]] = {
    "PROVISIONING": (
        "BUILD_CONTAINER_UNABLE_TO_PULL_IMAGE",
        "Unable to pull customer's container image. CannotPullContainerError: Error response "
        "from daemon: pull access denied for aws/codebuild/standard, repository does not "
        "exist or may require 'docker login'",
    ),
    "DOWNLOAD_SOURCE": (
        "CLIENT_ERROR",
        "repository not found for primary source and source version",
    ),
    "INSTALL": ("COMMAND_EXECUTION_ERROR", "E: Unable to locate package build-essentials"),
    "PRE_BUILD": (
        "COMMAND_EXECUTION_ERROR",
        "An error occurred (AccessDeniedException) when calling the GetAuthorizationToken "
        "operation: User is not authorized to perform: ecr:GetAuthorizationToken",
    ),
    "BUILD": (
        "COMMAND_EXECUTION_ERROR",
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
        "Is the docker daemon running?",
    ),
    "POST_BUILD": (
        "COMMAND_EXECUTION_ERROR",
        "denied: User is not authorized to perform: ecr:InitiateLayerUpload on the "
        "repository because no identity-based policy allows the ecr:InitiateLayerUpload action",
    ),
    "UPLOAD_ARTIFACTS": ("CLIENT_ERROR", "no matching artifact paths found"),
}
DEFAULT_DEPLOY_REASON = (
    "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to "
    "resolve ref {image}: {image}: not found"
)


class _Counted(Protocol):
    count: int  # how many more times it fires


CountedFault = TypeVar("CountedFault", bound=_Counted)


def _take_first(
    armed: list[CountedFault], applies: Callable[[CountedFault], bool]
) -> CountedFault | None:
    """The first armed fault that applies, disarmed once it has fired ``count`` times."""
    for fault in armed:
        if applies(fault):
            fault.count -= 1
            if fault.count <= 0:
                armed.remove(fault)
            return fault
    return None


@dataclass
class BuildFault:
    phase: str
    message: str = ""  # the log line (command phases) or context message (others)
    code: str = ""
    command: str = ""  # fail at the first command containing this text
    project: str = ""  # only builds of this project ("" = any)
    count: int = 1

    def log_line(self, command: str) -> str:
        return self.message or DEFAULT_BUILD_FAILURES[self.phase][1]


@dataclass
class DeployFault:
    reason: str = ""
    service: str = ""  # only this service ("" = any)
    count: int = 1
    # Instead of failing tasks: the tasks run and this CloudWatch alarm goes into ALARM.
    alarm: str = ""

    def stopped_reason(self, image: str) -> str:
        return (self.reason or DEFAULT_DEPLOY_REASON).replace("{image}", image)


@dataclass
class ApiFault:
    target: str  # "ecs", "ecs:DescribeServices" (case-insensitive)
    kind: str = "throttle"  # throttle | error
    status: int = 500
    rate: float = 1.0
    seed: int = 0
    count: int | None = None  # at most this many faults, then it is spent
    hits: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def matches(self, request: AwsRequest) -> bool:
        target = self.target.lower()
        if ":" in target:
            return request.name.lower() == target
        return request.service.lower() == target

    def public(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("rng", None)
        return data


class Faults:
    """The armed faults, consumed as runs meet them. Guarded by the app's lock."""

    def __init__(self) -> None:
        self.build: list[BuildFault] = []
        self.deploy: list[DeployFault] = []
        self.api: list[ApiFault] = []
        self.offline_until: float | None = None

    def clear(self) -> None:
        self.build.clear()
        self.deploy.clear()
        self.api.clear()
        self.offline_until = None

    # --- arming -------------------------------------------------------------------

    def add(self, spec: dict[str, Any]) -> dict[str, Any]:
        kind = str(spec.get("type") or "")
        count = int(spec.get("count") or 1)
        if kind == "build":
            phase = str(spec.get("phase") or "BUILD").upper()
            if phase not in FAULTABLE_PHASES:
                allowed = ", ".join(FAULTABLE_PHASES)
                raise ApiError("InvalidFault", f"phase must be one of {allowed}")
            code = str(spec.get("code") or DEFAULT_BUILD_FAILURES[phase][0])
            fault = BuildFault(
                phase=phase,
                message=str(spec.get("message") or ""),
                code=code,
                command=str(spec.get("command") or ""),
                project=str(spec.get("project") or ""),
                count=count,
            )
            self.build.append(fault)
            return {"type": "build", **asdict(fault)}
        if kind == "deploy":
            deploy = DeployFault(
                reason=str(spec.get("reason") or ""),
                service=str(spec.get("service") or ""),
                count=count,
                alarm=str(spec.get("alarm") or ""),
            )
            self.deploy.append(deploy)
            return {"type": "deploy", **asdict(deploy)}
        if kind == "api":
            return {"type": "api", **self._add_api(spec)}
        if kind == "offline":
            seconds = float(spec.get("seconds") or 0)
            self.offline_until = time.monotonic() + seconds if seconds > 0 else float("inf")
            return {"type": "offline", "seconds": seconds or None}
        raise ApiError("InvalidFault", "type must be one of build, deploy, api, offline")

    def _add_api(self, spec: dict[str, Any]) -> dict[str, Any]:
        target = str(spec.get("target") or "")
        if not target:
            raise ApiError(
                "InvalidFault", "an api fault needs a target: SERVICE or SERVICE:Operation"
            )
        kind = str(spec.get("kind") or "throttle")
        if kind not in ("throttle", "error"):
            raise ApiError("InvalidFault", "kind must be throttle or error")
        rate = float(spec.get("rate", 1.0))
        if not 0 < rate <= 1:
            raise ApiError("InvalidFault", "rate must be in (0, 1]")
        status = int(spec.get("status") or 500)
        if kind == "error" and not 500 <= status <= 599:
            raise ApiError("InvalidFault", "an error fault's status must be a 5xx")
        seed = int(spec.get("seed") or 0)
        raw_count = spec.get("count")
        fault = ApiFault(
            target=target,
            kind=kind,
            status=status,
            rate=rate,
            seed=seed,
            count=int(raw_count) if raw_count else None,
            rng=random.Random(seed),
        )
        self.api.append(fault)
        return fault.public()

    def describe(self) -> dict[str, Any]:
        offline = None
        if self.offline_until is not None:
            left = self.offline_until - time.monotonic()
            offline = (
                "until stopped" if left == float("inf") else (round(left, 2) if left > 0 else None)
            )
        return {
            "build": [asdict(f) for f in self.build],
            "deploy": [asdict(f) for f in self.deploy],
            "api": [f.public() for f in self.api],
            "offline": offline,
        }

    # --- consuming ----------------------------------------------------------------

    def take_build_fault(self, project: str) -> BuildFault | None:
        return _take_first(self.build, lambda fault: fault.project in ("", project))

    def take_deploy_fault(self, service: str) -> DeployFault | None:
        return _take_first(self.deploy, lambda fault: fault.service in ("", service))

    def is_offline(self) -> bool:
        if self.offline_until is None:
            return False
        if time.monotonic() >= self.offline_until:
            self.offline_until = None
            return False
        return True

    def api_fault_for(self, request: AwsRequest) -> ApiFault | None:
        for fault in self.api:
            if not fault.matches(request):
                continue
            if fault.rng.random() >= fault.rate:
                continue
            fault.hits += 1
            if fault.count is not None and fault.hits >= fault.count:
                self.api.remove(fault)
            return fault
        return None


def intercept(
    faults: Faults, environ: WsgiEnviron, request: AwsRequest, start_response: StartResponse
) -> WsgiBody | None:
    """Answer with the fault this request meets, or None to let it through."""
    if faults.is_offline():
        _drop_connection(environ)
    fault = faults.api_fault_for(request)
    if fault is None:
        return None
    if fault.kind == "throttle":
        error = ApiError("ThrottlingException", "Rate exceeded", 400)
        if request.service == "s3":
            error = ApiError("SlowDown", "Please reduce your request rate.", 503)
    else:
        error = ApiError(
            "InternalFailure" if fault.status == 500 else "ServiceUnavailable",
            "The request processing has failed because of an unknown error, exception or failure."
            if fault.status == 500
            else "Service is unavailable",
            fault.status,
        )
    if request.json_protocol:
        return json_error(start_response, error)
    return xml_error(start_response, error, s3_style=not request.query_protocol)


def _drop_connection(environ: WsgiEnviron) -> None:
    """Close the client's connection without an answer: the endpoint is "gone"."""
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    raise ConnectionResetError("pipectl sandbox fault: offline")
