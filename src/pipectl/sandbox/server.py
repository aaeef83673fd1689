"""Run the sandbox endpoint in a background thread of the current process.

``start_server()`` is what tests use (and what ``pipectl sandbox start``'s detached
process runs): moto's app behind pipectl's WSGI layer, bound to loopback only.
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from pipectl.errors import InvalidInput
from pipectl.sandbox.auth import check_loopback
from pipectl.sandbox.moto_state import require_moto, reset_state

DEFAULT_TIME_SCALE = 0.02


class SandboxServer:
    """A running sandbox endpoint: ``.url``, ``.stop()``, a context manager."""

    def __init__(
        self, host: str, port: int, time_scale: float, source_dir: Path | None = None,
        token: str | None = None,
    ) -> None:
        from moto.moto_server import werkzeug_app
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        from pipectl.sandbox.alarms import new_alarms_start_without_data
        from pipectl.sandbox.app import SandboxApp
        from pipectl.sandbox.auth import Gate, new_token
        from pipectl.sandbox.engine import Engine
        from pipectl.sandbox.moto_threads import keep_choices_per_request

        # moto grants every web origin CORS access to every backend it creates (lazily,
        # per service, reading this module global): no page may script the sandbox.
        setattr(werkzeug_app, "DISABLE_GLOBAL_CORS", True)  # noqa: B010 - not re-exported
        keep_choices_per_request()  # requests are served in threads of their own
        new_alarms_start_without_data()  # as CloudWatch does; moto starts them in OK
        self.host = host
        self.time_scale = time_scale
        self.token = token or new_token()
        # The port is known once bound; nothing is served before start().
        self.app = SandboxApp(DomainDispatcherApplication(create_backend_app),
                              Gate(self.token, host, port))
        self.engine = Engine(self.app, time_scale=time_scale, source_dir=source_dir)

        class QuietHandler(MotoRequestHandler):
            # One line per request on stderr is noise in tests and in the detached log.
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        self._server: Any = make_server(
            host, port, self.app, threaded=True, request_handler=QuietHandler
        )
        self.port = int(self._server.server_address[1])
        self.app.gate = Gate(self.token, host, self.port)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="pipectl-sandbox", daemon=True
        )
        self._stopped = False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def credentials(self) -> dict[str, str]:
        """What an AWS client needs to be let in: the token as its access key id."""
        from pipectl.sandbox.process import sandbox_environment

        return sandbox_environment(self.url, self.token)

    def reset(self) -> None:
        """Wipe every resource and run: moto's backends and the engine's state."""
        with self.app.lock:
            reset_state()
            self.engine.reset()

    def start(self) -> SandboxServer:
        # moto's backends are global to the process: a new server starts from nothing.
        reset_state()
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_server(
    port: int = 0,
    time_scale: float = DEFAULT_TIME_SCALE,
    host: str = "127.0.0.1",
    source_dir: Path | None = None,
    token: str | None = None,
) -> SandboxServer:
    """Start the sandbox on ``host:port`` (port 0: any free port) in a background thread.

    Builds read the buildspec a project names from ``source_dir`` (default: the
    current directory). moto's state is global to the process: run one at a time.
    ``time_scale`` multiplies every simulated duration: 1.0 is about real AWS pace,
    0.5 a demo run of tens of seconds, 0.02 (default) a test run of about a second.
    Every request must carry ``token`` (default: a new random one, ``.token``) as its
    access key id, or as a bearer token on the control API.
    """
    require_moto()
    bound = check_loopback(host)
    if time_scale <= 0:
        raise InvalidInput(f"time scale must be positive, not {time_scale}")
    return SandboxServer(bound, port, time_scale, source_dir, token).start()
