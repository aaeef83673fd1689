"""Answer ``pipectl``, ``pipectl --help``, ``-h`` and ``--version`` without importing click.

Importing click alone costs several times Python's own start-up; these four invocations
only print text that is known up front. The help is rendered at run time, for the
terminal's width, from the same tables the click group is built from
(:mod:`pipectl.cli.commands`), with click's layout rules: usage line, the group's text,
then definition lists whose first column is at most 30 wide. Tests compare every byte
with click's own rendering at every width click can choose.

Everything else (any other argument, even ``--no-color --help``) goes through click.
This module imports only what Python has loaded at start-up anyway.
"""

from __future__ import annotations

import os
import sys

from pipectl import __version__
from pipectl.cli.commands import (
    COMMANDS,
    GLOBAL_OPTIONS,
    GROUP_HELP,
    HELP_OPTION_HELP,
    HELP_OPTION_NAMES,
    MAX_CONTENT_WIDTH,
    PROG,
    USAGE_ARGS,
)

#: click's limits: text never narrower than this, a definition list's first column at most
#: COL_MAX wide, COL_SPACING spaces between the columns, INDENT per nesting level.
MIN_WIDTH = 50
COL_MAX = 30
COL_SPACING = 2
INDENT = 2


def fast_answer(args: list[str]) -> tuple[int, str, bool] | None:
    """(exit code, text, to stderr) for the invocations answered without click, else None.

    A bare ``pipectl`` prints the help on stderr and exits 2, as click does.
    """
    if args == ["--version"]:
        return 0, f"{PROG} {__version__}\n", False
    if not args or (len(args) == 1 and args[0] in HELP_OPTION_NAMES):
        return (0 if args else 2), render_help(help_width()) + "\n", not args
    return None


def help_width() -> int:
    """The width click's HelpFormatter picks: the terminal's, within 50 and 98."""
    return max(min(terminal_columns(), MAX_CONTENT_WIDTH) - 2, MIN_WIDTH)


