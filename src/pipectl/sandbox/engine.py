"""The run engine: one clock, the faults, and the builds, rollouts and executions on it.

It plugs into the WSGI layer: the handlers of the operations it serves, a hook that
advances the clock before every request, the fault interceptor, and the control API
under ``/_pipectl/``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipectl.sandbox.clock import Scheduler
from pipectl.sandbox.codebuild.handlers import build_handlers
from pipectl.sandbox.codebuild.runner import BuildRunner
from pipectl.sandbox.codepipeline.engine import PipelineEngine
from pipectl.sandbox.codepipeline.handlers import pipeline_handlers
from pipectl.sandbox.ecs.deployments import Deployments
from pipectl.sandbox.ecs.handlers import ecs_handlers
from pipectl.sandbox.ecs.service_deployment_handlers import service_deployment_handlers
from pipectl.sandbox.faults import Faults, intercept
from pipectl.sandbox.s3_notifications import with_event_bridge
from pipectl.sandbox.variation import Variation

if TYPE_CHECKING:
    from pipectl.sandbox.app import SandboxApp


def sandbox_seed(environ: Any) -> int:
    """``PIPECTL_SANDBOX_SEED`` (default 0): the same seed, the same run times."""
    try:
        return int(environ.get("PIPECTL_SANDBOX_SEED") or 0)
    except ValueError:
        return 0


class Engine:
    def __init__(
        self, app: SandboxApp, *, time_scale: float, source_dir: Path | None = None
    ) -> None:
        self.app = app
        self.time_scale = time_scale
        # Where builds look for the buildspec a project names (the user's checkout).
        self.source_dir = source_dir or Path(os.getcwd())
        self.scheduler = Scheduler(time_scale)
        self.variation = Variation(sandbox_seed(os.environ))
        self.faults = Faults()
        self.builds = BuildRunner(self)
        self.deployments = Deployments(self)
        self.pipelines = PipelineEngine(self, self.builds, self.deployments)
        for handlers in (build_handlers(self.builds), ecs_handlers(self.deployments),
                         service_deployment_handlers(self.deployments),
                         pipeline_handlers(self.pipelines)):
            for name, handler in handlers.items():
                app.register(name, handler)
        app.before_request.append(self.scheduler.advance)
        app.interceptors.append(
            lambda environ, request, start: intercept(self.faults, environ, request, start)
        )
        app.interceptors.append(
            lambda environ, request, start: with_event_bridge(app._moto, environ, request, start)
        )
        app.on_reset.append(self.reset)
        app.control.update(
            {
                "GET /_pipectl/health": self._health,
                "GET /_pipectl/faults": lambda body: (200, self.faults.describe()),
                "POST /_pipectl/faults": self._add_fault,
                "DELETE /_pipectl/faults": self._clear_faults,
                "POST /_pipectl/reset": self._reset,
            }
        )

    def reset(self) -> None:
        """Forget every run, build, rollout and fault (moto's state is reset apart)."""
        self.scheduler.clear()
        self.faults.clear()
        self.builds.reset()
        self.deployments.reset()
        self.pipelines.reset()

    def _health(self, body: dict[str, Any]) -> tuple[int, Any]:
        return 200, {
            "ok": True,
            "pid": os.getpid(),
            "time_scale": self.time_scale,
            "seed": self.variation.seed,
            "source_dir": str(self.source_dir),
            "executions": sum(len(r.executions) for r in self.pipelines.runs.values()),
            "builds": len(self.builds.builds),
            "errors": self.scheduler.errors[-20:],
            "error_count": self.scheduler.error_count,
        }

    def _add_fault(self, body: dict[str, Any]) -> tuple[int, Any]:
        return 201, self.faults.add(body)

    def _clear_faults(self, body: dict[str, Any]) -> tuple[int, Any]:
        self.faults.clear()
        return 200, self.faults.describe()

    def _reset(self, body: dict[str, Any]) -> tuple[int, Any]:
        from pipectl.sandbox.moto_state import reset_state

        reset_state()
        self.reset()
        return 200, {"ok": True}
