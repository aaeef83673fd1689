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


def test_help_version_validate_do_not_import_boto3() -> None:
    code = (
        "import sys; from pipectl.cli.main import main; "
        "import io; from pipectl.ui.environment import Environment; "
        "env = Environment(stdout=io.StringIO(), stderr=io.StringIO()); "
        "[main(a, env=env) for a in (['--help'], ['--version'], ['validate', '--help'])]; "
        "print('boto3' in sys.modules, 'botocore' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
