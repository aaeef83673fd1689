"""Hold one call in the sandbox until the test lets it go: a client is then, for sure,
waiting on that call's answer (a real process to interrupt at a known point).

The hold sits in the sandbox's request path (``SandboxServer.app.interceptors``). A
released call goes on through the sandbox as any other, whether or not its client is
still there to read the answer, which is what AWS does with a request it has received.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pipectl.sandbox.protocol import AwsRequest, StartResponse, WsgiBody, WsgiEnviron
from pipectl.sandbox.server import SandboxServer

#: A call is held this long at most (real time), so a test that fails never leaves a
#: sandbox thread waiting for good; a passing test lets it go long before.
HOLD_LIMIT = 300.0
_HELD = "drill.held"  # marks the request the hold sends on, so it passes the hold itself


class HeldCall:
    """The first call of ``operation`` (``service:Operation``) waits for ``release()``."""

    def __init__(self, sandbox: SandboxServer, operation: str) -> None:
        self.sandbox = sandbox
        self.operation = operation.lower()
        self.arrived = threading.Event()  # the call is in the sandbox, unanswered
        self.answered = threading.Event()  # released and served: its change is made
        self._released = threading.Event()
        self._first = threading.Lock()  # taken by the call that is held, and kept

    def __call__(self, environ: WsgiEnviron, request: AwsRequest,
                 start_response: StartResponse) -> WsgiBody | None:
        if environ.get(_HELD) or request.name.lower() != self.operation:
            return None
        if not self._first.acquire(blocking=False):
            return None  # only the first call is held
        self.arrived.set()
        self._released.wait(HOLD_LIMIT)
        environ[_HELD] = True
        try:
            return self.sandbox.app(environ, start_response)
        finally:
            self.answered.set()

    def release(self) -> None:
        self._released.set()


@contextmanager
def held(sandbox: SandboxServer, operation: str) -> Iterator[HeldCall]:
    """Hold the first call of ``operation`` while the block runs (released at its end)."""
    hold = HeldCall(sandbox, operation)
    interceptors = sandbox.app.interceptors
    interceptors.insert(0, hold)
    try:
        yield hold
    finally:
        hold.release()
        interceptors.remove(hold)
