"""The live view of `pipectl run --watch` on a real terminal: tmux, read back as a person
sees it (`capture-pane`), while the run moves, after it ends, and after Ctrl-C.

Rendered text in a test is not a terminal: a line one column too wide wraps and pushes
the view down on every refresh, a cursor left hidden or an escape code printed raw is
invisible in a string. tmux interprets what pipectl writes exactly as a terminal does.

The screens a test read at its checkpoints, and the last one, are kept as test artifacts
(tests/artifacts.py) as `terminal-<test>-<width>x<height>-<moment>.txt`.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipectl.sandbox.server import SandboxServer, start_server
from tests import artifacts
from tests.conftest import run_cli
from tests.e2e.test_runs import URL_PREFIX, checkout
from tests.sandbox.steered_clock import steer, wait_for
from tests.system_tools import require_tool

pytestmark = pytest.mark.e2e

# A run of several seconds once the test lets it go; the moments the screen must show
# (a build phase running, the rollout) are held on the sandbox's clock until it shows them.
TIME_SCALE = 0.1
EXIT_MARK = "pipectl exited with"
# What a terminal shows when a program writes escape sequences it does not understand,
# or a renderer leaks its markup.
STRAY = re.compile(r"\x1b|\^\[|\[\d*(?:;\d+)*[mKHJ]|\[/?(?:bold|red|green|cyan|dim)\]")
PHASES = ("SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD",
          "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING")


class Terminal:
    """One tmux server of its own (its own socket), one window of a fixed size."""

    def __init__(self, tmux: str, socket: Path, width: int, height: int, name: str) -> None:
        self.name = name
        self.tmux = tmux
        self.socket = socket
        self.width = width
        self.height = height

    def _tmux(self, *args: str) -> str:
        done = subprocess.run([self.tmux, "-S", str(self.socket), *args],
                              capture_output=True, text=True, timeout=10, check=True)
        return done.stdout

    def start(self, command: str, cwd: Path) -> None:
        # The shell stays after pipectl exits so that its last screen can be read; the
        # exit code is printed where the test can see it. The trap keeps the shell alive
        # through Ctrl-C (a trap, unlike an ignored signal, is not inherited by pipectl).
        script = f"trap true INT; {command}; echo \"{EXIT_MARK} $?\"; sleep 600"
        self._tmux("new-session", "-d", "-s", "t", "-x", str(self.width), "-y",
                   str(self.height), "-c", str(cwd), "sh", "-c", script)

    def screen(self) -> list[str]:
        """The visible screen; wrapped rows joined back, so a too-long line shows as one."""
        return self._tmux("capture-pane", "-p", "-J", "-t", "t").rstrip("\n").split("\n")

    def cursor_visible(self) -> bool:
        return self._tmux("display-message", "-p", "-t", "t", "#{cursor_flag}").strip() == "1"

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "t", *keys)

    def wait_for(self, predicate: Callable[[str], bool], what: str,
                 timeout: float = 60) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            lines = self.screen()
            if predicate("\n".join(lines)):
                return lines
            assert time.monotonic() < deadline, f"never saw {what}; the screen:\n" + \
                "\n".join(lines)
            time.sleep(0.1)

    def keep(self, moment: str, lines: list[str] | None = None) -> None:
        """The screen (``lines``, else as it is now) as a test artifact."""
        try:
            screen = self.screen() if lines is None else lines
        except (subprocess.SubprocessError, OSError):
            return  # the terminal is already gone: the test's own error says why
        artifacts.keep(f"terminal-{self.name}-{self.width}x{self.height}-{moment}.txt",
                       "\n".join(screen) + "\n")

    def kill(self) -> None:
        subprocess.run([self.tmux, "-S", str(self.socket), "kill-server"],
                       capture_output=True, timeout=10, check=False)


@pytest.fixture
def sandbox_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServer]:
    """The reference pipeline, created in a sandbox whose runs take several seconds."""
    project = tmp_path / "project"
    project.mkdir()
    checkout(project)
    monkeypatch.chdir(project)
    server = start_server(port=0, time_scale=TIME_SCALE, source_dir=project)
    # pipectl, here and in the terminal tmux runs, signs with the sandbox's token.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", server.token)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "sandbox")
    try:
        created = run_cli(["--endpoint-url", server.url, "create"])
        assert created.exit_code == 0, created.output
        yield server
    finally:
        server.stop()


class HeldRun:
    """The run pipectl starts in the terminal, held on the sandbox's clock at the moments
    the screen must show, however slowly pipectl starts and draws on a loaded machine."""

    def __init__(self, server: SandboxServer) -> None:
        import boto3

        self.clock = steer(server)
        self.clock.hold()
        session = boto3.session.Session(aws_access_key_id=server.token,
                                        aws_secret_access_key="sandbox",
                                        region_name="us-east-1")
        self.codepipeline = session.client("codepipeline", endpoint_url=server.url)
        self.ecs = session.client("ecs", endpoint_url=server.url)

    def _stage(self, name: str) -> str:
        stages = self.codepipeline.get_pipeline_state(name="hello-web")["stageStates"]
        stage = next(s for s in stages if s["stageName"] == name)
        return str(stage.get("latestExecution", {}).get("status"))

    def until_building(self) -> None:
        """Once pipectl has started the run: on to its build, and hold there."""
        wait_for("the run to start", lambda: bool(self.codepipeline.list_pipeline_executions(
            pipelineName="hello-web")["pipelineExecutionSummaries"]))
        self.clock.step_until(lambda: self._stage("Build"), lambda s: s == "InProgress")

    def until_rolling_out(self) -> None:
        """On to the new deployment's rollout, and hold there."""
        def rollout() -> tuple[str, str]:
            service = self.ecs.describe_services(cluster="hello-web",
                                                 services=["hello-web"])["services"][0]
            primary = service["deployments"][0]
            return primary["taskDefinition"], primary["rolloutState"]

        self.clock.step_until(rollout, lambda r: r[0].endswith(":2") and r[1] == "IN_PROGRESS")


