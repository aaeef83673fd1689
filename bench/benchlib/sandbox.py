"""The benchmark's own sandbox, started and stopped the way a user does it.

``pipectl sandbox start`` runs the endpoint in a detached process on 127.0.0.1 and
remembers it in ``$PIPECTL_STATE_DIR`` (a temporary directory here, so a sandbox the
user runs is never touched); ``pipectl --sandbox ...`` then finds it. The benchmark
stops it at the end, even after an error or Ctrl-C; a short idle timeout ends it should
the benchmark itself be killed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from types import TracebackType

from benchlib.measure import BenchError, run

IDLE_TIMEOUT = "15m"


class Sandbox:
    """``with Sandbox(pipectl, time_scale, env) as sandbox:`` ... ``sandbox.url``."""

    def __init__(self, pipectl: Sequence[str], time_scale: float,
                 env: Mapping[str, str]) -> None:
        self.pipectl = list(pipectl)
        self.time_scale = time_scale
        self.env = dict(env)
        self.url = ""
        #: The sandbox's token as AWS credentials, for the clients that are not pipectl.
        self.credentials: dict[str, str] = {}

    def __enter__(self) -> Sandbox:
        started = run([*self.pipectl, "sandbox", "start", "--speed", str(self.time_scale),
                       "--idle-timeout", IDLE_TIMEOUT, "-o", "json"], env=self.env,
                      timeout=60).check()
        try:
            answer = json.loads(started.stdout)
            self.url = str(answer["url"])
            self.credentials = {key: str(answer["environment"][key])
                                for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
        except (ValueError, KeyError, TypeError):
            self.__exit__(None, None, None)
            raise BenchError(f"`pipectl sandbox start` said: {started.stdout!r}") from None
        if not self.url.startswith("http://127.0.0.1:"):
            self.__exit__(None, None, None)
            raise BenchError(f"the sandbox is not on loopback: {self.url}")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        run([*self.pipectl, "sandbox", "stop"], env=self.env, timeout=60)
