"""Plain values made of AWS answers, for every command that shows a run or a service:
times, durations, task definition labels and image tags.

Kept apart from :mod:`pipectl.runs.model` (whose dataclasses ``watch`` needs) so that
``status`` and ``history`` import only what they show.
"""

from __future__ import annotations

from typing import Any


def task_definition_label(arn: str | None) -> str | None:
    """``arn:...:task-definition/web:7`` -> ``web:7``."""
    if not arn:
        return None
    return arn.rsplit("/", 1)[-1]


def image_tag(image: str | None) -> str | None:
    """The tag (or digest) of an image reference, for short displays."""
    if not image:
        return None
    if "@" in image:
        return image.split("@", 1)[1][:19]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else "latest"


def iso_time(epoch: float) -> str:
    import datetime as dt

    moment = dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(value: Any) -> float | None:
    """botocore gives datetimes; tests and some endpoints give numbers."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    timestamp = getattr(value, "timestamp", None)
    return float(timestamp()) if callable(timestamp) else None


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