def open_terminal(tmp_path: Path, width: int, height: int, name: str) -> Terminal:
    tmux = require_tool("tmux")
    return Terminal(tmux, tmp_path / "tmux.sock", width, height, name)


def pipectl_command(server: SandboxServer, *args: str) -> str:
    # The environment reaches the program through the tmux server this test starts.
    # TERM is tmux's own; NO_COLOR must not turn the view off.
    argv = [sys.executable, "-m", "pipectl", "--endpoint-url", server.url, *args]
    return "unset NO_COLOR; " + shlex.join(argv)


def assert_fits(lines: list[str], width: int) -> None:
    wide = [line for line in lines if len(line) > width]
    assert not wide, f"lines wider than {width} columns: {wide}"
    stray = [line for line in lines if STRAY.search(line)]
    assert not stray, f"escape codes or markup shown as text: {stray}"


@pytest.mark.parametrize(("width", "height"), [(80, 24), (120, 40)])
def test_a_person_watches_a_run_to_the_end(
    sandbox_project: SandboxServer, tmp_path: Path, width: int, height: int
) -> None:
    terminal = open_terminal(tmp_path, width, height, "watch")
    run = HeldRun(sandbox_project)
    try:
        terminal.start(pipectl_command(sandbox_project, "run", "--watch", "--interval", "0.2"),
                       tmp_path / "project")
        run.until_building()
        # While the build runs: the stages, the build action and its phase in progress.
        moving = terminal.wait_for(
            lambda s: re.search(r"phase (" + "|".join(PHASES) + r") \(running\)", s) is not None,
            "a build phase in progress")
        terminal.keep("building", moving)
        text = "\n".join(moving)
        assert "Pipeline hello-web" in text
        for stage in ("Source", "Build", "Deploy"):
            assert re.search(rf"^\S? ?{stage}\s", text, re.MULTILINE), f"no {stage} row:\n{text}"
        assert_fits(moving, width)
        assert not terminal.cursor_visible(), "the live view hides the cursor while it draws"
        # The rollout, as it happens.
        run.until_rolling_out()
        rolling = terminal.wait_for(lambda s: "rollout IN_PROGRESS" in s and "running " in s,
                                    "the rollout line")
        terminal.keep("rolling-out", rolling)
        assert_fits(rolling, width)
        run.clock.resume()
        # The end: the verdict and where the service answers stay on screen.
        final = terminal.wait_for(lambda s: EXIT_MARK in s, "pipectl exit")
        text = "\n".join(final)
        assert f"{EXIT_MARK} 0" in text, text
        assert re.search(r"Run \S+ succeeded after", text), text
        assert f"url       {URL_PREFIX}" in text, text
        assert_fits(final, width)
        assert terminal.cursor_visible(), "the cursor is back after the live view"
    finally:
        terminal.keep("last")
        terminal.kill()


def test_ctrl_c_leaves_a_clean_screen_and_says_how_to_reattach(
    sandbox_project: SandboxServer, tmp_path: Path
) -> None:
    terminal = open_terminal(tmp_path, 80, 24, "ctrl-c")
    run = HeldRun(sandbox_project)
    try:
        terminal.start(pipectl_command(sandbox_project, "run", "--watch", "--interval", "0.2"),
                       tmp_path / "project")
        run.until_building()
        building = terminal.wait_for(lambda s: "(running)" in s, "the build running")
        terminal.keep("building", building)
        terminal.keys("C-c")
        final = terminal.wait_for(lambda s: EXIT_MARK in s, "pipectl exit")
        text = "\n".join(final)
        assert f"{EXIT_MARK} 130" in text, text
        assert re.search(r"pipectl\b.*\bwatch [0-9a-f-]{36}", text), f"no re-attach hint:\n{text}"
        assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
        # The live view as it was when interrupted; the error and its hint are plain lines
        # that the terminal wraps like any other (a command can be longer than 80 columns).
        view = [line for line in final if not line.startswith(("error:", "hint:"))]
        assert_fits(view, 80)
        assert terminal.cursor_visible(), "Ctrl-C left the cursor hidden"
    finally:
        terminal.keep("last")
        terminal.kill()
