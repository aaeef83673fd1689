"""The wire side of the sandbox: read an AWS request off a WSGI environ, write answers.

Only what the sandbox serves itself is parsed here: the JSON 1.0/1.1 protocol
(``X-Amz-Target: Prefix.Operation``), which botocore uses for CodePipeline, CodeBuild
and ECS. Everything else goes to moto untouched. A request for one of our operations
that we cannot parse gets a clear error, never a guess.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

WsgiEnviron = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiBody = Iterable[bytes]

DEFAULT_REGION = "us-east-1"

# JSON target prefix -> the service's signing name (botocore's service model metadata).
TARGET_PREFIXES: dict[str, str] = {
    "CodePipeline_20150709": "codepipeline",
    "CodeBuild_20161006": "codebuild",
    "AmazonEC2ContainerServiceV20141113": "ecs",
    "AmazonEC2ContainerRegistry_V20150921": "ecr",
    "Logs_20140328": "logs",
}


class PassThrough(Exception):
    """The request is not for anything the sandbox tracks: let moto answer it."""


class ApiError(Exception):
    """An AWS error answer: ``__type`` code, message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


@dataclass
class AwsRequest:
    """One signed AWS call as the sandbox sees it."""

    service: str  # signing name, e.g. "codebuild"; "" when unknown
    operation: str  # e.g. "UpdateProject"; "" when unknown
    region: str
    access_key: str
    target: str = ""  # the X-Amz-Target header, when the JSON protocol is used
    body: bytes = b""
    params: dict[str, Any] = field(default_factory=dict)
    json_protocol: bool = False
    query_protocol: bool = False

    @property
    def name(self) -> str:
        """``service:Operation``, the way faults and pipectl's call counter name calls."""
        return f"{self.service}:{self.operation}"


def read_body(environ: WsgiEnviron) -> bytes:
    """Read the request body and put it back, so moto can read it again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    body = stream.read(length) if (stream is not None and length > 0) else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def _credential_scope(environ: WsgiEnviron) -> tuple[str, str, str]:
    """(access key, region, service) from a SigV4 Authorization header."""
    auth = str(environ.get("HTTP_AUTHORIZATION") or "")
    marker = "Credential="
    start = auth.find(marker)
    if start < 0:
        return "", "", ""
    credential = auth[start + len(marker) :].split(",", 1)[0].strip()
    parts = credential.split("/")
    if len(parts) < 5:
        return "", "", ""
    return parts[0], parts[2], parts[3]


def parse_request(environ: WsgiEnviron, body: bytes) -> AwsRequest:
    """Identify the service and operation of a request (best effort for foreign protocols)."""
    access_key, region, service = _credential_scope(environ)
    target = str(environ.get("HTTP_X_AMZ_TARGET") or "")
    request = AwsRequest(
        service=service,
        operation="",
        region=region or DEFAULT_REGION,
        access_key=access_key,
        target=target,
        body=body,
    )
    if target and "." in target:
        prefix, operation = target.split(".", 1)
        request.operation = operation
        request.service = TARGET_PREFIXES.get(prefix, service)
        request.json_protocol = True
        return request
    content_type = str(environ.get("CONTENT_TYPE") or "")
    if content_type.startswith("application/x-www-form-urlencoded") and body:
        from urllib.parse import parse_qs

        fields = parse_qs(body.decode("utf-8", "replace"))
        if "Action" in fields:
            request.operation = fields["Action"][0]
            request.query_protocol = True
    return request


def is_cbor(environ: WsgiEnviron) -> bool:
    content_type = str(environ.get("CONTENT_TYPE") or "")
    return "cbor" in content_type or bool(environ.get("HTTP_SMITHY_PROTOCOL"))


def decode_json_params(request: AwsRequest) -> dict[str, Any]:
    """The JSON body of a request for an operation we serve, or a clear error."""
    if not request.body.strip():
        return {}
    try:
        data = json.loads(request.body)
    except ValueError as exc:
        raise ApiError(
            "SerializationException",
            f"pipectl sandbox could not parse the JSON body of {request.target}: {exc}",
        ) from exc
    if not isinstance(data, dict):
        raise ApiError(
            "SerializationException",
            f"pipectl sandbox expected a JSON object as the body of {request.target}",
        )
    return data


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        # The JSON protocols send timestamps as epoch seconds.
        return round(value.timestamp(), 3)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def to_json(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, default=_default, separators=(",", ":")).encode()


def _request_id_headers() -> list[tuple[str, str]]:
    return [("x-amzn-RequestId", str(uuid.uuid4()))]


def json_response(
    start_response: StartResponse, data: Mapping[str, Any], status: int = 200
) -> WsgiBody:
    body = to_json(data)
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("Content-Length", str(len(body))),
        *_request_id_headers(),
    ]
    start_response(f"{status} {_reason(status)}", headers)
    return [body]


def json_error(start_response: StartResponse, error: ApiError) -> WsgiBody:
    body = to_json({"__type": error.code, "message": error.message})
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("Content-Length", str(len(body))),
        ("X-Amzn-ErrorType", error.code),
        *_request_id_headers(),
    ]
    start_response(f"{error.status} {_reason(error.status)}", headers)
    return [body]


def xml_error(start_response: StartResponse, error: ApiError, s3_style: bool) -> WsgiBody:
    """An error in the XML protocols (query: ErrorResponse; S3: a bare Error)."""
    from xml.sax.saxutils import escape

    inner = f"<Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"
    request_id = str(uuid.uuid4())
    if s3_style:
        text = f"<Error>{inner}<RequestId>{request_id}</RequestId></Error>"
    else:
        text = (
            f"<ErrorResponse><Error><Type>Sender</Type>{inner}</Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    body = ('<?xml version="1.0" encoding="UTF-8"?>' + text).encode()
    headers = [
        ("Content-Type", "text/xml"),
        ("Content-Length", str(len(body))),
        ("x-amzn-RequestId", request_id),
    ]
    start_response(f"{error.status} {_reason(error.status)}", headers)
    return [body]


def plain_json(start_response: StartResponse, data: Any, status: int = 200) -> WsgiBody:
    """A plain JSON answer (the control API)."""
    body = (json.dumps(data, default=_default, indent=2) + "\n").encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response(f"{status} {_reason(status)}", headers)
    return [body]


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
