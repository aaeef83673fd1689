"""Describe the machine a benchmark ran on: CPU, cores, Python, OS (never a path)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    """The CPU's marketing name, from /proc/cpuinfo where there is one."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def os_name() -> str:
    try:
        release = platform.freedesktop_os_release().get("PRETTY_NAME")
    except (OSError, AttributeError):
        release = None
    kernel = f"{platform.system()} {platform.release()} {platform.machine()}"
    return f"{release} ({kernel})" if release else kernel


def describe() -> list[tuple[str, str]]:
    return [
        ("CPU", cpu_model()),
        ("cores", str(os.cpu_count() or "?")),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("OS", os_name()),
    ]


def load_average() -> str:
    """The 1-minute load average: other work on the machine slows every figure alike."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (OSError, AttributeError):
        return "unknown"
