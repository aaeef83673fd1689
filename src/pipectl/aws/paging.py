"""The one pager for AWS list operations that page with ``nextToken``.

Callers take pages until they have what they need (``break`` ends the paging without
another call); ``max_pages`` bounds the calls for listings that may be long.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pipectl.aws.errors import aws_call


def pages(
    call: Callable[..., dict[str, Any]],
    params: dict[str, Any],
    *,
    operation: str,
    resource: str | None = None,
    max_pages: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Each response of ``call(**params)``, following ``nextToken`` until there is none
    (or ``max_pages`` were read); failures name ``operation`` and ``resource``.

    A page that hands back the token it was asked with ends the paging too: asking again
    would read the same page forever.
    """
    token: str | None = None
    read = 0
    while max_pages is None or read < max_pages:
        request = {**params, "nextToken": token} if token else params
        with aws_call(operation, resource=resource):
            response = call(**request)
        read += 1
        yield response
        sent, token = token, response.get("nextToken")
        if not token or token == sent:
            return
