"""The verdict of a failed build: each fact once, within 80 columns."""

from __future__ import annotations

import re

from pipectl.runs.model import Diagnosis, RunResult
from pipectl.runs.values import format_duration
from pipectl.ui.text import WIDTH, clip, wrap


def build_failure_lines(result: RunResult, diagnosis: Diagnosis, word: str) -> list[str]:
    """One verdict block for a failed build: what failed and where (stage, action, phase),
    the reason once, the log tail, the hint; every line within 80 columns."""
    where = ", ".join(part for part in (
        f"stage {diagnosis.stage}" if diagnosis.stage else "",
        f"action {diagnosis.action}" if diagnosis.action else "",
        f"build phase {diagnosis.phase}")if part)
    code = build_error_code(diagnosis.message)
    lines = [f"Run {result.execution_id} {word} after {format_duration(result.duration)}"]
    lines += wrap(where + (f" ({code})" if code else ""), "  failed at ", " " * 12)
    reason = diagnosis.phase_message or diagnosis.message or result.reason
    lines += wrap(reason, "  reason    ", " " * 12)
    if result.revision:
        lines.append(f"  revision  {result.revision}")
    if diagnosis.log_tail:
        lines.append(f"  last {len(diagnosis.log_tail)} log lines:")
        lines.extend(clip(f"    | {line}", WIDTH, at_word=False)
                     for message in diagnosis.log_tail for line in message.splitlines() or [""])
    if diagnosis.hint:
        lines += wrap(diagnosis.hint, "  hint: ", " " * 8)
    return lines


def build_error_code(message: str) -> str | None:
    """``COMMAND_EXECUTION_ERROR`` from CodePipeline's "Build terminated with state:
    FAILED. Phase: BUILD, Code: COMMAND_EXECUTION_ERROR, Message: ..."."""
    found = re.search(r"\bCode: ([A-Z_]+)", message or "")
    return found.group(1) if found else None
