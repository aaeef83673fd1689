"""The artifact bucket and its four settings, each a resource of its own.

S3 exposes every bucket setting through its own Get/Put pair, so each is planned on
its own: one read per setting keeps a no-op plan at one or two calls per resource.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pipectl.aws.session import AwsSession
from pipectl.errors import AwsError, NotFound
from pipectl.plan.base import Planner, changed
from pipectl.plan.calls import call, read
from pipectl.plan.compare import canonical_policy
from pipectl.plan.model import FieldDiff, Observed
from pipectl.plan.requests import Each, Request, Requests
from pipectl.resources.bucket import DEFAULT_SSE, KMS_SSE, OBJECT_OWNERSHIP, ArtifactBucket
from pipectl.resources.common import tag_dict

if TYPE_CHECKING:
    from pipectl.resources.desired import DesiredState

NO_BUCKET = frozenset({"NoSuchBucket"})


def bucket_region(location: dict[str, Any]) -> str:
    constraint = location.get("LocationConstraint")
    # None means us-east-1; "EU" is the legacy spelling of eu-west-1.
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else str(constraint)


class BucketPlanner(Planner[ArtifactBucket]):
    kind = "s3-bucket"
    title = "S3 bucket"
    exists_codes = frozenset({"BucketAlreadyOwnedByYou"})

    def targets(self, state: DesiredState) -> list[ArtifactBucket]:
        return [state.bucket]

    def read(self, aws: AwsSession, desired: ArtifactBucket) -> Observed | None:
        location = read(aws, "s3", "GetBucketLocation", desired.name, NO_BUCKET,
                        **desired.owned)
        if location is None:
            if desired.existing:
                raise NotFound(
                    f"artifact bucket {desired.name} does not exist, but artifacts.existing "
                    "says it does", operation="s3:GetBucketLocation", resource=desired.name,
                    hint="fix artifacts.bucket, or drop artifacts.existing to let pipectl "
                    "create it")
            return None
        region = bucket_region(location)
        if region != desired.region:
            raise AwsError(
                f"bucket {desired.name} exists in {region}, but the pipeline is in "
                f"{desired.region}; CodePipeline needs its artifact store in its own region",
                operation="s3:GetBucketLocation", resource=desired.name,
                hint="set artifacts.bucket to another name",
            )
        tagging = read(aws, "s3", "GetBucketTagging", desired.name,
                       NO_BUCKET | {"NoSuchTagSet"}, **desired.owned)
        tags = tag_dict((tagging or {}).get("TagSet"))
        return Observed({"region": region}, tags)

    def fields(self, desired: ArtifactBucket) -> dict[str, Any]:
        return {"region": desired.region, "tags": dict(desired.tags)}

    def adoptable(self, desired: ArtifactBucket, observed: Observed) -> bool:
        # pipectl creates a bucket and tags it in two calls: an untagged bucket may be
        # its own, stopped in between. Only a bucket the spec says exists is adopted.
        return desired.existing

    def create(self, desired: ArtifactBucket) -> Requests:
        taken = (f"the bucket name {desired.name} is taken by another AWS account",
                 "bucket names are global: set artifacts.bucket to another name")
        return [
            Request("s3", "CreateBucket", desired.name, desired.create_request(),
                    creates=True, explain={"BucketAlreadyExists": taken}),
            Request("s3", "PutBucketTagging", desired.name,
                    desired.tagging_request(desired.tags)),
        ]

    def update(self, desired: ArtifactBucket, observed: Observed,
               diffs: list[FieldDiff]) -> Requests:
        if not changed(diffs, "tags"):
            return []
        # PutBucketTagging replaces the whole set: keep tags others added.
        return [Request("s3", "PutBucketTagging", desired.name,
                        desired.tagging_request({**observed.tags, **desired.tags}))]

    def holds_data(self, aws: AwsSession, desired: ArtifactBucket,
                   observed: Observed) -> str | None:
        listing = call(aws, "s3", "ListObjectVersions", desired.name, **desired.owned,
                       MaxKeys=1)
        if listing.get("Versions") or listing.get("DeleteMarkers"):
            return "it holds objects"
        return None

    def delete(self, desired: ArtifactBucket, observed: Observed) -> Requests:
        # The policy goes first: a Deny in it (ours, or one added later) must not stop
        # emptying the bucket half-way.
        return [
            Request("s3", "DeleteBucketPolicy", desired.name, desired.owned),
            Each(Request("s3", "ListObjectVersions", desired.name, desired.owned),
                 lambda page: _delete_versions(desired, page),
                 "s3:DeleteObjects for each page of object versions and delete markers"),
            Request("s3", "DeleteBucket", desired.name, desired.owned),
        ]


def _delete_versions(desired: ArtifactBucket, page: Mapping[str, Any]) -> list[Request]:
    objects = [{"Key": v["Key"], "VersionId": v["VersionId"]}
               for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
    if not objects:
        return []
    return [Request("s3", "DeleteObjects", desired.name,
                    {**desired.owned, "Delete": {"Objects": objects, "Quiet": True}})]


class _BucketSetting(Planner[ArtifactBucket]):
    """One setting of the bucket: read with its Get, replaced whole by its Put."""

    sub_resource = True
    get: ClassVar[str]
    put: ClassVar[str]
    #: Error codes of ``get`` that mean the setting was never made.
    not_set: ClassVar[frozenset[str]] = frozenset()

    def targets(self, state: DesiredState) -> list[ArtifactBucket]:
        # artifacts.existing: the bucket's settings are its owner's, not pipectl's.
        return [] if state.bucket.existing else [state.bucket]

    def read(self, aws: AwsSession, desired: ArtifactBucket) -> Observed | None:
        got = read(aws, "s3", self.get, desired.name, NO_BUCKET | self.not_set,
                   **desired.owned)
        return None if got is None else self.observe(got, desired)

    @abstractmethod
    def observe(self, got: dict[str, Any], desired: ArtifactBucket) -> Observed | None:
        """The setting as the Get answer has it; ``None`` when it is not set."""

    @abstractmethod
    def put_request(self, desired: ArtifactBucket) -> dict[str, Any]: ...

    def create(self, desired: ArtifactBucket) -> Requests:
        return [Request("s3", self.put, desired.name, self.put_request(desired))]

    def update(self, desired: ArtifactBucket, observed: Observed,
               diffs: list[FieldDiff]) -> Requests:
        return self.create(desired)  # every Put replaces the setting whole


class OwnershipPlanner(_BucketSetting):
    """BucketOwnerEnforced: ACLs off, every object the bucket owner's, whoever writes it.

    CreateBucket already asks for it; this finds a bucket where it was changed (or one
    created before pipectl did), and puts it back.
    """

    kind = "s3-bucket-ownership"
    title = "S3 object ownership"
    get, put = "GetBucketOwnershipControls", "PutBucketOwnershipControls"
    not_set = frozenset({"OwnershipControlsNotFoundError"})

    def observe(self, got: dict[str, Any], desired: ArtifactBucket) -> Observed | None:
        rules = (got.get("OwnershipControls") or {}).get("Rules") or []
        return Observed({"objectOwnership": rules[0].get("ObjectOwnership") if rules else None})

    def fields(self, desired: ArtifactBucket) -> dict[str, Any]:
        return {"objectOwnership": OBJECT_OWNERSHIP}

    def put_request(self, desired: ArtifactBucket) -> dict[str, Any]:
        return desired.ownership_request()


class VersioningPlanner(_BucketSetting):
    kind = "s3-bucket-versioning"
    title = "S3 bucket versioning"
    get, put = "GetBucketVersioning", "PutBucketVersioning"

    def observe(self, got: dict[str, Any], desired: ArtifactBucket) -> Observed | None:
        # A bucket never versioned has no versioning setting at all.
        return Observed({"status": got["Status"]}) if got.get("Status") else None

    def fields(self, desired: ArtifactBucket) -> dict[str, Any]:
        return {"status": "Enabled"}

    def put_request(self, desired: ArtifactBucket) -> dict[str, Any]:
        return desired.versioning_request()


class EncryptionPlanner(_BucketSetting):
    kind = "s3-bucket-encryption"
    title = "S3 default encryption"
    get, put = "GetBucketEncryption", "PutBucketEncryption"
    not_set = frozenset({"ServerSideEncryptionConfigurationNotFoundError"})

    def observe(self, got: dict[str, Any], desired: ArtifactBucket) -> Observed | None:
        rules = (got.get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
        algorithms = [r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm")
                      for r in rules]
        algorithm = next((a for a in algorithms if a), None)
        if algorithm is None:
            return None
        # KMS is at least as strong as SSE-S3: a bucket that uses it keeps it.
        return Observed({"algorithm": DEFAULT_SSE if algorithm in KMS_SSE else algorithm},
                        facts={"algorithm": algorithm})

    def fields(self, desired: ArtifactBucket) -> dict[str, Any]:
        return {"algorithm": DEFAULT_SSE}

    def put_request(self, desired: ArtifactBucket) -> dict[str, Any]:
        return desired.encryption_request()


class PublicAccessBlockPlanner(_BucketSetting):
    kind = "s3-public-access-block"
    title = "S3 public access block"
    get, put = "GetPublicAccessBlock", "PutPublicAccessBlock"
    not_set = frozenset({"NoSuchPublicAccessBlockConfiguration"})

    def observe(self, got: dict[str, Any], desired: ArtifactBucket) -> Observed | None:
        config = got.get("PublicAccessBlockConfiguration") or {}
        return Observed({k: bool(config.get(k)) for k in desired.public_access_block})

    def fields(self, desired: ArtifactBucket) -> dict[str, Any]:
        return dict(desired.public_access_block)

    def put_request(self, desired: ArtifactBucket) -> dict[str, Any]:
        return desired.public_access_block_request()


class BucketPolicyPlanner(_BucketSetting):
    kind = "s3-bucket-policy"
    title = "S3 bucket policy"
    get, put = "GetBucketPolicy", "PutBucketPolicy"
    not_set = frozenset({"NoSuchBucketPolicy"})

    def observe(self, got: dict[str, Any], desired: ArtifactBucket) -> Observed | None:
        return Observed({"policy": canonical_policy(got["Policy"])})

    def fields(self, desired: ArtifactBucket) -> dict[str, Any]:
        return {"policy": canonical_policy(desired.policy)}

    def put_request(self, desired: ArtifactBucket) -> dict[str, Any]:
        return desired.policy_request()
