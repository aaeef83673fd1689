"""The command line before click sees it: global options wherever the user put them.

The aws CLI takes its global options anywhere (``aws s3 ls --region eu-west-1``), and so
does pipectl: :func:`hoist_global_options` moves a global option that follows the command
name to the front, unless the command has an option of that name itself (``init
--region`` is init's own). click then parses one shape, and the help lists the global
options once, on the group. :func:`requested_output` finds ``-o json`` before parsing,
so that even a usage error is reported as JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pipectl.cli.commands import GLOBAL_OPTIONS

#: Global options that take a value (the rest are flags; ``-v`` counts).
_VALUE_OPTIONS = frozenset(
    flag for name in ("config", "profile", "region", "endpoint_url", "output")
    for flag in GLOBAL_OPTIONS[name][0]
)
_FLAG_OPTIONS = frozenset(
    flag for name in ("sandbox", "no_color", "verbose", "debug")
    for flag in GLOBAL_OPTIONS[name][0]
)


@dataclass
class CommandOptions:
    """What a (sub)command declares: its option flags, which take a value, its subcommands."""

    flags: frozenset[str] = frozenset()
    valued: frozenset[str] = frozenset()
    subcommands: dict[str, CommandOptions] = field(default_factory=dict)


#: Looks up a top-level command's options by name (None: no such command).
CommandLookup = Callable[[str], "CommandOptions | None"]


def _split(token: str) -> tuple[str, bool]:
    """An option token's flag, and whether its value is attached (``--x=1``, ``-cX``)."""
    if token.startswith("--"):
        name, sep, _ = token.partition("=")
        return name, bool(sep)
    return token[:2], len(token) > 2


def command_position(args: list[str]) -> int:
    """Index of the command name: the first word that is not a global option or its value."""
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--" or not token.startswith("-") or token == "-":
            return i
        name, attached = _split(token)
        i += 2 if name in _VALUE_OPTIONS and not attached else 1
    return i


def hoist_global_options(args: list[str], lookup: CommandLookup) -> list[str]:
    """``status --sandbox -v`` -> ``--sandbox -v status``; the command's own options stay."""
    at = command_position(args)
    if at >= len(args) or args[at] == "--":
        return list(args)
    command = lookup(args[at])
    if command is None:
        return list(args)
    hoisted: list[str] = []
    kept: list[str] = [args[at]]
    i = at + 1
    while i < len(args):
        token = args[i]
        if token == "--":
            kept.extend(args[i:])
            break
        if not token.startswith("-") or token == "-":
            command = command.subcommands.get(token, command)
            kept.append(token)
            i += 1
            continue
        name, attached = _split(token)
        takes_value = not attached and i + 1 < len(args)
        if name in command.flags:
            width = 2 if name in command.valued and takes_value else 1
            kept.extend(args[i:i + width])
            i += width
        elif name in _VALUE_OPTIONS:
            width = 2 if takes_value else 1
            hoisted.extend(args[i:i + width])
            i += width
        elif name in _FLAG_OPTIONS or _is_verbose_cluster(token, command):
            hoisted.append(token)
            i += 1
        else:
            kept.append(token)  # unknown: click reports it
            i += 1
    return [*args[:at], *hoisted, *kept]


def _is_verbose_cluster(token: str, command: CommandOptions) -> bool:
    return "-v" not in command.flags and len(token) > 2 and token == "-" + "v" * (len(token) - 1)


def requested_output(args: list[str]) -> str | None:
    """The ``-o/--output`` value anywhere before ``--`` (the last one wins), else None."""
    found = None
    for i, token in enumerate(args):
        if token == "--":
            break
        if token in ("-o", "--output") and i + 1 < len(args):
            found = args[i + 1]
        elif token.startswith("--output="):
            found = token.split("=", 1)[1]
        elif token.startswith("-o") and not token.startswith("--") and len(token) > 2:
            found = token[2:]
    return found if found in ("text", "json") else None


def command_name(args: list[str]) -> str | None:
    """The command the user asked for (after global options), if any."""
    at = command_position(args)
    return args[at] if at < len(args) and args[at] != "--" else None
