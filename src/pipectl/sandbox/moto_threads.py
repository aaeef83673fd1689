"""moto's choice of members to leave out of an answer, kept per request.

moto records "leave the tags out" (DescribeServices without ``include: ["TAGS"]``) in
``RESPONSE_KEY_PATH_TO_TRANSFORMER``, a dict of the response *class*, shared by every
request. The sandbox serves each request in its own thread, and ``plan`` reads the
service twice at once (the task definition's read without tags, the service's with):
one request's choice then applies to the other's answer, whose tags vanish, and the
plan shows a tag update that no update can remove. Each response object (moto makes one
per request) gets its own copy before it records a choice.
"""

from __future__ import annotations

from typing import Any


def keep_choices_per_request() -> None:
    """Patch moto's BaseResponse once (idempotent)."""
    from moto.core.responses import BaseResponse
    from moto.core.serialize import never_return

    if getattr(BaseResponse, "_choices_per_request", False):
        return

    def own(response: Any) -> dict[str, Any]:
        if "RESPONSE_KEY_PATH_TO_TRANSFORMER" not in vars(response):
            response.RESPONSE_KEY_PATH_TO_TRANSFORMER = dict(
                type(response).RESPONSE_KEY_PATH_TO_TRANSFORMER)
        mine: dict[str, Any] = vars(response)["RESPONSE_KEY_PATH_TO_TRANSFORMER"]
        return mine

    def include(self: Any, response_key_path: str) -> None:
        own(self)[response_key_path] = lambda x: x

    def exclude(self: Any, response_key_path: str) -> None:
        own(self)[response_key_path] = never_return

    setattr(BaseResponse, "_include_in_response", include)  # noqa: B010
    setattr(BaseResponse, "_exclude_from_response", exclude)  # noqa: B010
    setattr(BaseResponse, "_choices_per_request", True)  # noqa: B010
