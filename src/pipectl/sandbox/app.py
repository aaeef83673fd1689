"""The thin WSGI layer in front of moto's app.

Order of business for each request: the control API (``/_pipectl/...``), injected
faults, the operations the sandbox serves itself (moto lacks them or gets them wrong),
and finally moto's own app for everything else. The run engine advances on every
request, so whatever a client reads next (through us or through moto) tells one story.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from pipectl.sandbox.auth import Gate, without_cors
from pipectl.sandbox.codebuild import projects
from pipectl.sandbox.protocol import (
    TARGET_PREFIXES,
    ApiError,
    AwsRequest,
    PassThrough,
    StartResponse,
    WsgiBody,
    WsgiEnviron,
    decode_json_params,
    is_cbor,
    json_error,
    json_response,
    parse_request,
    read_body,
)

# A handler gets (account, region, params) and returns the output dict.
Handler = Callable[[str, str, dict[str, Any]], dict[str, Any]]
CONTROL_PREFIX = "/_pipectl/"


def account_for(access_key: str) -> str:
    from moto.iam.models import get_account_id_from

    return str(get_account_id_from(access_key))


class SandboxApp:
    """WSGI app: our handlers first, moto's DomainDispatcherApplication behind them."""

    def __init__(
        self, moto_app: Callable[[WsgiEnviron, StartResponse], WsgiBody], gate: Gate
    ) -> None:
        self.moto_app = moto_app
        # Who may talk to us: checked before anything else reads the request.
        self.gate = gate
        # One lock for everything the sandbox itself serves: moto's backends are plain
        # dicts, and the engine mutates them while it advances.
        self.lock = threading.RLock()
        self.handlers: dict[str, Handler] = {
            "codebuild:CreateProject": projects.create_project,
            "codebuild:UpdateProject": projects.update_project,
            "codebuild:BatchGetProjects": projects.batch_get_projects,
        }
        # Hooks run before every request (the engine advancing its clock) ...
        self.before_request: list[Callable[[], None]] = []
        # ... and control routes: "METHOD /_pipectl/path" -> handler(json body) -> json.
        self.control: dict[str, Callable[[dict[str, Any]], tuple[int, Any]]] = {}
        # Interceptors may answer a request before the handlers do (faults).
        self.interceptors: list[
            Callable[[WsgiEnviron, AwsRequest, StartResponse], WsgiBody | None]
        ] = []
        # Called when moto's state is wiped (POST /moto-api/reset): the engine forgets too.
        self.on_reset: list[Callable[[], None]] = []
        self.last_request = time.monotonic()

    def register(self, name: str, handler: Handler) -> None:
        self.handlers[name] = handler

    def __call__(self, environ: WsgiEnviron, start_response: StartResponse) -> WsgiBody:
        refusal = self.gate.refusal(environ)
        if refusal is not None:
            return _refuse(environ, start_response, *refusal)
        self.last_request = time.monotonic()
        path = str(environ.get("PATH_INFO") or "")
        if path.startswith(CONTROL_PREFIX):
            return self._control(environ, start_response, path)
        body = read_body(environ)
        if path.rstrip("/") == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
            with self.lock:
                for reset in self.on_reset:
                    reset()
        request = parse_request(environ, body)
        with self.lock:
            for hook in self.before_request:
                hook()
        for interceptor in self.interceptors:
            answer = interceptor(environ, request, start_response)
            if answer is not None:
                return answer
        prefix = request.target.split(".", 1)[0] if request.target else ""
        ours = prefix in TARGET_PREFIXES and request.name in self.handlers
        if not ours and is_cbor(environ) and self._serves_service(request.service):
            return json_error(
                start_response,
                ApiError(
                    "UnsupportedProtocol",
                    "pipectl sandbox speaks the JSON 1.1 protocol (X-Amz-Target) for "
                    f"{request.service}; this request used another wire protocol "
                    f"({environ.get('CONTENT_TYPE')})",
                ),
            )
        if not ours:
            return self._moto(environ, start_response)
        try:
            params = decode_json_params(request)
            with self.lock:
                result = self.handlers[request.name](
                    account_for(request.access_key), request.region, params
                )
        except ApiError as error:
            return json_error(start_response, error)
        except PassThrough:
            return self._moto(environ, start_response)
        except Exception as exc:
            moto_error = _from_moto(exc)
            if moto_error is None:
                raise
            return json_error(start_response, moto_error)
        return json_response(start_response, result)

    def _moto(self, environ: WsgiEnviron, start_response: StartResponse) -> WsgiBody:
        # The engine writes into moto's objects (deployments, events, log streams) while
        # it advances; moto reading them at the same moment could see a list change size.
        def start_without_cors(status: str, headers: list[tuple[str, str]],
                               *args: Any) -> Any:
            return start_response(status, without_cors(headers), *args)

        with self.lock:
            return self.moto_app(environ, start_without_cors)

    def _serves_service(self, service: str) -> bool:
        return any(name.startswith(service + ":") for name in self.handlers)

    def _control(self, environ: WsgiEnviron, start_response: StartResponse, path: str) -> WsgiBody:
        import json

        from pipectl.sandbox.protocol import plain_json

        method = str(environ.get("REQUEST_METHOD") or "GET").upper()
        route = self.control.get(f"{method} {path.rstrip('/')}")
        if route is None:
            known = sorted(self.control)
            return plain_json(
                start_response,
                {
                    "error": f"no control route {method} {path}",
                    "routes": known,
                },
                status=404,
            )
        raw = read_body(environ)
        try:
            data = json.loads(raw) if raw.strip() else {}
            if not isinstance(data, dict):
                raise ValueError("expected a JSON object")
        except ValueError as exc:
            return plain_json(start_response, {"error": f"bad JSON body: {exc}"}, status=400)
        try:
            with self.lock:
                status, answer = route(data)
        except ApiError as error:
            return plain_json(start_response, {"error": error.message}, status=error.status)
        return plain_json(start_response, answer, status=status)


def _refuse(
    environ: WsgiEnviron, start_response: StartResponse, status: int, why: str
) -> WsgiBody:
    """A refusal in the protocol the client speaks, so its error message is ours."""
    from pipectl.sandbox.protocol import plain_json, xml_error

    path = str(environ.get("PATH_INFO") or "")
    if path.startswith(CONTROL_PREFIX) or path.startswith("/moto-api"):
        return plain_json(start_response, {"error": why}, status=status)
    misdirected = status == 421
    if environ.get("HTTP_X_AMZ_TARGET"):
        # AWS answers an unknown key with 400 in the JSON protocol, 403 elsewhere.
        if misdirected:
            return json_error(start_response, ApiError("MisdirectedRequest", why, status))
        return json_error(start_response, ApiError("UnrecognizedClientException", why, 400))
    query = str(environ.get("CONTENT_TYPE") or "").startswith("application/x-www-form")
    code = "MisdirectedRequest" if misdirected else (
        "InvalidClientTokenId" if query else "InvalidAccessKeyId")
    return xml_error(start_response, ApiError(code, why, status), s3_style=not query)


def _from_moto(exc: Exception) -> ApiError | None:
    """A moto exception raised inside one of our handlers, as the AWS error it stands for."""
    code = getattr(exc, "error_type", None) or getattr(exc, "code", None)
    message = getattr(exc, "message", None)
    if isinstance(code, str) and isinstance(message, str):
        status = getattr(exc, "code", 400)
        return ApiError(code, message, status if isinstance(status, int) else 400)
    return None
