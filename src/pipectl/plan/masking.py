"""What ``plan`` shows of secret-looking values: ``(hidden)``, in field diffs and in the
parameters of the calls ``plan -v`` lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: What ``plan`` shows instead of the value of a field whose name looks secret.
HIDDEN = "(hidden)"
_REFERENCE_FIELDS = frozenset({"secrets", "secretOptions", "valueFrom", "type"})


def masked(field: str, old: Any, new: Any) -> tuple[Any, Any]:
    """The values of a field whose path names something secret-looking (an environment
    variable ``DB_PASSWORD``, a pipeline variable ``API_TOKEN``) replaced by HIDDEN."""
    from pipectl.spec.names import SECRET_LIKE

    parts = field.split(".")
    # References to secrets (a container's "secrets", their valueFrom ARNs, a variable's
    # type) are no secrets themselves.
    if parts[-1] in _REFERENCE_FIELDS or not any(
            SECRET_LIKE.search(part) for part in parts if part not in _REFERENCE_FIELDS):
        return old, new
    return (None if old is None else HIDDEN), (None if new is None else HIDDEN)


#: Entries that hold a reference to a secret (an SSM parameter, a Secrets Manager ARN)
#: rather than the secret: shown as they are.
_REFERENCE_TYPES = frozenset({"PARAMETER_STORE", "SECRETS_MANAGER"})
_NAMED_VALUES = (("name", "value"), ("name", "defaultValue"), ("Key", "Value"),
                 ("key", "value"))


def masked_document(value: Any) -> Any:
    """A request's parameters with every secret-looking value replaced by HIDDEN: the
    value of a key whose name looks secret (``{"DB_PASSWORD": ...}``) and of a named entry
    whose name does (``{"name": "API_TOKEN", "value": ...}``, as environment variables,
    pipeline variables and tags are written)."""
    from pipectl.spec.names import SECRET_LIKE

    if isinstance(value, list):
        return [masked_document(v) for v in value]
    if not isinstance(value, Mapping):
        return value
    out = {}
    for key, item in value.items():
        secret = key not in _REFERENCE_FIELDS and bool(SECRET_LIKE.search(str(key)))
        out[key] = HIDDEN if secret and isinstance(item, str) else masked_document(item)
    if out.get("type") in _REFERENCE_TYPES:
        return out
    for name_key, value_key in _NAMED_VALUES:
        name = out.get(name_key)
        if isinstance(name, str) and value_key in out and SECRET_LIKE.search(name):
            out[value_key] = HIDDEN
    return out
