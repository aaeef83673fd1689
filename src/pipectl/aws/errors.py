"""Turn botocore's exceptions into pipectl errors that name the operation and resource."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pipectl.errors import AwsError, NotFound, PipectlError

_CREDENTIAL_CODES = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "AuthFailure",
}
_DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
_THROTTLE_CODES = frozenset({
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
})
_NOT_FOUND_SUFFIXES = ("NotFoundException", "NotFound", "NoSuchEntity", "NoSuchBucket")


def operation_in_traceback(exc: BaseException) -> str | None:
    """``service:Operation`` of the botocore call an exception came out of.

    botocore's credential and connection errors (NoCredentialsError,
    EndpointConnectionError, ...) do not carry the operation's name, and not every call
    is wrapped in ``aws_call``. The client call they came out of is still on their
    traceback (re-raised from a worker thread too): its ``_make_api_call`` frame holds
    the operation's name and the client that made it.
    """
    found: str | None = None
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "_make_api_call" and "operation_name" in frame.f_locals:
            client = frame.f_locals.get("self")
            model = getattr(getattr(client, "meta", None), "service_model", None)
            service = getattr(model, "service_name", None)
            operation = str(frame.f_locals["operation_name"])
            found = f"{service}:{operation}" if service else operation  # the innermost wins
        tb = tb.tb_next
    return found


def is_not_found(code: str) -> bool:
    return code.endswith(_NOT_FOUND_SUFFIXES) or code in {"NoSuchKey", "404"}


def translate(
    exc: BaseException, operation: str | None = None, resource: str | None = None
) -> PipectlError:
    """Map a botocore exception to a pipectl error. Unknown exceptions become AwsError.

    Its message and hint never carry a credential (see :mod:`pipectl.aws.redact`)."""
    from pipectl.aws.redact import redacted

    error = _translate(exc, operation, resource)
    error.message = redacted(error.message)
    error.hint = error.hint and redacted(error.hint)
    error.args = (error.message,)
    return error


def _translate(
    exc: BaseException, operation: str | None, resource: str | None
) -> PipectlError:
    kind = type(exc).__name__
    what = operation or getattr(exc, "operation_name", None)
    if what is None and is_botocore_error(exc):
        what = operation_in_traceback(exc)
    target = f" on {resource}" if resource else ""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        err = response.get("Error", {})
        code = str(err.get("Code", "")) or kind
        message = str(err.get("Message", "")) or str(exc)
        if code in _DENIED_CODES:
            return AwsError(
                f"access denied: {what}{target}: {message}",
                operation=what,
                resource=resource,
                code=code,
                hint=f"grant the caller permission for {what}"
                + (f" on {resource}" if resource else ""),
            )
        if code in _CREDENTIAL_CODES:
            return AwsError(
                f"AWS rejected the credentials ({code}) calling {what}",
                operation=what,
                code=code,
                hint="refresh your credentials (aws sso login, aws configure) or pick "
                "another --profile",
            )
        if code in _THROTTLE_CODES:
            return AwsError(
                f"AWS kept throttling {what}{target}, retries exhausted",
                operation=what,
                resource=resource,
                code=code,
                hint="wait a minute and re-run; raise AWS_MAX_ATTEMPTS for more retries",
            )
        if is_not_found(code):
            return NotFound(
                f"not found: {what}{target}: {message}",
                operation=what,
                resource=resource,
                code=code,
                hint=_not_found_hint(code),
            )
        return AwsError(
            f"{what}{target} failed: {code}: {message}",
            operation=what,
            resource=resource,
            code=code,
        )
    if kind in {"NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError"}:
        return AwsError(
            "no usable AWS credentials were found"
            + (f" (needed to call {what})" if what else ""),
            operation=what,
            hint="run `aws configure`, set AWS_PROFILE, or try the local sandbox "
            "(`pipectl sandbox start`, then `pipectl --sandbox ...`)",
        )
    if kind == "ProfileNotFound":
        return AwsError(str(exc), hint="list profiles with `aws configure list-profiles`")
    if kind in {"EndpointConnectionError", "ConnectionClosedError", "ConnectTimeoutError",
                "ReadTimeoutError"}:
        return AwsError(
            f"could not reach AWS{f' for {what}' if what else ''}: {exc}",
            operation=what,
            hint="check the network, --endpoint-url, or whether the sandbox is running",
        )
    if kind == "NoRegionError":
        return AwsError(
            "no AWS region is set",
            hint="set `region:` in the spec, pass --region, or export AWS_REGION",
        )
    if kind == "ParamValidationError":
        return AwsError(
            f"pipectl built an invalid request for {what}: {exc}",
            operation=what,
            hint="this is a bug in pipectl; please report it with --debug output",
        )
    return AwsError(f"{what or 'AWS call'}{target} failed: {kind}: {exc}", operation=what)


def is_botocore_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("botocore", "boto3", "urllib3"))


@contextmanager
def aws_call(operation: str, resource: str | None = None) -> Iterator[None]:
    """Give any AWS failure inside the block the operation and resource it concerns."""
    try:
        yield
    except PipectlError:
        raise
    except Exception as exc:
        if is_botocore_error(exc):
            raise translate(exc, operation, resource) from exc
        raise


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def is_throttling(exc: BaseException) -> bool:
    """True for AWS's "slow down" answers, as botocore raised them or as translated."""
    code = getattr(exc, "code", None) or error_code(exc)
    cause = exc.__cause__
    if not code and cause is not None:
        code = error_code(cause)
    return code in _THROTTLE_CODES


def _not_found_hint(code: str) -> str:
    where = "check the account and region it looked in (--profile, --region, the spec's region)"
    if code == "PipelineNotFoundException":
        return f"create it with `pipectl create`, or {where}"
    return f"{where}; `pipectl create` makes what the spec describes"
