"""S3 GetBucketNotificationConfiguration with the bucket's EventBridge setting.

moto 5.2.5 stores ``EventBridgeConfiguration`` from PutBucketNotificationConfiguration but
leaves it out of its answer to the Get, so a client could never see that EventBridge
notifications are on (and ``pipectl plan`` would want to switch them on forever). S3
answers with an empty ``<EventBridgeConfiguration/>`` element: the sandbox adds it to
moto's answer when the bucket has it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from pipectl.sandbox.app import account_for
from pipectl.sandbox.protocol import AwsRequest, StartResponse, WsgiBody, WsgiEnviron

MotoCall = Callable[[WsgiEnviron, StartResponse], WsgiBody]
CLOSING = b"</NotificationConfiguration>"


def _bucket_of(environ: WsgiEnviron) -> str | None:
    """The bucket of a path-style GET /BUCKET?notification, else None."""
    if str(environ.get("REQUEST_METHOD") or "").upper() != "GET":
        return None
    query = parse_qs(str(environ.get("QUERY_STRING") or ""), keep_blank_values=True)
    if "notification" not in query:
        return None
    parts = str(environ.get("PATH_INFO") or "").strip("/").split("/")
    return parts[0] if len(parts) == 1 and parts[0] else None


def event_bridge_on(account: str, bucket: str) -> bool:
    from moto.s3.models import s3_backends

    try:
        config = s3_backends[account]["aws"].get_bucket(bucket).notification_configuration
    except Exception:
        return False  # no such bucket: moto's own answer says so
    return config is not None and getattr(config, "event_bridge", None) is not None


def add_event_bridge(body: bytes) -> bytes:
    """moto's GetBucketNotificationConfiguration answer, with ``<EventBridgeConfiguration/>``."""
    if CLOSING in body:
        return body.replace(CLOSING, b"<EventBridgeConfiguration/>" + CLOSING, 1)
    # moto answers a bucket without other notifications with an empty document.
    return (b'<?xml version="1.0" encoding="UTF-8"?><NotificationConfiguration '
            b'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><EventBridgeConfiguration/>'
            + CLOSING)


def with_event_bridge(moto: MotoCall, environ: WsgiEnviron, request: AwsRequest,
                      start_response: StartResponse) -> WsgiBody | None:
    """moto's answer plus ``<EventBridgeConfiguration/>``, or None to let moto answer."""
    bucket = _bucket_of(environ) if request.service == "s3" else None
    # The account only for this one request: every other request passes by at no cost.
    if bucket is None or not event_bridge_on(account_for(request.access_key), bucket):
        return None
    captured: dict[str, Any] = {}

    def capture(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    body = b"".join(moto(environ, capture))
    if not str(captured.get("status", "")).startswith("200"):
        start_response(captured["status"], captured["headers"])
        return [body]
    body = add_event_bridge(body)
    headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
    start_response(captured["status"], [*headers, ("Content-Length", str(len(body)))])
    return [body]
