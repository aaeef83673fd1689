"""Text from outside pipectl (build logs, commit messages, AWS messages), made safe to print.

A pushed commit controls what its build logs and the run's revision summary say. Printed
raw, an escape sequence in them retitles, clears or recolours the terminal of whoever
runs ``logs`` or ``watch``. Every control character except tab and newline is shown as
a visible escape (``\\x1b``) instead; JSON output needs nothing, as ``json.dumps``
escapes control characters itself.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls (8-bit CSI and OSC among them), and
# the Unicode bidirectional overrides and isolates, which reorder what a line appears to say.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character (tab and newline kept) replaced by its escape."""
    if text.isprintable():  # the common case, and str.isprintable is fast
        return text
    return _UNPRINTABLE.sub(_visible, text)
