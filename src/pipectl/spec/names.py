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
IAM_ROLE = re.compile(r"[\w+=,.@\-]{1,64}\Z")
IAM_ROLE_ARN = re.compile(r"arn:aws[a-z\-]*:iam::\d{12}:role/([\w+=,.@\-]+/)*[\w+=,.@\-]{1,64}\Z")
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

    def bucket(self, account: str, region: str) -> str:
        if self.artifact_bucket:
            return self.artifact_bucket
        base = re.sub(r"[^a-z0-9-]+", "-", self.pipeline.lower()).strip("-") or "pipectl"
        return fit(f"{base}-artifacts-{account}-{region}", 63)
