"""The one clock the CLI hands to the domain: deadlines, pauses, and AWS-comparable time.

Deadlines and intervals use :attr:`Clock.monotonic`, which never jumps when the system
time is set; :attr:`Clock.wall` is only for what is compared with AWS's timestamps (how
long ago a run started). Tests pass a fake one through the app context instead of
patching the ``time`` module.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Clock:
    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


SYSTEM_CLOCK = Clock()