def terminal_columns() -> int:
    """``shutil.get_terminal_size().columns`` (what click asks), without importing shutil."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    try:
        lines = int(os.environ["LINES"])
    except (KeyError, ValueError):
        lines = 0
    if columns <= 0 or lines <= 0:
        try:
            size = os.get_terminal_size(sys.__stdout__.fileno())  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            size = os.terminal_size((80, 24))
        if columns <= 0:
            columns = size.columns or 80
    return columns


def render_help(width: int) -> str:
    """The group's help page at ``width``, as click's ``ctx.get_help()`` renders it."""
    prefix = f"Usage: {PROG} "
    out = [wrap(USAGE_ARGS, width, prefix, " " * len(prefix)), "\n"]
    out += ["\n", wrap_paragraphs(GROUP_HELP.rstrip("\n"), width, " " * INDENT), "\n"]
    options = [(_option_spec(flags, metavar), help_text)
               for flags, metavar, help_text in GLOBAL_OPTIONS.values()]
    options.append((", ".join(HELP_OPTION_NAMES), HELP_OPTION_HELP))
    out += ["\n", "Options:\n", definition_list(options, width)]
    commands = [(name, summary) for name, (_, summary) in COMMANDS.items()]
    out += ["\n", "Commands:\n", definition_list(commands, width)]
    return "".join(out).rstrip("\n")


def _option_spec(flags: tuple[str, ...], metavar: str | None) -> str:
    # click lists short flags first (fewer leading dashes), then the metavar.
    joined = ", ".join(sorted(flags, key=lambda f: len(f) - len(f.lstrip("-"))))
    return f"{joined} {metavar}" if metavar else joined


def definition_list(rows: list[tuple[str, str]], width: int, indent: int = INDENT) -> str:
    """Two columns; a term wider than the first column puts its text on the next line."""
    first_col = min(max(len(term) for term, _ in rows), COL_MAX) + COL_SPACING
    text_width = max(width - first_col - 2, 10)
    out: list[str] = []
    for term, text in rows:
        out.append(" " * indent + term)
        if not text:
            out.append("\n")
            continue
        if len(term) <= first_col - COL_SPACING:
            out.append(" " * (first_col - len(term)))
        else:
            out.append("\n" + " " * (first_col + indent))
        lines = wrap_paragraphs(text, text_width).splitlines()
        out.append((lines[0] if lines else "") + "\n")
        out.extend(" " * (first_col + indent) + line + "\n" for line in lines[1:])
    return "".join(out)


def wrap_paragraphs(text: str, width: int, indent: str = "") -> str:
    """click's ``wrap_text(preserve_paragraphs=True)``: blank lines part paragraphs;
    a paragraph opened by a ``\\b`` line is kept as written, only indented."""
    paragraphs: list[tuple[int, bool, str]] = []
    block: list[str] = []
    block_indent: int | None = None

    def flush() -> None:
        if block:
            if block[0].strip() == "\b":
                paragraphs.append((block_indent or 0, True, "\n".join(block[1:])))
            else:
                paragraphs.append((block_indent or 0, False, " ".join(block)))
            block.clear()

    for line in text.expandtabs().splitlines():
        if not line:
            flush()
            block_indent = None
            continue
        if block_indent is None:
            stripped = line.lstrip()
            block_indent = len(line) - len(stripped)
            line = stripped
        block.append(line)
    flush()
    rendered = []
    for extra, raw, body in paragraphs:
        lead = indent + " " * extra
        if raw:
            rendered.append("\n".join(lead + line for line in body.splitlines()))
        else:
            rendered.append(wrap(body, width, lead, lead))
    return "\n\n".join(rendered)


def wrap(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """``textwrap.fill`` with click's settings (whitespace kept, long words broken),
    without textwrap, whose import alone compiles regular expressions for milliseconds."""
    chunks = split_chunks(text.expandtabs())
    chunks.reverse()
    lines: list[str] = []
    while chunks:
        indent = subsequent_indent if lines else initial_indent
        room = width - len(indent)
        if lines and not chunks[-1].strip():
            del chunks[-1]  # no line after the first starts with whitespace
        line: list[str] = []
        used = 0
        while chunks and used + len(chunks[-1]) <= room:
            used += len(chunks[-1])
            line.append(chunks.pop())
        if chunks and len(chunks[-1]) > room:
            # A word longer than the line: break it where the line ends.
            space_left = max(room - used, 1)
            longest = chunks[-1]
            line.append(longest[:space_left])
            chunks[-1] = longest[space_left:]
        if line and not line[-1].strip():
            del line[-1]
        if line:
            lines.append(indent + "".join(line))
    return "\n".join(lines)


def split_chunks(text: str) -> list[str]:
    """Runs of whitespace and words, words split after a hyphen between letters
    (``read-only`` -> ``read-``, ``only``), as textwrap's ``break_on_hyphens`` does."""
    chunks: list[str] = []
    i, n = 0, len(text)
    while i < n:
        j = i
        space = text[i].isspace()
        while j < n and text[j].isspace() == space:
            j += 1
        if space:
            chunks.append(text[i:j])
        else:
            chunks.extend(_split_hyphens(text[i:j]))
        i = j
    return chunks


def _split_hyphens(word: str) -> list[str]:
    """A word's chunks: an em-dash (``--`` between words) stands alone, and a word
    breaks after a hyphen that has letters on both sides."""
    parts: list[str] = []
    start = k = 0
    while k < len(word):
        if word[k] != "-":
            k += 1
            continue
        run = k
        while run < len(word) and word[run] == "-":
            run += 1
        if run - k >= 2:
            if k > 0 and _word_punct(word[k - 1]) and run < len(word) and _word(word[run]):
                parts += [word[start:k], word[k:run]]
                start = run
        elif _breaks_after(word, k):
            parts.append(word[start:k + 1])
            start = k + 1
        k = run
    parts.append(word[start:])
    return [part for part in parts if part]


def _breaks_after(word: str, k: int) -> bool:
    before = (k >= 2 and _letter(word[k - 1]) and _letter(word[k - 2])) or (
        k >= 3 and _letter(word[k - 1]) and word[k - 2] == "-" and _letter(word[k - 3]))
    after = _letter(word[k + 1:k + 2]) and (
        _letter(word[k + 2:k + 3]) or (word[k + 2:k + 3] == "-" and _letter(word[k + 3:k + 4])))
    return before and after


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _word_punct(char: str) -> bool:
    return _word(char) or char in "!\"'&.,?"


def _letter(char: str) -> bool:
    # textwrap's "letter" is [^\d\W]: a word character that is not a digit.
    return bool(char) and (char.isalpha() or char == "_") and not char.isdigit()
