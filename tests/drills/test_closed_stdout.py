"""Drill: the reader of stdout goes away (``pipectl logs | head -1``).

A read-only command stops quietly with 141 (what a shell reports for a process SIGPIPE
killed), no traceback, no message. A command that changes AWS finishes every change with
nowhere to print, then exits with its own code.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.drills.project import Project


def _pipectl(project: Project, *args: str) -> list[str]:
    return [sys.executable, "-m", "pipectl", "--endpoint-url", project.url,
            "-c", str(project.spec_path), *args]


def _head(project: Project, *args: str, lines: int = 1) -> tuple[int, list[str], str]:
    """``pipectl ARGS | head -LINES``: read that many lines, then close the pipe."""
    process = subprocess.Popen(_pipectl(project, *args), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    assert process.stdout is not None and process.stderr is not None
    read = [process.stdout.readline() for _ in range(lines)]
    process.stdout.close()
    stderr = process.stderr.read()
    return process.wait(timeout=120), read, stderr


def test_read_only_commands_stop_quietly_when_the_reader_leaves(project: Project) -> None:
    assert project.cli("create").exit_code == 0
    assert project.cli("run", "--watch", "--interval", "0.05").exit_code == 0

    for args in (("logs",), ("plan",), ("status",), ("history", "-o", "json"),
                 ("logs", "-o", "json")):
        # ``| head -1`` that got its line: whatever was written fits in the pipe (0), or
        # the next write meets the closed pipe (141); never an error.
        code, read, stderr = _head(project, *args)
        assert read[0].strip(), args
        assert code in (0, 141), (args, code, stderr)
        assert stderr.count("error:") == 0 and "Traceback" not in stderr, (args, stderr)
        # A reader gone before the first write: every write meets the closed pipe.
        code, _, stderr = _head(project, *args, lines=0)
        assert code == 141, (args, code, stderr)
        assert "Traceback" not in stderr and "BrokenPipe" not in stderr, (args, stderr)
        assert "Exception ignored" not in stderr and "error:" not in stderr, (args, stderr)


def test_destroy_finishes_every_deletion_when_the_reader_leaves(project: Project) -> None:
    assert project.cli("create").exit_code == 0

    code, read, stderr = _head(project, "destroy", "--yes", "--force")

    assert code == 0, stderr
    assert read[0].strip()
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
    # What moto still lists (INACTIVE clusters and families, a DRAINING service) aside,
    # nothing is left: the pipe closed after the first line, the deletions went on.
    ecs_kinds = ("clusters", "services", "task definition families")
    left = {kind: sorted(names) for kind, names in project.inventory().items()
            if names and kind not in ecs_kinds}
    assert left == {}, left
    names = project.spec.names
    ecs = project.client("ecs")
    assert [c["status"] for c in ecs.describe_clusters(clusters=[names.cluster])["clusters"]
            ] == ["INACTIVE"]


def test_help_into_a_closed_pipe_is_quiet() -> None:
    process = subprocess.Popen([sys.executable, "-m", "pipectl", "--help"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    assert process.wait(timeout=60) in (0, 141)
    assert process.stderr.read() == b""
