"""AWS naming rules (checked before any call to AWS) and the names pipectl derives.

botocore's client checks types and lengths but not these patterns, and moto accepts
almost anything, so a bad name would otherwise first fail in real AWS, half-way
through ``create``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

PIPELINE_NAME = re.compile(r"[A-Za-z0-9.@\-_]{1,100}\Z")
CODEBUILD_PROJECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_]{1,149}\Z")
ECR_REPOSITORY = re.compile(
    r"(?=.{2,256}\Z)[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*\Z"
)
ECS_NAME = re.compile(r"[A-Za-z0-9_\-]{1,255}\Z")
S3_BUCKET = re.compile(r"(?=.{3,63}\Z)[a-z0-9][a-z0-9.\-]*[a-z0-9]\Z")
IP_ADDRESS = re.compile(r"\d{1,3}(\.\d{1,3}){3}\Z")
# IAM: role names are [\w+=,.@-]{1,64}; a path is /, or /segments/ of the same characters.
IAM_ROLE_NAME = re.compile(r"[\w+=,.@\-]{1,64}\Z")
IAM_ROLE_ARN = re.compile(
    r"arn:aws(?:-[a-z]+)*:iam::\d{12}:role/(?:[\w+=,.@\-]+/)*[\w+=,.@\-]{1,64}\Z")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}\Z")
ENV_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
PIPELINE_VARIABLE = re.compile(r"[A-Za-z0-9@\-_]{1,128}\Z")
SUBNET_ID = re.compile(r"subnet-[0-9a-f]{8,17}\Z")
SECURITY_GROUP_ID = re.compile(r"sg-[0-9a-f]{8,17}\Z")
CONNECTION_ARN = re.compile(
    r"arn:aws[a-z\-]*:(codestar-connections|codeconnections):[a-z0-9\-]+:\d{12}:connection/[A-Za-z0-9\-]+\Z"
)
GITHUB_REPOSITORY = re.compile(r"[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+\Z")
CODECOMMIT_REPOSITORY = re.compile(r"[\w.\-]{1,100}\Z")
#: An IAM policy treats these as wildcards in a resource ARN: no value that becomes a
#: policy resource may hold them.
POLICY_WILDCARDS = ("*", "?")
SSM_PARAMETER = re.compile(r"/?[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*\Z")
SECRET_NAME = re.compile(r"[A-Za-z0-9/_+=.@\-]{1,512}\Z")
SECRET_ARN = re.compile(
    r"arn:aws[a-z\-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:secret:"
    r"[A-Za-z0-9/_+=.@\-]{1,512}\Z")
ACCOUNT_ID = re.compile(r"\d{12}\Z")
#: CloudWatch Logs' retentionInDays values (PutRetentionPolicy; botocore's model lists
#: them in the documentation of its ``Days`` shape, which has no enum for them).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
                      1827, 2192, 2557, 2922, 3288, 3653)


def secret_reference_problem(reference: str) -> str | None:
    """Why ``ssm:NAME`` / ``secretsmanager:ID[:json-key...]`` is no exact reference, or None.

    Each becomes a resource of the build role's policy: a wildcard would grant every
    parameter or secret it matches.
    """
    store, _, target = reference.partition(":")
    if any(w in target for w in POLICY_WILDCARDS):
        return "holds a wildcard ('*' or '?'): it would grant every secret it matches"
    if store == "ssm":
        return None if SSM_PARAMETER.match(target) else (
            "is not an SSM parameter name (letters, digits, '_', '.', '-' and '/')")
    if target.startswith("arn:"):
        arn = ":".join(target.split(":")[:7])
        return None if SECRET_ARN.match(arn) else (
            "is not a Secrets Manager ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)")
    return None if SECRET_NAME.match(target.split(":", 1)[0]) else (
        "is not a Secrets Manager secret name (letters, digits, '/_+=.@-')")


#: Names that suggest a secret; such a value belongs in ``build.secrets``.
SECRET_LIKE = re.compile(
    r"(?i)(secret|passw(or)?d|token|api_?key|private_?key|credential|access_?key)"
)


def s3_bucket_problem(name: str) -> str | None:
    if not S3_BUCKET.match(name):
        return ("3-63 characters: lowercase letters, digits, '.' and '-', starting and ending "
                "with a letter or digit")
    if IP_ADDRESS.match(name):
        return "must not look like an IP address"
    if ".." in name or ".-" in name or "-." in name:
        return "must not contain '..', '.-' or '-.'"
    if name.startswith(("xn--", "sthree-")) or name.endswith(("-s3alias", "--ol-s3")):
        return "uses a prefix or suffix that S3 reserves"
    return None


def fit(name: str, limit: int) -> str:
    """``name`` if it fits in ``limit`` characters, else a prefix plus a stable hash."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: limit - 9].rstrip('-_.')}-{digest}"


@dataclass(frozen=True)
class DerivedNames:
    """Every resource name pipectl uses, from the spec (the bucket needs the account)."""

    pipeline: str
    project: str
    repository: str
    codebuild_role: str
    pipeline_role: str
    cluster: str
    service: str
    artifact_bucket: str | None  # None: derived from account and region at plan time

    @classmethod
    def of(cls, pipeline: str, *, project: str | None = None, repository: str | None = None,
           cluster: str = "", service: str = "",
           artifact_bucket: str | None = None) -> DerivedNames:
        """The names of pipeline ``pipeline``: those given, the others pipectl's defaults."""
        return cls(
            pipeline=pipeline,
            project=project if project is not None else f"{pipeline}-build",
            repository=repository if repository is not None else pipeline.lower(),
            codebuild_role=fit(f"{pipeline}-codebuild", 64),
            pipeline_role=fit(f"{pipeline}-codepipeline", 64),
            cluster=cluster,
            service=service,
            artifact_bucket=artifact_bucket,
        )

    @property
    def events_role(self) -> str:
        """The role EventBridge assumes to start the pipeline (CodeCommit and S3 sources)."""
        return fit(f"{self.pipeline}-events", 64)

    @property
    def source_rule(self) -> str:
        """The EventBridge rule that starts the pipeline: ``[.\\-_A-Za-z0-9]``, 1-64."""
        return fit(f"{self.pipeline.replace('@', '-')}-source-change", 64)

    def bucket(self, account: str, region: str) -> str:
        if self.artifact_bucket:
            return self.artifact_bucket
        base = re.sub(r"[^a-z0-9-]+", "-", self.pipeline.lower()).strip("-") or "pipectl"
        return fit(f"{base}-artifacts-{account}-{region}", 63)
