"""Credentials out of messages: what botocore, urllib3 and URLs would otherwise show.

A malformed credential makes http.client refuse the header it sits in with
``Invalid header value b'<the whole token>'``; an endpoint URL may carry a user and
password. Neither may reach the terminal, a CI log or ``-o json``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from pipectl.credentials import CREDENTIAL_VARIABLES

_HEADER_VALUE = re.compile(r"(Invalid (?:leading whitespace, reserved character\(s\), or "
                           r"return character\(s\) in )?header value) b?(['\"]).*?\2(?=[:\s,)]|$)",
                           re.DOTALL)
_AUTHORIZATION = re.compile(r"(?i)(authorization|x-amz-security-token)(['\"]?\s*[:=]\s*)"
                            r"(['\"]?)[^'\"\n]+\3")
_USERINFO = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@")


def without_userinfo(text: str) -> str:
    """``http://user:password@host`` -> ``http://***@host``."""
    return _USERINFO.sub(r"\1***@", text)


def redacted(text: str, environ: Mapping[str, str] | None = None) -> str:
    """``text`` without credential values, header values or URL userinfo."""
    environ = os.environ if environ is None else environ
    text = _HEADER_VALUE.sub(r"\1 (redacted)", text)
    text = _AUTHORIZATION.sub(r"\1\2(redacted)", text)
    for name in CREDENTIAL_VARIABLES:
        value = environ.get(name) or ""
        if len(value) >= 8:  # "testing" and other stand-ins are no secret, and too common
            for shown in {value, repr(value)[1:-1], repr(value.encode())[2:-1]}:
                text = text.replace(shown, f"(${name}, redacted)")
    return without_userinfo(text)
