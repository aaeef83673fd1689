"""Files: a directory swapped for a link while init writes is never followed.

``init`` checks every target before it writes any; an attacker who can write in the
project can still swap ``config`` for a link to elsewhere after that check. Here the
swap happens just before each filesystem call the writer makes (the k-th open or mkdir
of pipectl.safe_files), every k in turn, so the race is lost at every moment it could
be, deterministically: nothing may land outside the project, and each outcome is one a
user can read (refused, exit 2, naming the link; or written where the directory was).
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipectl import safe_files
from tests.conftest import run_cli, run_cli_process

INIT_FILES = ["Dockerfile", "app/default.conf.template", "buildspec.yml",
              "config/pipeline.yml", "config/task_definition.json"]


class FilesystemCalls:
    """safe_files' ``os``: ``before(k)`` runs before its k-th open or mkdir."""

    def __init__(self, before: Callable[[int], None]) -> None:
        self.before = before
        self.count = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def open(self, *args: Any, **kwargs: Any) -> int:
        self._next()
        return os.open(*args, **kwargs)

    def mkdir(self, *args: Any, **kwargs: Any) -> None:
        self._next()
        os.mkdir(*args, **kwargs)

    def _next(self) -> None:
        self.count += 1
        self.before(self.count)


def swap_for_a_link(directory: Path, elsewhere: Path) -> None:
    """``directory`` becomes a link to ``elsewhere`` (the real one, if any, moved aside)."""
    if directory.is_dir() and not directory.is_symlink():
        directory.rename(directory.with_name(directory.name + ".real"))
    directory.symlink_to(elsewhere, target_is_directory=True)


def calls_of_a_clean_init(base: Path, monkeypatch: pytest.MonkeyPatch,
                          config_exists: bool) -> int:
    project = base / "clean"
    project.mkdir()
    if config_exists:
        (project / "config").mkdir()
    monkeypatch.chdir(project)
    counting = FilesystemCalls(lambda _: None)
    monkeypatch.setattr(safe_files, "os", counting)
    result = run_cli(["init", "--no-input"])
    assert result.exit_code == 0, result.output
    return counting.count


@pytest.mark.parametrize("config_exists", [False, True], ids=["config made", "config there"])
def test_a_directory_swapped_for_a_link_while_init_writes_is_never_followed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config_exists: bool) -> None:
    calls = calls_of_a_clean_init(tmp_path, monkeypatch, config_exists)
    assert calls >= len(INIT_FILES) + 1, calls  # a walk per file, and the config directory
    refused = written_aside = 0
    for k in range(1, calls + 1):
        project, elsewhere = tmp_path / f"project-{k}", tmp_path / f"elsewhere-{k}"
        project.mkdir()
        elsewhere.mkdir()
        if config_exists:
            (project / "config").mkdir()
        monkeypatch.chdir(project)
        config = project / "config"

        def swap_at_k(count: int, k: int = k, config: Path = config,
                      elsewhere: Path = elsewhere) -> None:
            if count == k:
                swap_for_a_link(config, elsewhere)

        monkeypatch.setattr(safe_files, "os", FilesystemCalls(swap_at_k))
        result = run_cli(["init", "--no-input"])
        where = f"config swapped before call {k} of {calls}"
        assert list(elsewhere.iterdir()) == [], where  # nothing written through the link
        assert "Traceback" not in result.output, where
        if result.exit_code == 2:
            refused += 1
            assert "is in config, which is a symbolic link; init never writes through one" \
                in result.stderr, (where, result.stderr)
            assert "hint: remove the link (config)" in result.stderr, (where, result.stderr)
        else:
            # Swapped once the config files were written: the rest is written, and the
            # config files are in the directory that was moved aside, not behind the link.
            assert result.exit_code == 0, (where, result.output)
            assert (project / "Dockerfile").is_file(), where
        aside = project / "config.real"
        if aside.is_dir() and any(aside.iterdir()):
            written_aside += 1
    # Both moments were met: before the walk reached config (refused), and after it had
    # opened config (the file went into that directory, whatever the name now leads to).
    assert refused and written_aside, (refused, written_aside)


def test_init_force_refuses_a_fifo_planted_at_a_file_it_writes(in_tmp: Path) -> None:
    os.mkfifo(in_tmp / "Dockerfile")
    kept = run_cli_process(["init", "--no-input"], cwd=in_tmp, timeout=60)
    assert kept.returncode == 0, kept.stdout + kept.stderr  # not --force: left alone
    assert stat.S_ISFIFO(os.lstat(in_tmp / "Dockerfile").st_mode)
    shutil.rmtree(in_tmp / "app")
    shutil.rmtree(in_tmp / "config")
    (in_tmp / "buildspec.yml").unlink()
    # A child process: a writer that waited for a reader would hang, not fail.
    result = run_cli_process(["init", "--no-input", "--force"], cwd=in_tmp, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Dockerfile is not a regular file; init writes only regular files" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(os.listdir(in_tmp)) == ["Dockerfile"]  # refused before any write
