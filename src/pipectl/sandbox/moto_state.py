"""moto's side of the sandbox: is it installed, and wiping its (process-global) state.

Apart from the server so that whatever resets moto (the engine's control API, the
server's own reset) need not import the server.
"""

from __future__ import annotations

from pipectl.errors import InvalidInput


def require_moto() -> None:
    """A clear error when the ``sandbox`` extra is not installed."""
    try:
        import moto
        import moto.server  # noqa: F401
    except ImportError as exc:
        raise InvalidInput(
            f"the sandbox needs moto's server, which is not installed ({exc})",
            hint="install it with: pip install 'pipectl[sandbox]'",
        ) from exc


def reset_state() -> None:
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()
