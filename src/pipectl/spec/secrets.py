"""Secrets stay out of the spec's plain values and out of messages about them.

Every value of the spec is stored in plain text somewhere (a CodeBuild environment
variable, a tag, a pipeline variable) and shown by ``plan``. A ``${VAR}`` whose name
says it holds a secret (the AWS credential variables, ``*_TOKEN``, ``*_PASSWORD``,
``*_KEY``, ...) is refused in every one of them. Messages about a value that came from
the environment name the variable, never the value; a value quoted from the spec text
itself is cut short.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pipectl.credentials import CREDENTIAL_VARIABLES
from pipectl.spec.interpolate import variables_used

#: Words of a variable name (split at ``_``) that say it holds a secret.
_SECRET_WORDS = frozenset({
    "KEY", "KEYS", "APIKEY", "TOKEN", "TOKENS", "SECRET", "SECRETS", "PASSWORD", "PASSWD",
    "PASS", "PWD", "PASSPHRASE", "CREDENTIAL", "CREDENTIALS", "CREDS", "PRIVATE", "AUTH",
    "PAT", "SIGNATURE", "COOKIE",
})
#: Runs of letters anywhere in a name that say so too (``GITHUBTOKEN``, ``DBPASSWORD``).
_SECRET_PARTS = re.compile(r"(?i)(secret|passw(or)?d|token|credential|apikey|privatekey)")
#: The longest value from the spec text a message quotes whole.
QUOTE_LIMIT = 40


def looks_secret_variable(name: str) -> bool:
    """Whether an environment variable's name says it holds a secret."""
    upper = name.upper()
    if upper in CREDENTIAL_VARIABLES:  # the AWS ones, whatever their names look like
        return True
    return bool(_SECRET_WORDS & set(upper.split("_"))) or bool(_SECRET_PARTS.search(upper))


def secret_variables_in(value: str, environ: Mapping[str, str]) -> list[str]:
    """The secret-looking variables a value takes text from (set ones; defaults are text)."""
    return [name for name in variables_used(value, environ) if looks_secret_variable(name)]


def short_quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)``, cut to ``limit`` characters of the value (``'abcd…'``)."""
    if isinstance(value, str) and len(value) > limit:
        return repr(value[:limit])[:-1] + "…'"
    return repr(value)


# A quote opens after a non-word character and closes before one, so the text between
# two quoted values ("'app' (...) is 'web'") is not taken for a third.
_LONG_QUOTE = re.compile("(?<!\\w)'([^'\\n]{" + str(QUOTE_LIMIT) + "})[^'\\n]+?'(?!\\w)")


def shorten_quotes(text: str) -> str:
    """Every ``'quoted'`` value in a message cut to :data:`QUOTE_LIMIT` characters."""
    return _LONG_QUOTE.sub(lambda match: f"'{match.group(1)}…'", text)


def without_expanded_values(text: str, expanded: dict[str, tuple[str, ...]]) -> str:
    """``text`` with each value that came from variables replaced by their names."""
    for value, names in sorted(expanded.items(), key=lambda item: -len(item[0])):
        if not value.strip():
            continue
        shown = " ".join(f"${{{name}}}" for name in names)
        text = text.replace(repr(value), f"the value of {shown}")
        if len(value) >= 4:
            text = text.replace(value, shown)
    return text
