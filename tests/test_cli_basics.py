from __future__ import annotations

import subprocess
import sys

import pytest

from pipectl import __version__
from pipectl.cli.main import COMMANDS
from tests.conftest import run_cli


def test_version_prints_package_version() -> None:
    result = run_cli(["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"pipectl {__version__}"


def test_top_level_help_lists_every_command() -> None:
    result = run_cli(["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = run_cli([name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.stdout
    assert "Traceback" not in result.output


def test_unknown_command_suggests_the_closest() -> None:
    result = run_cli(["statsu"])
    assert result.exit_code == 2
    assert "Did you mean 'status'" in result.stderr


@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], ["validate", "--help"], ["status", "--help"],
             ["create", "--help"], ["watch", "--help"], ["sandbox", "--help"]],
)
def test_help_and_version_import_no_aws_sdk_pydantic_or_rich(args: list[str]) -> None:
    code = (
        "import io, sys; from pipectl.cli.main import main; "
        "from pipectl.ui.environment import Environment; "
        "env = Environment(stdout=io.StringIO(), stderr=io.StringIO()); "
        f"code = main({args!r}, env=env); "
        "print(code, *[m for m in ('boto3', 'botocore', 'pydantic', 'rich', 'yaml') "
        "if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0"]


def test_a_group_without_its_command_shows_its_help_not_an_error() -> None:
    result = run_cli(["sandbox"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage: pipectl sandbox [OPTIONS] COMMAND [ARGS]...")
    assert "error:" not in result.stderr and "start" in result.stderr
