"""Who may talk to the sandbox: the holder of its token, through its own address.

The sandbox listens on loopback, but every local user and every web page the user opens
can reach loopback. So each request must carry the token ``sandbox start`` generated
(kept in the user's 0600 state file): as the access key id of a signed AWS request, which
is how the ``--sandbox`` option and the ``export`` lines send it, or as
``Authorization: Bearer TOKEN`` on the control API. A ``Host`` other than the bound
address is refused (a DNS-rebound page sends its own name), and so is moto's own
``/moto-api/`` (its dashboard dumps every value, its recorder captures other clients'
requests), except the reset pipectl documents.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs

from pipectl.errors import InvalidInput
from pipectl.sandbox.protocol import WsgiEnviron

TOKEN_PREFIX = "PSBX"
# What of moto's own API stays open (to the token holder): the documented state wipe.
MOTO_API_ALLOWED = {("POST", "/moto-api/reset")}
# Names that mean loopback wherever the sandbox runs (others must be addresses).
LOOPBACK_NAMES = {"localhost"}


def new_token() -> str:
    """A random token that is also a well-formed access key id (upper-case letters, digits)."""
    return TOKEN_PREFIX + secrets.token_hex(16).upper()


def presented_token(environ: WsgiEnviron) -> str:
    """The token a request carries: bearer, SigV4 or SigV2 access key id, or presigned query."""
    auth = str(environ.get("HTTP_AUTHORIZATION") or "").strip()
    if auth.startswith("Bearer "):
        return auth[len("Bearer "):].strip()
    marker = "Credential="
    start = auth.find(marker)
    if start >= 0:
        return auth[start + len(marker):].split("/", 1)[0].strip()
    if auth.startswith("AWS "):  # SigV2: "AWS ACCESSKEY:signature"
        return auth[4:].split(":", 1)[0].strip()
    query = parse_qs(str(environ.get("QUERY_STRING") or ""))
    for name in ("X-Amz-Credential", "AWSAccessKeyId"):
        if query.get(name):
            return query[name][0].split("/", 1)[0]
    return ""


@dataclass(frozen=True)
class Gate:
    """The checks every request passes before anything else sees it."""

    token: str
    host: str
    port: int

    def allowed_hosts(self) -> set[str]:
        names = {f"[{self.host}]" if ":" in self.host else self.host, "localhost"}
        hosts = {f"{name}:{self.port}" for name in names}
        if self.port == 80:
            hosts |= names
        return hosts

    def refusal(self, environ: WsgiEnviron) -> tuple[int, str] | None:
        """(HTTP status, why) when the request must be refused, else None."""
        host = str(environ.get("HTTP_HOST") or "").lower()
        if host not in self.allowed_hosts():
            return 421, (
                f"pipectl sandbox: Host {host[:80]!r} is not this sandbox's address "
                f"({self.host}:{self.port})"
            )
        if not hmac.compare_digest(presented_token(environ).encode(), self.token.encode()):
            return 403, (
                "pipectl sandbox: the request does not carry this sandbox's token (use "
                "`pipectl --sandbox ...`, or the export lines of `pipectl sandbox start`, "
                "whose AWS_ACCESS_KEY_ID is the token)"
            )
        path = str(environ.get("PATH_INFO") or "").rstrip("/")
        method = str(environ.get("REQUEST_METHOD") or "GET").upper()
        if path.startswith("/moto-api") and (method, path) not in MOTO_API_ALLOWED:
            return 403, "pipectl sandbox: moto's own API is closed (only POST /moto-api/reset)"
        return None


def without_cors(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Response headers without the CORS grants moto adds for every origin."""
    return [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]


def check_loopback(host: str) -> str:
    """Return the host if it is a loopback address; refuse anything else."""
    name = host.strip().strip("[]")
    if name.lower() in LOOPBACK_NAMES:
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise InvalidInput(
            f"the sandbox binds loopback addresses only, not {host!r}",
            hint="use 127.0.0.1 (the default), another 127.x.y.z address, ::1 or localhost",
        )
    return name
