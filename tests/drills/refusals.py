"""A tiny WSGI seam for drills: make the sandbox refuse calls the way AWS does.

The sandbox's own faults throttle and fail with 5xx; AWS also refuses a caller
AccessDenied for one operation (the sandbox itself refuses credentials that are not its
token, as AWS refuses a key it does not know). These interceptors
sit in the sandbox's request path (``SandboxServer.app.interceptors``) and answer
such calls with AWS's error for the protocol at hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pipectl.sandbox.protocol import (
    ApiError,
    AwsRequest,
    StartResponse,
    WsgiBody,
    WsgiEnviron,
    json_error,
    xml_error,
)
from pipectl.sandbox.server import SandboxServer

INVALID_ACCESS_KEY = "AKIAIOSFODNN7INVALID"  # not the sandbox's token: refused


def _answer(request: AwsRequest, start_response: StartResponse, error: ApiError) -> WsgiBody:
    if request.json_protocol:
        return json_error(start_response, error)
    return xml_error(start_response, error, s3_style=not request.query_protocol)


def _denied(operation: str, request: AwsRequest) -> ApiError:
    code = "AccessDeniedException" if request.json_protocol else "AccessDenied"
    return ApiError(code, f"User: arn:aws:iam::123456789012:user/drill is not authorized to "
                          f"perform: {operation} because no identity-based policy allows the "
                          f"{operation} action", 400 if request.json_protocol else 403)


@contextmanager
def deny(sandbox: SandboxServer, operation: str) -> Iterator[list[str]]:
    """Answer AccessDenied to every call of ``operation`` (``service:Operation``).

    Yields the list of refused calls, so a test can check the refusal was met.
    """
    refused: list[str] = []

    def intercept(environ: WsgiEnviron, request: AwsRequest,
                  start_response: StartResponse) -> WsgiBody | None:
        if request.name.lower() != operation.lower():
            return None
        refused.append(request.name)
        return _answer(request, start_response, _denied(operation, request))

    with _installed(sandbox, intercept):
        yield refused


@contextmanager
def _installed(sandbox: SandboxServer, intercept: object) -> Iterator[None]:
    interceptors = sandbox.app.interceptors
    interceptors.insert(0, intercept)  # type: ignore[arg-type]
    try:
        yield
    finally:
        interceptors.remove(intercept)  # type: ignore[arg-type]
