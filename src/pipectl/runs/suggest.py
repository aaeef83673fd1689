"""A command to suggest in a hint (``watch ID``), as the user would type it."""

from __future__ import annotations

from collections.abc import Callable

#: Renders a command to suggest (``watch ID``) with the global options in effect.
Suggest = Callable[[str], str]


def plain_command(command: str) -> str:
    return f"pipectl {command}"
