"""Start a pipeline execution, idempotently: one client request token per invocation."""

from __future__ import annotations

import difflib
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pipectl.aws.errors import aws_call
from pipectl.errors import AwsError, InvalidInput, NotFound
from pipectl.runs.reads import Clients
from pipectl.runs.reads import codepipeline as pipeline_reads

REVISION_TYPES = ("COMMIT_ID", "IMAGE_DIGEST", "S3_OBJECT_VERSION_ID", "S3_OBJECT_KEY")
#: What a bare ``--source-revision VALUE`` means for each source provider.
DEFAULT_REVISION_TYPE = {"github": "COMMIT_ID", "codecommit": "COMMIT_ID",
                         "s3": "S3_OBJECT_VERSION_ID"}
VARIABLE_NAME = re.compile(r"^[A-Za-z0-9@\-_]{1,128}$")


@dataclass(frozen=True)
class StartRequest:
    pipeline: str
    variables: tuple[tuple[str, str], ...] = ()
    source_revision: tuple[str, str] | None = None  # (revision type, value)
    # Made once per invocation: botocore's retries resend the same parameters, so a start
    # retried after a lost response is recognised by CodePipeline, not run twice.
    client_request_token: str = ""

    def __post_init__(self) -> None:
        if not self.client_request_token:
            object.__setattr__(self, "client_request_token", str(uuid.uuid4()))


def parse_variables(
    pairs: Sequence[str], *, pipeline_type: str, declared: dict[str, str]
) -> tuple[tuple[str, str], ...]:
    """``NAME=VALUE`` strings -> pairs, checked against the spec's declared variables."""
    parsed: list[tuple[str, str]] = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InvalidInput(f"--var {pair!r} is not NAME=VALUE",
                               hint="for example: --var DEPLOY_ENV=staging")
        if not VARIABLE_NAME.match(name):
            raise InvalidInput(f"--var {name!r}: not a valid pipeline variable name",
                               hint="letters, digits, '@', '-' and '_'")
        if pipeline_type != "V2":
            raise InvalidInput("--var needs a V2 pipeline (pipeline variables are a V2 feature)",
                               hint="set pipeline.type: V2 in the spec and run `pipectl update`")
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=1)
            hint = (f"did you mean {close[0]}?" if close else
                    "declare it under pipeline.variables in the spec, then `pipectl update`")
            raise InvalidInput(f"--var {name}: the pipeline declares no variable {name}",
                               hint=hint)
        if not value:
            raise InvalidInput(f"--var {name}: the value is empty; CodePipeline takes 1 to "
                               "1000 characters",
                               hint=f"give it a value (--var {name}=VALUE), or leave --var "
                               f"{name} out to use the pipeline's default")
        if len(value) > 1000:
            raise InvalidInput(f"--var {name}: the value is longer than 1000 characters",
                               hint="CodePipeline takes 1 to 1000 characters")
        parsed.append((name, value))
    return tuple(parsed)


def parse_source_revision(value: str | None, provider: str) -> tuple[str, str] | None:
    """``COMMIT_ID=abc123`` or just ``abc123`` (typed by the source provider)."""
    if not value:
        return None
    kind, sep, rest = value.partition("=")
    if sep and kind.upper() in REVISION_TYPES:
        if not rest:
            raise InvalidInput(f"--source-revision {value!r} has no value",
                               hint=f"for example: --source-revision {kind.upper()}=abc1234")
        if kind.upper() == "S3_OBJECT_KEY":
            # CodePipeline takes it only with AllowOverrideForS3ObjectKey on the action, and
            # the pipeline's role may read the spec's one source object, nothing else.
            raise InvalidInput(
                "--source-revision S3_OBJECT_KEY: the pipeline reads only its source object "
                "(source.key); it takes no other key",
                hint="run another version of it with --source-revision "
                "S3_OBJECT_VERSION_ID=ID, or change source.key and run `pipectl update`")
        return kind.upper(), rest
    if sep and kind.isupper():
        raise InvalidInput(f"--source-revision: unknown revision type {kind!r}",
                           hint="one of " + ", ".join(REVISION_TYPES))
    return DEFAULT_REVISION_TYPE.get(provider, "COMMIT_ID"), value


#: Waits between starts that CodePipeline refuses as busy (ConflictException): about
#: two minutes in all, then the error is reported.
BUSY_RETRY_DELAYS = (2.0, 4.0, 8.0, 15.0, 30.0, 60.0)


def start_run(
    clients: Clients, request: StartRequest, sleep: Callable[[float], None] | None = None
) -> str:
    """StartPipelineExecution; returns the execution id.

    ConflictException means the pipeline is busy (an update or another start under way):
    the same request (the same token: still one run) is retried with backoff.
    """
    params: dict[str, Any] = {
        "name": request.pipeline,
        "clientRequestToken": request.client_request_token,
    }
    if request.variables:
        params["variables"] = [{"name": n, "value": v} for n, v in request.variables]
    if request.source_revision is not None:
        layout = pipeline_reads.pipeline_layout(clients, request.pipeline)
        source = layout.source_action()
        if source is None:
            raise InvalidInput(f"pipeline {request.pipeline} has no source action",
                               hint="run `pipectl update` to restore the pipeline's stages")
        kind, value = request.source_revision
        params["sourceRevisions"] = [
            {"actionName": source.name, "revisionType": kind, "revisionValue": value}
        ]
    for delay in (*BUSY_RETRY_DELAYS, None):
        try:
            with aws_call("codepipeline:StartPipelineExecution", resource=request.pipeline):
                response = clients.client("codepipeline").start_pipeline_execution(**params)
            return str(response["pipelineExecutionId"])
        except NotFound as exc:
            exc.hint = exc.hint or "create it with `pipectl create`"
            raise
        except AwsError as exc:
            if exc.code != "ConflictException":
                raise
            if delay is None:
                exc.hint = ("the pipeline stayed busy (an update or another start under way) "
                            "for about two minutes; try `pipectl run` again later")
                raise
            (sleep or time.sleep)(delay)
    raise AssertionError("unreachable")
