"""Expand ``${VAR}`` and ``${VAR:-default}`` from the environment; ``$$`` is a literal ``$``."""

from __future__ import annotations

import re
from collections.abc import Mapping

_REFERENCE = re.compile(
    r"\$\$|\$\{(?P<name>[^}:]*)(?::-(?P<default>[^}]*))?\}|\$\{(?P<unclosed>[^}]*)$"
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class InterpolationError(ValueError):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


def interpolate(value: str, environ: Mapping[str, str]) -> str:
    """Return ``value`` with references expanded. Raises InterpolationError."""
    if "$" not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        if match.group("unclosed") is not None:
            raise InterpolationError(
                f"unclosed variable reference '{match.group(0)}'",
                "close it with '}', or write $$ for a literal $",
            )
        name = match.group("name") or ""
        if not _NAME.match(name):
            raise InterpolationError(
                f"invalid variable name '{name}' in '{match.group(0)}'",
                "variable names are letters, digits and _, not starting with a digit",
            )
        if name in environ:
            return environ[name]
        default = match.group("default")
        if default is not None:
            return default
        raise InterpolationError(
            f"environment variable {name} is not set",
            f"export {name}=..., or give a default: ${{{name}:-value}}",
        )

    return _REFERENCE.sub(replace, value)


def variables_used(value: str, environ: Mapping[str, str]) -> list[str]:
    """The names of the set variables whose values ``value`` expands to (in order)."""
    if "$" not in value:
        return []
    names = []
    for match in _REFERENCE.finditer(value):
        name = match.group("name")
        if name and _NAME.match(name) and name in environ:
            names.append(name)
    return names
