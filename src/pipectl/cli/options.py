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


class AnyCaseChoice(click.Choice):  # type: ignore[type-arg]
    """A choice typed in any case, listed as written (``BUILD``, not ``build``)."""

    def __init__(self, choices: list[str]) -> None:
        super().__init__(choices, case_sensitive=False)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[" + "|".join(map(str, self.choices)) + "]"

    def get_invalid_choice_message(self, value: Any, ctx: click.Context | None) -> str:
        return f"{value!r} is not one of {', '.join(map(str, self.choices))}."


def get_app(ctx: click.Context) -> AppContext:
    app = ctx.find_object(AppContext)
    if app is None:  # pragma: no cover - the group always sets it
        raise click.UsageError("pipectl context missing")
    return app
