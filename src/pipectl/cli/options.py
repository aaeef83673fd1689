"""Options shared by several commands, and the helpers that fetch the app context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from pipectl.cli.context import AppContext

F = TypeVar("F", bound=Callable[..., Any])


def _set_output(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value:
        app: AppContext = ctx.find_object(AppContext)  # type: ignore[assignment]
        if app is not None:
            app.env.output = value  # type: ignore[assignment]
    return value


def output_option(func: F) -> F:
    """``-o/--output`` after the command name too: ``pipectl status -o json``."""
    return click.option(
        "-o", "--output", "output_format", type=click.Choice(["text", "json"]),
        default=None, expose_value=False, callback=_set_output, is_eager=True,
        help="Output format (same as the global option).",
    )(func)


def get_app(ctx: click.Context) -> AppContext:
    app = ctx.find_object(AppContext)
    if app is None:  # pragma: no cover - the group always sets it
        raise click.UsageError("pipectl context missing")
    return app
