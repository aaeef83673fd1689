"""``source``: where the code comes from (a GitHub connection, CodeCommit or an S3 zip)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from pipectl.spec import names as rules
from pipectl.spec.model_base import Model, check_bucket, check_name, invalid

#: Who makes what starts a run of a CodeCommit or S3 source: pipectl (its EventBridge rule
#: ``<name>-source-change``), or a rule that exists already and that pipectl leaves alone
#: (the one the console made, say): two rules would start two runs on every change.
ChangeDetection = Literal["pipectl", "existing"]
CHANGE_DETECTION_HELP = (
    "pipectl: pipectl's EventBridge rule <name>-source-change starts a run on every change; "
    "existing: a rule pipectl does not manage (the console's) starts them, and pipectl "
    "makes none")


class GitHubSource(Model):
    """GitHub (or GitHub Enterprise, GitLab, Bitbucket) through a CodeConnections connection."""

    provider: Literal["github"]
    connection_arn: str = Field(
        description="ARN of the CodeConnections (or CodeStar) connection, in AVAILABLE state."
    )
    repository: str = Field(description="The repository as owner/repo.")
    branch: str = Field("main", description="The branch whose commits run the pipeline.")
    detect_changes: bool = Field(True, description="Start a run on every push to the branch.")

    @model_validator(mode="before")
    @classmethod
    def _no_change_detection(cls, data: Any) -> Any:
        if isinstance(data, dict) and "change_detection" in data:
            raise invalid(
                "it means nothing for a github source: its connection "
                "starts the runs, no EventBridge rule does",
                "leave it out; source.detect_changes: false stops runs on push",
                at=("change_detection",))
        return data

    @field_validator("connection_arn")
    @classmethod
    def _arn(cls, v: str) -> str:
        if not rules.CONNECTION_ARN.match(v):
            raise invalid(
                f"'{v}' is not a connection ARN",
                "expected arn:aws:codeconnections:REGION:ACCOUNT:connection/ID "
                "(or codestar-connections); copy it from the console's Connections page",
            )
        return v

    @field_validator("repository")
    @classmethod
    def _repo(cls, v: str) -> str:
        if not rules.GITHUB_REPOSITORY.match(v):
            raise invalid(f"'{v}' is not owner/repo", "for example: acme/hello-web")
        return v


class CodeCommitSource(Model):
    provider: Literal["codecommit"]
    repository: str = Field(description="CodeCommit repository name.")
    branch: str = Field("main", description="The branch whose commits run the pipeline.")
    change_detection: ChangeDetection = Field("pipectl", description=CHANGE_DETECTION_HELP)

    @field_validator("repository")
    @classmethod
    def _repo(cls, v: str) -> str:
        return check_name(v, rules.CODECOMMIT_REPOSITORY, "CodeCommit repository",
                          "1-100 letters, digits, '.', '_' and '-'")


class S3Source(Model):
    provider: Literal["s3"]
    bucket: str = Field(description="Versioned S3 bucket holding the source zip.")
    key: str = Field(description="Object key of the source zip.")
    change_detection: ChangeDetection = Field("pipectl", description=CHANGE_DETECTION_HELP)

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        # The roles may read exactly this object: in their policies '*' and '?' are wildcards.
        if not v or any(w in v for w in rules.POLICY_WILDCARDS):
            raise invalid("the source key must name one object, without '*' or '?'",
                          "for example: source/app.zip (IAM reads '*' as any key)")
        return v

    @field_validator("bucket")
    @classmethod
    def _bucket(cls, v: str) -> str:
        return check_bucket(v)


Source = Annotated[GitHubSource | CodeCommitSource | S3Source, Field(discriminator="provider")]
