"""Drill: Ctrl-C during ``create``, after every one of its changes. A re-run converges.

In-process, the interruption comes from a botocore ``after-call`` hook that raises
KeyboardInterrupt (what Python raises on SIGINT) once the k-th mutating request has
been answered: AWS has made the change, pipectl has not yet seen the answer. That is
the worst moment, and every k is tried. One more test sends a real SIGINT to a real
``pipectl create`` process, held by the sandbox in the middle of a change.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from typing import Any

import pytest

from pipectl.aws.session import is_read_operation
from tests.drills.conftest import CallHook
from tests.drills.holding import HOLD_LIMIT, held
from tests.drills.project import Project


class InterruptAfter:
    """After-call hook: Ctrl-C once ``limit`` mutating calls have been answered."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.mutating: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        if is_read_operation(model.name):
            return
        self.mutating.append(f"{model.service_model.service_name}:{model.name}")
        if self.limit is not None and len(self.mutating) == self.limit:
            raise KeyboardInterrupt


def rerun_hint(project: Project) -> str:
    return f"re-run `pipectl --config {project.spec_path} --endpoint-url {project.url} create`"


def assert_converged(project: Project) -> None:
    again = project.cli("create")
    assert again.exit_code == 0, again.output
    plan = project.cli("plan", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert project.inventory() == project.expected_inventory()
    # No run has deployed: one revision, however many times create was interrupted.
    assert len(project.task_definition_revisions()) == 1


@pytest.mark.parametrize("first", [1, 2], ids=["odd changes", "even changes"])
def test_ctrl_c_after_each_change_then_rerun_converges(
    project: Project, call_hooks: list[CallHook], first: int
) -> None:
    """Every k is tried; odd and even k are two tests, so that two workers share them."""
    counting = InterruptAfter(None)
    call_hooks.append(counting)
    assert project.cli("create").exit_code == 0
    changes = list(counting.mutating)
    assert len(changes) >= 10, changes  # a new pipeline is many changes
    for k in range(first, len(changes) + 1, 2):
        project.sandbox.reset()
        call_hooks[:] = [InterruptAfter(k)]
        stopped = project.cli("create")
        call_hooks.clear()  # the re-run is not interrupted
        where = f"interrupted after {changes[k - 1]} (change {k} of {len(changes)})"
        assert stopped.exit_code == 130, (where, stopped.output)
        assert "Traceback" not in stopped.output, where
        # The hint repeats the options given, so it can be pasted as it is.
        assert rerun_hint(project) in stopped.stderr, (where, stopped.stderr)
        assert_converged(project)


#: The change a real ``create`` is interrupted in: one of its last, and the only kind
#: that a second call would duplicate (a new revision) rather than refuse.
HELD_CHANGE = "ecs:RegisterTaskDefinition"


def test_sigint_to_a_real_create_process(project: Project) -> None:
    """A real SIGINT to a real ``pipectl create`` while it waits on a change: exit 130 with
    the hint; AWS then makes the change nobody waits for; a re-run converges, no duplicate.

    The sandbox holds the change's request until the process has exited, so the signal
    lands mid-create however fast or slow this machine is.
    """
    with held(project.sandbox, HELD_CHANGE) as hold:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipectl", "--endpoint-url", project.url,
             "-c", str(project.spec_path), "create"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
        )
        try:
            while not hold.arrived.wait(0.05):
                if process.poll() is not None:
                    out, err = process.communicate()
                    pytest.fail(f"create ended (exit {process.returncode}) before it sent "
                                f"{HELD_CHANGE}:\n{out}{err}")
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        # Half-way: what came before the held change exists, what comes after does not.
        assert "created CodeBuild project" in out and "created ECS service" not in out, out
        before = project.inventory()
        assert before["projects"] and not before["services"] and not before["pipelines"]
        assert project.task_definition_revisions() == []
        hold.release()  # the request AWS received goes on, with nobody to read the answer
        assert hold.answered.wait(HOLD_LIMIT), f"the held {HELD_CHANGE} was never answered"
    assert len(project.task_definition_revisions()) == 1
    assert process.returncode == 130, out + err
    assert "Traceback" not in err
    applied = re.search(r"interrupted while applying ECS task definition \S+: "
                        r"(\d+) of (\d+) changes were applied", err)
    assert applied is not None, err
    assert 0 < int(applied[1]) < int(applied[2]), err
    assert rerun_hint(project) in err
    assert_converged(project)
