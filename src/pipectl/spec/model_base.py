"""The base of every spec model, the error a validator raises and the checks several
parts of the spec share (apart from :mod:`pipectl.spec.model`, so the models of one part
of the spec can live in a module of their own)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

from pipectl.spec import names as rules


def invalid(message: str, hint: str | None = None, *,
            at: tuple[str | int, ...] = ()) -> PydanticCustomError:
    """A validation error whose hint survives into pipectl's finding.

    ``at``: where below the validated value the problem is, so that the finding points
    at that line: a field of a model (``("execution_mode",)``), a key of a mapping
    (``("DB_PASSWORD",)``) or an index of a list (``(1,)``).
    """
    # Braces would be read as template fields by pydantic: keep them out of the text.
    safe = message.replace("{", "(").replace("}", ")")
    context: dict[str, Any] = {"hint": hint} if hint else {}
    if at:
        context["at"] = at
    return PydanticCustomError("pipectl", safe, context)


def check_name(value: str, pattern: Any, what: str, rule: str,
               at: tuple[str | int, ...] = ()) -> str:
    if not pattern.match(value):
        raise invalid(f"'{value}' is not a valid {what} name", f"{what} names: {rule}", at=at)
    return value


def check_bucket(value: str) -> str:
    """An S3 bucket name the spec gives (the source's, the artifact store's)."""
    problem = rules.s3_bucket_problem(value)
    if problem:
        raise invalid(f"'{value}' is not a valid S3 bucket name", f"bucket names: {problem}")
    return value


def check_role_arn(value: str | None, what: str) -> str | None:
    """An existing service role the spec names instead of the one pipectl would create."""
    if value is not None and not rules.IAM_ROLE_ARN.match(value):
        raise invalid(f"'{value}' is not an IAM role ARN",
                      f"the ARN of the existing {what} role: arn:aws:iam::ACCOUNT:role/NAME")
    return value


def _stringify(value: Any) -> Any:
    """YAML reads `LOG_LEVEL: 3` as an int; environment values are strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _string_values(value: Any) -> Any:
    # Not a mapping: the field's own check says so.
    return {k: _stringify(x) for k, x in value.items()} if isinstance(value, dict) else value


#: A mapping of names to strings that YAML may have written as numbers or booleans
#: (``build.env``, ``pipeline.variables``, ``tags``).
StringValues = Annotated[dict[str, str], BeforeValidator(_string_values)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def inside_repository(value: str) -> str:
    """A path the spec names: relative, and inside the repository."""
    from pipectl.spec.paths import outside_problem

    problem = outside_problem(value)
    if problem:
        raise invalid(f"the path {problem}", "for example: buildspec.yml, "
                      "config/task_definition.json")
    return value
