"""A small POSIX shell for the command lines the sandbox runs itself (a Commands action).

The sandbox runs no process for them: a command line is parsed and run here, with
``;``, ``&&``, ``||``, ``if ... then ... else ... fi``, variable assignments, ``$NAME``,
``${NAME}`` and ``$(...)`` expansion, single and double quotes, and the builtins
``echo``, ``test``/``[``, ``true``, ``false`` and ``:``. Every other command goes to
the caller's ``external`` function (the sandbox's ``aws``); a command nobody knows
fails as ``sh`` does (status 127, ``not found``). Pipes, redirections and background
jobs are refused with a clear message rather than guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

#: (argv, environment) -> (status, stdout, stderr)
External = Callable[[list[str], dict[str, str]], "tuple[int, str, str] | None"]
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
OPERATORS = (";", "&&", "||")
UNSUPPORTED = ("|", "&", ">", "<")
RESERVED = ("if", "then", "else", "elif", "fi")


class ShellSyntaxError(ValueError):
    """A line this shell cannot run: ``str(exc)`` says why, as sh would."""


@dataclass(frozen=True)
class Part:
    kind: str  # "text", "var" or "command"
    text: str
    quoted: bool


@dataclass(frozen=True)
class Word:
    parts: tuple[Part, ...]

    @property
    def literal(self) -> str | None:
        """The word's text when it is plain unquoted text (a keyword, an operator)."""
        if len(self.parts) == 1 and self.parts[0].kind == "text" and not self.parts[0].quoted:
            return self.parts[0].text
        return None


def _closing_paren(text: str, start: int) -> int:
    depth, i, quote = 1, start, ""
    while i < len(text):
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ShellSyntaxError("Syntax error: end of file unexpected (expecting \")\")")


def _dollar(text: str, i: int, quoted: bool) -> tuple[Part, int]:
    """The expansion at ``text[i] == '$'``, and where the text goes on."""
    if text.startswith("$(", i):
        end = _closing_paren(text, i + 2)
        return Part("command", text[i + 2:end], quoted), end + 1
    if text.startswith("${", i):
        end = text.find("}", i)
        if end < 0:
            raise ShellSyntaxError("Syntax error: Missing '}'")
        return Part("var", text[i + 2:end], quoted), end + 1
    found = NAME.match(text, i + 1)
    if found:
        return Part("var", found.group(0), quoted), found.end()
    return Part("text", "$", quoted), i + 1


def tokens(text: str) -> list[Word | str]:
    """Words, and operators as plain strings."""
    out: list[Word | str] = []
    parts: list[Part] = []
    i = 0

    def end_word() -> None:
        if parts:
            out.append(Word(tuple(parts)))
            parts.clear()

    while i < len(text):
        c = text[i]
        if c in " \t\n":
            end_word()
            i += 1
        elif c == "#" and not parts:
            break
        elif text.startswith(("&&", "||"), i):
            end_word()
            out.append(text[i:i + 2])
            i += 2
        elif c == ";":
            end_word()
            out.append(";")
            i += 1
        elif c in UNSUPPORTED:
            raise ShellSyntaxError(f"the pipectl sandbox's shell does not run '{c}' "
                                   "(pipes, redirections, background jobs)")
        elif c == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise ShellSyntaxError("Syntax error: Unterminated quoted string")
            parts.append(Part("text", text[i + 1:end], True))
            i = end + 1
        elif c == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                if text[i] == "$":
                    part, i = _dollar(text, i, True)
                    parts.append(part)
                else:
                    j = i
                    while j < len(text) and text[j] not in '"$':
                        j += 2 if text[j] == "\\" else 1
                    parts.append(Part("text", re.sub(r"\\(.)", r"\1", text[i:j]), True))
                    i = j
            if i >= len(text):
                raise ShellSyntaxError("Syntax error: Unterminated quoted string")
            i += 1
        elif c == "$":
            part, i = _dollar(text, i, False)
            parts.append(part)
        else:
            j = i
            while j < len(text) and text[j] not in " \t\n;'\"$" + "".join(UNSUPPORTED) \
                    and not text.startswith(("&&", "||"), j):
                j += 1
            parts.append(Part("text", text[i:j], False))
            i = j
    end_word()
    return out


