"""The README's command list and the commands' --help stay in step: every command has
its entry, and every option a command takes is named in it."""

from __future__ import annotations

import re

import click
import pytest

from pipectl.cli.commands import COMMANDS
from pipectl.cli.group import cli
from tests.conftest import REPO_ROOT

#: Options every command shares, documented once (global options, --help).
SHARED = {"--output", "--help"}


def command_entries() -> dict[str, str]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    listing = readme.split("<!-- commands -->", 1)[1].split("\n## ", 1)[0]
    entries = re.split(r"\n(?=- `pipectl )", listing)
    return {match.group(1): entry for entry in entries
            if (match := re.match(r"- `pipectl ([a-z]+)", entry))}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_of_the_command_is_in_its_readme_entry(name: str) -> None:
    entry = command_entries().get(name)
    assert entry is not None, f"the README's command list has no `pipectl {name}`"
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    for param in command.params:
        if not isinstance(param, click.Option):
            continue
        flags = [*param.opts, *param.secondary_opts]
        if SHARED & set(flags):
            continue
        assert any(re.search(rf"{re.escape(flag)}\b", entry) for flag in flags), (
            f"`pipectl {name}` takes {'/'.join(flags)}; its README entry does not say so")
