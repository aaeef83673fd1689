"""Files: init never writes through a planted link (import: tests/adopt); the files a spec
names stay inside the repository (build --local's buildspec inside its source directory),
are regular files and are of a sane size; YAML bombs stop early."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_cli, run_cli_process
from tests.drills.workspace import spec_document, task_definition, write_workspace

pytestmark = pytest.mark.usefixtures("in_tmp")


def test_init_does_not_create_the_target_of_a_dangling_link(in_tmp: Path, tmp_path: Path
                                                             ) -> None:
    victim = tmp_path.parent / f"{tmp_path.name}-victim" / "planted"
    victim.parent.mkdir()
    (in_tmp / "Dockerfile").symlink_to(victim)
    result = run_cli(["init", "--no-input"])
    assert result.exit_code == 2, result.output
    assert "Dockerfile is a symbolic link" in result.stderr
    assert not victim.exists()
    assert not (in_tmp / "config").exists()  # checked before anything was written


def test_init_force_does_not_overwrite_a_linked_spec_target(in_tmp: Path, tmp_path: Path
                                                            ) -> None:
    victim = tmp_path.parent / f"{tmp_path.name}-precious.txt"
    victim.write_text("precious\n")
    (in_tmp / "config").mkdir()
    (in_tmp / "config" / "pipeline.yml").symlink_to(victim)
    result = run_cli(["init", "--no-input", "--force"])
    assert result.exit_code == 2, result.output
    assert victim.read_text() == "precious\n"


def test_init_refuses_a_linked_parent_directory(in_tmp: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    (in_tmp / "config").symlink_to(elsewhere, target_is_directory=True)
    result = run_cli(["init", "--no-input"])
    assert result.exit_code == 2, result.output
    assert "which is a symbolic link" in result.stderr
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize(("field", "value", "says"), [
    ("buildspec", "/etc/passwd", "absolute path"),
    ("buildspec", "../outside/buildspec.yml", "leaves the repository"),
    ("task_definition", "/etc/hostname", "absolute path"),
    ("task_definition", "config/../../task.json", "leaves the repository"),
])
def test_paths_in_the_spec_stay_inside_the_repository(
    in_tmp: Path, field: str, value: str, says: str
) -> None:
    document = spec_document()
    document["build" if field == "buildspec" else "deploy"][field] = value
    spec = write_workspace(in_tmp, document)
    result = run_cli(["-c", str(spec), "validate"])
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert "root:" not in result.output


def test_a_buildspec_link_that_leads_outside_is_refused(in_tmp: Path, tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yml"
    outside.write_text("version: 0.2\nphases: {build: {commands: [echo secret]}}\n")
    spec = write_workspace(in_tmp)
    (in_tmp / "buildspec.yml").unlink()
    (in_tmp / "buildspec.yml").symlink_to(outside)
    result = run_cli(["-c", str(spec), "validate"])
    assert result.exit_code == 2, result.output
    assert "a link that leads outside the repository" in result.output


BUILDSPEC_LEFT_BEHIND = ("version: 0.2\nphases:\n  build:\n    commands:\n"
                         "      - touch ran\n      - echo ran the buildspec\n")


@pytest.mark.parametrize("given", [[], ["--buildspec", "buildspec.yml"]])
def test_build_local_refuses_a_buildspec_link_that_leads_outside(
        in_tmp: Path, tmp_path: Path, given: list[str]) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yml"
    outside.write_text(BUILDSPEC_LEFT_BEHIND)
    spec = write_workspace(in_tmp)
    (in_tmp / "buildspec.yml").unlink()
    (in_tmp / "buildspec.yml").symlink_to(outside)
    validated = run_cli(["-c", str(spec), "validate"])
    built = run_cli(["-c", str(spec), "build", "--local", *given])
    assert (validated.exit_code, built.exit_code) == (2, 2), built.output
    assert "error: buildspec.yml: buildspec file 'buildspec.yml' is a link that leads outside " \
        "the source directory" in built.stderr
    assert "hint: pipectl reads only files inside the source directory; replace the link " \
        "with the file" in built.stderr
    assert "replace the link with the file" in validated.output
    assert "ran the buildspec" not in built.output
    assert not (in_tmp / "ran").exists()


def test_build_local_runs_a_buildspec_link_that_stays_inside(in_tmp: Path) -> None:
    spec = write_workspace(in_tmp)
    (in_tmp / "ci").mkdir()
    (in_tmp / "ci" / "buildspec.yml").write_text(BUILDSPEC_LEFT_BEHIND)
    (in_tmp / "buildspec.yml").unlink()
    (in_tmp / "buildspec.yml").symlink_to(Path("ci") / "buildspec.yml")
    built = run_cli(["-c", str(spec), "build", "--local"])
    assert built.exit_code == 0, built.output
    assert "ran the buildspec" in built.stdout
    assert (in_tmp / "ran").exists()


def test_a_device_or_a_fifo_is_no_spec(in_tmp: Path) -> None:
    zero = run_cli(["-c", "/dev/zero", "validate"])
    assert zero.exit_code == 2 and "spec is not a regular file" in zero.output
    os.mkfifo(in_tmp / "spec.fifo")
    fifo = run_cli_process(["-c", "spec.fifo", "validate"], cwd=in_tmp, timeout=60)
    assert fifo.returncode == 2 and "spec is not a regular file" in fifo.stdout + fifo.stderr


def test_sizes_are_capped(in_tmp: Path) -> None:
    big_spec = in_tmp / "big.yml"
    big_spec.write_text("# padding\n" * 110_000)
    result = run_cli(["-c", str(big_spec), "validate"])
    assert result.exit_code == 2 and "spec is larger than 1024 KiB" in result.output
    spec = write_workspace(in_tmp)
    task = task_definition("drill-web")
    task["containerDefinitions"][0]["command"] = ["x" * 1000] * 70
    (in_tmp / "config" / "task_definition.json").write_text(json.dumps(task))
    result = run_cli(["-c", str(spec), "validate"])
    assert result.exit_code == 2 and "task definition is larger than 64 KiB" in result.output


def test_a_huge_list_stops_while_composing(in_tmp: Path) -> None:
    spec = in_tmp / "list.yml"
    spec.write_text("tags:\n" + "- 1\n" * 150_000)  # 600 KB: under the size cap
    result = run_cli(["-c", str(spec), "validate"])
    assert result.exit_code == 2, result.output
    assert "more than 100000 values" in result.output


def test_deep_nesting_is_invalid_input_not_an_internal_error(in_tmp: Path) -> None:
    spec = in_tmp / "deep.yml"
    spec.write_text("a: " + "[" * 3000 + "]" * 3000 + "\n")
    result = run_cli(["-c", str(spec), "validate"])
    assert result.exit_code == 2, result.output
    assert "nests deeper than 100 levels" in result.output
    flow = in_tmp / "deep-map.yml"
    flow.write_text("a: " + "{b: " * 3000 + "1" + "}" * 3000 + "\n")
    assert run_cli(["-c", str(flow), "validate"]).exit_code == 2
    workspace = write_workspace(in_tmp / "project")
    os.chdir(in_tmp / "project")
    (in_tmp / "project" / "config" / "task_definition.json").write_text(
        '{"family": "x", "containerDefinitions": ' + "[" * 5000 + "]" * 5000 + "}")
    result = run_cli(["-c", str(workspace), "validate"])
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output
