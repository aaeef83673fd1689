"""What the sandbox corrects in moto, applied to moto in-process for the tests that use it.

moto keeps a bucket's ``EventBridgeConfiguration`` but leaves it out of
GetBucketNotificationConfiguration; the sandbox adds it in its WSGI layer
(pipectl.sandbox.s3_notifications), and this patch adds it the same way in-process.
"""

from __future__ import annotations

from typing import Any

import pytest


def report_event_bridge(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.s3.responses import S3Response

    from pipectl.sandbox.s3_notifications import add_event_bridge, event_bridge_on

    original = S3Response.get_bucket_notification

    def get_bucket_notification(self: Any) -> Any:
        status, headers, body = original(self)
        if event_bridge_on(self.current_account, self.bucket_name):
            raw = body.encode() if isinstance(body, str) else body
            body = add_event_bridge(raw)
        return status, headers, body

    monkeypatch.setattr(S3Response, "get_bucket_notification", get_bucket_notification)
