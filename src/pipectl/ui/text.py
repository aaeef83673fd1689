"""Plain-text fitting: values cut at a word with an ellipsis, paragraphs wrapped to 80."""

from __future__ import annotations

#: What every plain block is laid out for: an 80-column terminal.
WIDTH = 80
ELLIPSIS = "…"


def first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def clip(text: str, width: int, *, at_word: bool = True) -> str:
    """``text`` in at most ``width`` characters: whole, or cut (after a word unless
    ``at_word`` is false, as for log lines) and marked with "…"."""
    if len(text) <= width:
        return text
    room = max(1, width - len(ELLIPSIS))
    if not at_word:
        return text[:room] + ELLIPSIS
    cut = text[:room + 1].rsplit(" ", 1)[0] if " " in text[:room + 1] else text[:room]
    if len(cut) < room // 2:  # one very long word: cut it rather than lose the line
        cut = text[:room]
    return cut.rstrip(" ,;:.") + ELLIPSIS


def wrap(text: str, first: str, rest: str, width: int = WIDTH) -> list[str]:
    """``text`` wrapped to ``width``: the first line after ``first``, the others after
    ``rest`` (a hanging indent); words longer than a line are broken."""
    import textwrap

    return textwrap.wrap(" ".join(text.split()), width=width, initial_indent=first,
                         subsequent_indent=rest, break_on_hyphens=False) or [first.rstrip()]