@dataclass
class Shell:
    """One shell: its variables, what it printed, and the status of the last command."""

    external: External
    env: dict[str, str] = field(default_factory=dict)
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    status: int = 0

    def run(self, line: str) -> int:
        try:
            items = tokens(line)
            self.status = self._list(Peek(items), stop=())
        except ShellSyntaxError as exc:
            self.stderr.append(f"sh: 1: {exc}")
            self.status = 2
        return self.status

    # -- grammar: list := and_or (';' and_or)*; and_or := command (('&&'|'||') command)*

    def _list(self, items: Peek, stop: tuple[str, ...]) -> int:
        status = 0
        while items.peek() is not None and _keyword(items.peek()) not in stop:
            status = self._and_or(items, stop)
            if items.peek() == ";":
                items.next()
        return status

    def _and_or(self, items: Peek, stop: tuple[str, ...]) -> int:
        status = self._command(items, stop, run=True)
        while items.peek() in ("&&", "||"):
            op = items.next()
            go = (status == 0) if op == "&&" else (status != 0)
            result = self._command(items, stop, run=go)
            status = result if go else status
        return status

    def _command(self, items: Peek, stop: tuple[str, ...], *, run: bool) -> int:
        if _keyword(items.peek()) == "if":
            return self._if(items, run)
        words: list[Word] = []
        while items.peek() is not None and not isinstance(items.peek(), str) \
                and (words or _keyword(items.peek()) not in stop):
            word = items.next()
            assert isinstance(word, Word)
            words.append(word)
        if not words:
            raise ShellSyntaxError(f"Syntax error: \"{items.peek()}\" unexpected")
        return self._simple(words) if run else 0

    def _if(self, items: Peek, run: bool) -> int:
        items.next()
        condition = items.mark()
        self._skip(items, ("then",))
        items.next()
        then_part = items.mark()
        self._skip(items, ("else", "fi", "elif"))
        if _keyword(items.peek()) == "elif":
            raise ShellSyntaxError("the pipectl sandbox's shell does not run elif: nest an "
                                   "if in the else part")
        else_part = items.mark() if _keyword(items.next()) == "else" else None
        if else_part is not None:
            self._skip(items, ("fi",))
            items.next()
        if not run:
            return 0
        if self._list(condition, stop=("then",)) == 0:
            return self._list(then_part, stop=("else", "fi"))
        return self._list(else_part, stop=("fi",)) if else_part is not None else 0

    @staticmethod
    def _skip(items: Peek, until: tuple[str, ...]) -> None:
        depth = 0
        while items.peek() is not None:
            word = _keyword(items.peek())
            if word == "if":
                depth += 1
            elif word == "fi" and depth:
                depth -= 1
            elif word in until and not depth:
                return
            items.next()
        raise ShellSyntaxError(f"Syntax error: end of file unexpected (expecting \"{until[0]}\")")

    # -- running a simple command

    def _simple(self, words: list[Word]) -> int:
        assignments: list[tuple[str, Word]] = []
        while words and (found := _assignment(words[0])) is not None:
            assignments.append(found)
            words = words[1:]
        substituted: list[int] = []
        values = {name: self._expand(word, substituted, split=False)[0]
                  for name, word in assignments}
        if not words:
            self.env.update(values)
            return substituted[-1] if substituted else 0
        argv = [a for w in words for a in self._expand(w, substituted, split=True)]
        return self._invoke(argv, {**self.env, **values})

    def _invoke(self, argv: list[str], env: dict[str, str]) -> int:
        name = argv[0] if argv else ""
        if name in ("true", ":"):
            return 0
        if name == "false":
            return 1
        if name == "echo":
            self.stdout.append(" ".join(argv[1:]))
            return 0
        if name in ("test", "["):
            return _test(argv[1:-1] if name == "[" and argv[-1:] == ["]"] else argv[1:])
        answer = self.external(argv, env)
        if answer is None:
            self.stderr.append(f"sh: 1: {name}: not found")
            return 127
        status, out, err = answer
        self.stdout.extend(out.splitlines())
        self.stderr.extend(err.splitlines())
        return status

    def _expand(self, word: Word, substituted: list[int], *, split: bool) -> list[str]:
        fields: list[str] = [""]
        for part in word.parts:
            if part.kind == "text":
                value = part.text
            elif part.kind == "var":
                value = self.env.get(part.text, "")
            else:
                inner = Shell(self.external, dict(self.env))
                substituted.append(inner.run(part.text))
                self.stderr.extend(inner.stderr)
                value = "\n".join(inner.stdout).rstrip("\n")
            if split and not part.quoted and part.kind != "text":
                pieces = value.split()
                if not pieces:
                    continue
                fields[-1] += pieces[0]
                fields.extend(pieces[1:])
            else:
                fields[-1] += value
        if not split or fields != [""] or any(p.quoted for p in word.parts):
            return fields
        return []  # an unquoted expansion to nothing is no word at all


def _assignment(word: Word) -> tuple[str, Word] | None:
    first = word.parts[0]
    if first.kind != "text" or first.quoted or "=" not in first.text:
        return None
    name, _, rest = first.text.partition("=")
    if not NAME.fullmatch(name):
        return None
    parts = ((Part("text", rest, False),) if rest else ()) + word.parts[1:]
    return name, Word(parts or (Part("text", "", True),))


def _test(args: list[str]) -> int:
    if len(args) == 3 and args[1] in ("=", "!="):
        return int((args[0] == args[2]) != (args[1] == "="))
    if len(args) == 3 and args[1] in ("-eq", "-ne", "-gt", "-lt", "-ge", "-le"):
        try:
            a, b = int(args[0]), int(args[2])
        except ValueError:
            return 2
        ok = {"-eq": a == b, "-ne": a != b, "-gt": a > b, "-lt": a < b, "-ge": a >= b,
              "-le": a <= b}[args[1]]
        return 0 if ok else 1
    if len(args) == 2 and args[0] in ("-z", "-n"):
        return int((args[1] == "") != (args[0] == "-z"))
    if len(args) == 1:
        return 0 if args[0] else 1
    return 2


def _keyword(item: Word | str | None) -> str | None:
    if isinstance(item, Word):
        text = item.literal
        return text if text in RESERVED else None
    return None


class Peek:
    """Tokens with one look ahead; ``mark`` is a second cursor from here."""

    def __init__(self, items: list[Word | str], at: int = 0) -> None:
        self.items, self.at = items, at

    def peek(self) -> Word | str | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def next(self) -> Word | str | None:
        item = self.peek()
        self.at += 1
        return item

    def mark(self) -> Peek:
        return Peek(self.items, self.at)
