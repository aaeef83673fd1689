"""AWS calls as the planners make them: named for errors, missing resources as ``None``."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import Any

from pipectl.aws.errors import error_code, is_botocore_error, translate
from pipectl.aws.session import AwsSession


def _method(aws: AwsSession, service: str, operation: str) -> Any:
    from botocore import xform_name

    return getattr(aws.client(service), xform_name(operation))


def call(
    aws: AwsSession, service: str, operation: str, resource: str, /, **params: Any
) -> Any:
    """One AWS call; a failure becomes a pipectl error naming operation and resource."""
    try:
        return _method(aws, service, operation)(**params)
    except Exception as exc:
        if is_botocore_error(exc):
            raise translate(exc, f"{service}:{operation}", resource) from exc
        raise


def read(
    aws: AwsSession, service: str, operation: str, resource: str,
    missing: Collection[str], /, **params: Any,
) -> Any | None:
    """A read call whose error codes in ``missing`` mean "not there": returns ``None``."""
    try:
        return _method(aws, service, operation)(**params)
    except Exception as exc:
        if error_code(exc) in missing:
            return None
        if is_botocore_error(exc):
            raise translate(exc, f"{service}:{operation}", resource) from exc
        raise


def code_of(exc: BaseException) -> str:
    """The AWS error code of a botocore error or of a translated pipectl error."""
    return error_code(exc) or str(getattr(exc, "code", "") or "")


def named(pages: Iterable[Any], operation: str, resource: str) -> Iterator[Any]:
    """A paginator's pages; a failure names the operation and the resource."""
    from pipectl.aws.errors import aws_call

    iterator = iter(pages)
    while True:
        with aws_call(operation, resource):
            page = next(iterator, None)
        if page is None:
            return
        yield page
