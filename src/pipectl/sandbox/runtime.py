"""What the services' runners need of the engine, so that they need not import it.

The engine builds the runners and hands itself in as this; the runners never reach the
engine's other parts (another service's runner is handed in by name where one is needed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pipectl.sandbox.clock import Scheduler
from pipectl.sandbox.faults import Faults
from pipectl.sandbox.variation import Variation


class Runtime(Protocol):
    @property
    def scheduler(self) -> Scheduler:
        """The one clock every transition happens on."""

    @property
    def variation(self) -> Variation:
        """How long this run's steps take (seeded)."""

    @property
    def faults(self) -> Faults:
        """The faults armed for the next builds and deployments."""

    @property
    def source_dir(self) -> Path:
        """The user's checkout, where builds read the buildspec and Dockerfile."""
