"""The S3 artifact bucket: versioned, encrypted, private, TLS only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipectl.resources.common import POLICY_VERSION, Placement, tag_list, to_json

#: SSE-S3. A bucket that already uses KMS keeps it: that is at least as strong.
DEFAULT_SSE = "AES256"
KMS_SSE = ("aws:kms", "aws:kms:dsse")
#: ACLs off: every object is the bucket owner's, whoever writes it.
OBJECT_OWNERSHIP = "BucketOwnerEnforced"


@dataclass(frozen=True)
class ArtifactBucket:
    name: str
    region: str
    placement: Placement
    tags: dict[str, str] = field(default_factory=dict)
    #: artifacts.existing: used as it is; pipectl creates it not and sets nothing on it.
    existing: bool = False

    @property
    def arn(self) -> str:
        return f"arn:{self.placement.partition}:s3:::{self.name}"

    @property
    def owned(self) -> dict[str, str]:
        """The bucket of every call after CreateBucket, owned by this account: a bucket of
        the same name in another account (taken first, or after a delete) is refused
        (403) instead of receiving the pipeline's artifacts."""
        return {"Bucket": self.name, "ExpectedBucketOwner": self.placement.account}

    def create_request(self) -> dict[str, Any]:
        # BucketOwnerEnforced: ACLs off, every object is the bucket owner's, whoever
        # writes it (AWS's default for new buckets since 2023, stated rather than assumed).
        request: dict[str, Any] = {"Bucket": self.name, "ObjectOwnership": OBJECT_OWNERSHIP}
        # us-east-1 is the one region that rejects an explicit location constraint.
        if self.region != "us-east-1":
            request["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        return request

    def tagging_request(self, tags: dict[str, str]) -> dict[str, Any]:
        return {**self.owned, "Tagging": {"TagSet": tag_list(tags)}}

    def ownership_request(self) -> dict[str, Any]:
        return {**self.owned,
                "OwnershipControls": {"Rules": [{"ObjectOwnership": OBJECT_OWNERSHIP}]}}

    def versioning_request(self) -> dict[str, Any]:
        return {**self.owned, "VersioningConfiguration": {"Status": "Enabled"}}

    def encryption_request(self) -> dict[str, Any]:
        return {
            **self.owned,
            "ServerSideEncryptionConfiguration": {
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": DEFAULT_SSE}}]
            },
        }

    @property
    def public_access_block(self) -> dict[str, bool]:
        return {
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        }

    def public_access_block_request(self) -> dict[str, Any]:
        return {**self.owned, "PublicAccessBlockConfiguration": self.public_access_block}

    @property
    def policy(self) -> dict[str, Any]:
        """Deny every request that does not use TLS."""
        return {
            "Version": POLICY_VERSION,
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [self.arn, f"{self.arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }

    def policy_request(self) -> dict[str, Any]:
        return {**self.owned, "Policy": to_json(self.policy)}
