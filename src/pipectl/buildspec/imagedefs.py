"""What a buildspec gives the ECS deploy action: ``imagedefinitions.json``.

The ECS standard deploy action reads that file from the build's output artifact and
looks up each ``name`` among the containers of the service's task definition; a
name that is not there fails the deploy. These checks are pipectl's (validate), not
CodeBuild's: a buildspec for another purpose needs no such file.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from dataclasses import dataclass

from pipectl.buildspec.model import Buildspec, Command
from pipectl.buildspec.rules import IMAGE_DEFINITIONS, assignments
from pipectl.errors import Finding, Location

_NAME = re.compile(r'"name"\s*:\s*"([^"]*)"')
_VARIABLE = re.compile(r"\A'?\"?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?\"?'?\Z")
#: Shell operators that end one simple command (a buildspec command may hold several).
_OPERATORS = frozenset({";", "&", "&&", "|", "||", "|&", ";;"})
_HINT = f"add:  artifacts: {{files: [{IMAGE_DEFINITIONS}]}}  (the ECS deploy action reads it)"


@dataclass(frozen=True)
class ContainerName:
    """The container an imagedefinitions.json entry names: a literal, or a variable."""

    literal: str | None
    variable: str | None
    location: Location | None


def artifact_findings(buildspec: Buildspec, has_artifacts: bool) -> list[Finding]:
    """The deploy action needs imagedefinitions.json among the build's artifacts."""
    source = buildspec.source
    assert source is not None
    if not has_artifacts or not buildspec.artifact_files:
        where = source.locate(("artifacts",) if has_artifacts else (), prefer_key=True)
        return [Finding("error", f"the ECS deploy action needs {IMAGE_DEFINITIONS} from the "
                        "build, and the buildspec has no artifact files",
                        Location(where.file, where.line, where.column, "artifacts.files"),
                        hint=_HINT, code="no-image-definitions")]
    where = source.locate(("artifacts", "files"))
    base = (buildspec.base_directory or "").strip("/")
    wanted = f"{base}/{IMAGE_DEFINITIONS}" if base else IMAGE_DEFINITIONS
    patterns = buildspec.artifact_files
    if not any(_matches(p, IMAGE_DEFINITIONS) or _matches(p, wanted) for p in patterns):
        variables = [p for p in patterns if "$" in p]
        if variables:
            return [Finding("warning", f"{IMAGE_DEFINITIONS} is not among the artifact files "
                            f"as written; {variables[0]} names a file through a variable, "
                            "expanded only when the build runs, so pipectl cannot check it",
                            where,
                            hint=f"name {IMAGE_DEFINITIONS} literally to have it checked",
                            code="unchecked-artifact")]
        return [Finding("error", f"{IMAGE_DEFINITIONS} is not among the artifact files", where,
                        hint=_HINT, code="no-image-definitions")]
    if not any(IMAGE_DEFINITIONS in c.text for c in buildspec.commands()):
        return [Finding("warning", f"no command writes {IMAGE_DEFINITIONS}", where,
                        hint="post_build should write it: printf '[{\"name\":\"%s\","
                             "\"imageUri\":\"%s\"}]' $CONTAINER_NAME $REPOSITORY_URI:$IMAGE_TAG "
                             "> imagedefinitions.json", code="no-image-definitions")]
    return []


def container_names(buildspec: Buildspec) -> list[ContainerName]:
    """The container names the commands that write imagedefinitions.json put in it.

    A later command that edits the file in place (``sed -i "s|NAME|$ContainerName|"
    imagedefinitions.json``, as real buildspecs do to fill a template) makes the names
    written before it unknowable here: they count as computed, nothing to check.
    """
    out: list[ContainerName] = []
    for command in buildspec.commands():
        if IMAGE_DEFINITIONS not in command.text:
            continue
        text = command.text.replace('\\"', '"')
        for match in _NAME.finditer(text):
            out.append(_resolve_token(match.group(1), text, match.start(), command))
        if _rewrites_in_place(command.text):  # this command's own names too
            out = [ContainerName(None, None, name.location) for name in out]
    return out


def _rewrites_in_place(text: str) -> bool:
    """Whether ``text`` changes an imagedefinitions.json already written: ``sed -i`` or
    ``perl -i`` on it, or ``mv``/``cp`` of another file onto it."""
    for words in _simple_commands(text):
        tool, options = words[0], [w for w in words[1:] if w.startswith("-")]
        in_place = any(o.startswith("--in-place") or (not o.startswith("--") and "i" in o[1:])
                       for o in options)
        if tool in ("sed", "perl") and in_place and any(
                w.endswith(IMAGE_DEFINITIONS) for w in words[1:]):
            return True
        if tool in ("mv", "cp") and len(words) > 2 and words[-1].endswith(IMAGE_DEFINITIONS):
            return True
    return False


def _simple_commands(text: str) -> list[list[str]]:
    """The words of each simple command in ``text``, split at newlines and operators
    outside quotes (a sed script may use ``|`` as its delimiter)."""
    out: list[list[str]] = []
    for line in text.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words: list[str] = []
        try:
            for token in lexer:
                if token in _OPERATORS:
                    out.append(words)
                    words = []
                else:
                    words.append(token)
        except ValueError:  # an unbalanced quote: read the line as plain words
            words = line.split()
        out.append(words)
    return [words for words in out if words]


def assigned_values(buildspec: Buildspec) -> dict[str, str]:
    """Variables a buildspec sets to a literal: env.variables, then `NAME=value` commands."""
    values = dict(buildspec.variables)
    for command in buildspec.commands():
        for name, value in assignments(command.text):
            value = value.strip("'\"")
            if "$" in value or "`" in value:
                values.pop(name, None)  # computed when the build runs
            else:
                values.setdefault(name, value)
    return values


def _resolve_token(token: str, text: str, at: int, command: Command) -> ContainerName:
    if token == "%s":
        token = _printf_argument(text, at) or token
    variable = _VARIABLE.match(token)
    if variable:
        return ContainerName(None, variable.group(1), command.location)
    if "$" in token or "%" in token or "`" in token:
        return ContainerName(None, None, command.location)  # computed: nothing to check
    return ContainerName(token, None, command.location)


def _printf_argument(text: str, at: int) -> str | None:
    """The printf argument that fills the `%s` of the "name" at offset ``at``."""
    start = text.rfind("printf", 0, at)
    if start < 0:
        return None
    try:
        words = shlex.split(text[start:], posix=True)
    except ValueError:
        return None
    if len(words) < 2:
        return None
    before = text[start:at].count("%s")  # the %s placeholders ahead of this one
    arguments = [w for w in words[2:] if not w.startswith(">")]
    return arguments[before] if before < len(arguments) else None


def _matches(pattern: str, name: str) -> bool:
    pattern = pattern.strip().removeprefix("./")
    return pattern == name or fnmatch.fnmatchcase(name, pattern) or (
        pattern.startswith("**/") and fnmatch.fnmatchcase(name, pattern[3:]))
