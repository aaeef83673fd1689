"""The malformed-input corpus (tests/malformed/): every case fails `validate` clearly.

Each case file replaces one file of the valid project in tests/malformed/base/; the
real CLI must exit 2, print no traceback, and name the file:line and the field.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import run_cli

CORPUS = Path(__file__).parent / "malformed"
BASE = CORPUS / "base"
# Where each file of the project lives, relative to the project directory.
LAYOUT = {
    "pipeline.yml": Path("config/pipeline.yml"),
    "buildspec.yml": Path("buildspec.yml"),
    "task_definition.json": Path("config/task_definition.json"),
}
CASES: list[dict[str, Any]] = yaml.safe_load((CORPUS / "cases.yml").read_text())


def make_project(directory: Path, replace: Path | None = None) -> Path:
    """The valid base project in ``directory``, with one file swapped for ``replace``."""
    for name, relative in LAYOUT.items():
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BASE / name, target)
    if replace is not None:
        kind = next(name for name in LAYOUT if replace.name.endswith("." + name))
        shutil.copyfile(replace, directory / LAYOUT[kind])
    return directory


def test_the_corpus_is_large_and_every_file_is_a_case() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.is_file() and p.name != "cases.yml"}
    assert len(CASES) >= 30
    assert files == {case["file"] for case in CASES}


def test_the_base_project_is_valid(in_tmp: Path) -> None:
    make_project(in_tmp)
    result = run_cli(["-c", "config/pipeline.yml", "validate"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: checked config/pipeline.yml, buildspec.yml, "
                                    "config/task_definition.json")


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_malformed_input_is_reported_with_file_line_and_field(
    case: dict[str, Any], in_tmp: Path
) -> None:
    make_project(in_tmp, CORPUS / case["file"])
    environ = {"PATH": "/usr/bin:/bin", **case.get("env", {})}
    result = run_cli(["-c", "config/pipeline.yml", "validate"], environ=environ)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
    errors = result.stdout.split("warnings (")[0]
    for fragment in case["expect"]:
        assert fragment in errors, f"{fragment!r} not among the errors:\n{result.stdout}"
    assert result.stdout.rstrip().splitlines()[-1].startswith("invalid: ")


@pytest.mark.parametrize("case", CASES[:3] + CASES[-3:], ids=lambda c: c["file"])
def test_json_output_lists_the_same_findings(case: dict[str, Any], in_tmp: Path) -> None:
    make_project(in_tmp, CORPUS / case["file"])
    result = run_cli(["-c", "config/pipeline.yml", "validate", "-o", "json"])
    assert result.exit_code == 2
    findings = json.loads(result.stdout)
    errors = [f for f in findings if f["severity"] == "error"]
    assert errors
    assert all(isinstance(f["line"], int) and f["file"] for f in errors)
    line_fragment = case["expect"][0]  # "file.ext:LINE:" or "file.ext:"
    file_part, _, line_part = line_fragment.rstrip(":").partition(":")
    assert any(f["file"].endswith(file_part) and (not line_part or f["line"] == int(line_part))
               for f in errors), findings
