"""The click group: global options and lazily imported commands.

Commands live one per module (``cmd_<name>.py``) and are imported only when run.
Flags, metavars and help texts come from :mod:`pipectl.cli.commands`, which
``pipectl --help`` also renders without importing click.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pipectl import __version__
from pipectl.cli.argv import CommandOptions
from pipectl.cli.commands import (
    COMMANDS,
    GLOBAL_OPTIONS,
    GROUP_HELP,
    HELP_OPTION_NAMES,
    MAX_CONTENT_WIDTH,
    PROG,
)

if TYPE_CHECKING:
    from pipectl.ui.environment import Environment

F = TypeVar("F", bound=Callable[..., Any])


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        command: click.Command = module.command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, summary) for name, (_, summary) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and name not in COMMANDS and not name.startswith("-"):
            import difflib

            close = difflib.get_close_matches(name, list(COMMANDS), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise click.UsageError(f"No such command '{name}'.{hint}", ctx)
        return super().resolve_command(ctx, args)


CONTEXT_SETTINGS = {
    "help_option_names": list(HELP_OPTION_NAMES),
    "max_content_width": MAX_CONTENT_WIDTH,
}


def global_option(name: str, **behaviour: Any) -> Callable[[F], F]:
    """A global option whose flags, metavar and help are the ones the fast help shows."""
    flags, metavar, help_text = GLOBAL_OPTIONS[name]
    if metavar is not None:
        behaviour["metavar"] = metavar
    return click.option(*flags, name, help=help_text, **behaviour)


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS, help=GROUP_HELP)
# A plain string path: pathlib is imported only once a command runs.
@global_option("config", type=click.Path(dir_okay=False), envvar="PIPECTL_CONFIG", default=None)
@global_option("profile", envvar="AWS_PROFILE")
@global_option("region", envvar="AWS_REGION")
@global_option("endpoint_url", envvar="AWS_ENDPOINT_URL")
@global_option("sandbox", is_flag=True, envvar="PIPECTL_SANDBOX")
@global_option("output", type=click.Choice(["text", "json"]), default=None)
@global_option("no_color", is_flag=True)
@global_option("verbose", count=True)
@global_option("debug", is_flag=True)
@click.version_option(
    __version__, *GLOBAL_OPTIONS["version"][0], prog_name=PROG, message="%(prog)s %(version)s",
    help=GLOBAL_OPTIONS["version"][2],
)
@click.pass_context
def cli(
    ctx: click.Context,
    config: str | None,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    sandbox: bool,
    output: str | None,
    no_color: bool,
    verbose: int,
    debug: bool,
) -> None:
    from pathlib import Path

    from pipectl.cli.context import AppContext

    env: Environment = ctx.obj
    if output:
        env.output = output  # type: ignore[assignment]
    if no_color:
        env.color = False
    env.verbose = verbose
    env.debug = debug
    ctx.obj = AppContext.build(
        env=env,
        config=Path(config) if config is not None else None,
        profile=profile,
        region=region,
        endpoint_url=endpoint_url,
        sandbox=sandbox,
        region_source="AWS_REGION"
        if ctx.get_parameter_source("region") == click.core.ParameterSource.ENVIRONMENT
        else "--region",
        where_args=_where_args(ctx),
    )


#: Global options that say which pipeline and where: every suggested command repeats them.
_WHERE_OPTIONS = ("sandbox", "config", "region", "profile", "endpoint_url")


def _where_args(ctx: click.Context) -> tuple[str, ...]:
    """The "where" options the user typed (variables they set stay set in their shell)."""
    args: list[str] = []
    for name in _WHERE_OPTIONS:
        value = ctx.params.get(name)
        if not value or ctx.get_parameter_source(name) != click.core.ParameterSource.COMMANDLINE:
            continue
        flag = GLOBAL_OPTIONS[name][0][-1]
        args.extend([flag] if value is True else [flag, str(value)])
    return tuple(args)


def command_options(name: str) -> CommandOptions | None:
    """The option flags of command ``name`` (and of its subcommands), for argv hoisting."""
    if name not in COMMANDS:
        return None
    command = cli.get_command(click.Context(cli), name)
    return _options_of(command) if command is not None else None


def _options_of(command: click.Command) -> CommandOptions:
    flags: set[str] = set()
    valued: set[str] = set()
    for param in command.params:
        if not isinstance(param, click.Option):
            continue
        names = [*param.opts, *param.secondary_opts]
        flags.update(names)
        if not param.is_flag and not param.count:
            valued.update(names)
    subcommands: dict[str, CommandOptions] = {}
    if isinstance(command, click.Group):
        for sub_name, sub in command.commands.items():
            sub_options = _options_of(sub)
            # The group's own options stay the group's after the subcommand name too.
            subcommands[sub_name] = CommandOptions(
                flags=sub_options.flags | frozenset(flags),
                valued=sub_options.valued | frozenset(valued),
                subcommands=sub_options.subcommands,
            )
    return CommandOptions(frozenset(flags), frozenset(valued), subcommands)
