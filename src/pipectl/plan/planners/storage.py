"""The artifact bucket and its four settings, each a resource of its own.

S3 exposes every bucket setting through its own Get/Put pair, so each is planned on
its own: one read per setting keeps a no-op plan at one or two calls per resource.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipectl.aws.session import AwsSession
from pipectl.errors import AwsError, NotFound
from pipectl.plan.base import ApplyContext, Planner, changed
from pipectl.plan.calls import call, named, read
from pipectl.plan.compare import canonical_policy
from pipectl.plan.model import FieldDiff, Observed
from pipectl.resources.bucket import DEFAULT_SSE, KMS_SSE, ArtifactBucket
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

    def create(self, ctx: ApplyContext, desired: ArtifactBucket) -> None:
        def make() -> None:
            try:
                call(ctx.aws, "s3", "CreateBucket", desired.name, **desired.create_request())
            except AwsError as exc:
                if exc.code == "BucketAlreadyExists":
                    raise AwsError(
                        f"the bucket name {desired.name} is taken by another AWS account",
                        operation="s3:CreateBucket", resource=desired.name, code=exc.code,
                        hint="bucket names are global: set artifacts.bucket to another name",
                    ) from exc
                raise
            call(ctx.aws, "s3", "PutBucketTagging", desired.name,
                 **desired.tagging_request(desired.tags))

        self.create_or_converge(ctx, desired, make)

    def update(self, ctx: ApplyContext, desired: ArtifactBucket, observed: Observed,
               diffs: list[FieldDiff]) -> None:
        if changed(diffs, "tags"):
            # PutBucketTagging replaces the whole set: keep tags others added.
            call(ctx.aws, "s3", "PutBucketTagging", desired.name,
                 **desired.tagging_request({**observed.tags, **desired.tags}))

    def holds_data(self, aws: AwsSession, desired: ArtifactBucket,
                   observed: Observed) -> str | None:
        listing = call(aws, "s3", "ListObjectVersions", desired.name, **desired.owned,
                       MaxKeys=1)
        if listing.get("Versions") or listing.get("DeleteMarkers"):
            return "it holds objects"
        return None

    def delete(self, ctx: ApplyContext, desired: ArtifactBucket, observed: Observed) -> None:
        # The policy goes first: a Deny in it (ours, or one added later) must not stop
        # emptying the bucket half-way.
        call(ctx.aws, "s3", "DeleteBucketPolicy", desired.name, **desired.owned)
        s3 = ctx.aws.client("s3")
        pages = s3.get_paginator("list_object_versions").paginate(**desired.owned)
        for page in named(pages, "s3:ListObjectVersions", desired.name):
            objects = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                       for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            if not objects:
                continue
            result = call(ctx.aws, "s3", "DeleteObjects", desired.name, **desired.owned,
                          Delete={"Objects": objects, "Quiet": True})
            errors = result.get("Errors") or []
            if errors:
                first = errors[0]
                raise AwsError(
                    f"s3:DeleteObjects on {desired.name}: {len(errors)} objects were not "
                    f"deleted ({first.get('Key')}: {first.get('Code')} {first.get('Message')})",
                    operation="s3:DeleteObjects", resource=desired.name, code=first.get("Code"),
                    hint="check the caller's s3:DeleteObjectVersion permission; then re-run",
                )
        call(ctx.aws, "s3", "DeleteBucket", desired.name, **desired.owned)


class _BucketSetting(Planner[ArtifactBucket]):
    sub_resource = True

    def targets(self, state: DesiredState) -> list[ArtifactBucket]:
        # artifacts.existing: the bucket's settings are its owner's, not pipectl's.
        return [] if state.bucket.existing else [state.bucket]

    def update(self, ctx: ApplyContext, desired: ArtifactBucket, observed: Observed,
               diffs: list[FieldDiff]) -> None:
        self.create(ctx, desired)  # every Put replaces the setting whole


class VersioningPlanner(_BucketSetting):
    kind = "s3-bucket-versioning"
    title = "S3 bucket versioning"

    def read(self, aws: AwsSession, desired: ArtifactBucket) -> Observed | None:
        got = read(aws, "s3", "GetBucketVersioning", desired.name, NO_BUCKET,
                   **desired.owned)
        if got is None or not got.get("Status"):
            return None  # a bucket never versioned has no versioning setting at all
        return Observed({"status": got["Status"]})

    def fields(self, desired: ArtifactBucket) -> dict[str, Any]:
        return {"status": "Enabled"}

    def create(self, ctx: ApplyContext, desired: ArtifactBucket) -> None:
        call(ctx.aws, "s3", "PutBucketVersioning", desired.name,
             **desired.versioning_request())


class EncryptionPlanner(_BucketSetting):
    kind = "s3-bucket-encryption"
    title = "S3 default encryption"

    def read(self, aws: AwsSession, desired: ArtifactBucket) -> Observed | None:
        got = read(aws, "s3", "GetBucketEncryption", desired.name,
                   NO_BUCKET | {"ServerSideEncryptionConfigurationNotFoundError"},
                   **desired.owned)
        rules = ((got or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
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

    def create(self, ctx: ApplyContext, desired: ArtifactBucket) -> None:
        call(ctx.aws, "s3", "PutBucketEncryption", desired.name,
             **desired.encryption_request())


class PublicAccessBlockPlanner(_BucketSetting):
    kind = "s3-public-access-block"
    title = "S3 public access block"

    def read(self, aws: AwsSession, desired: ArtifactBucket) -> Observed | None:
        got = read(aws, "s3", "GetPublicAccessBlock", desired.name,
                   NO_BUCKET | {"NoSuchPublicAccessBlockConfiguration"}, **desired.owned)
        if got is None:
            return None
        config = got.get("PublicAccessBlockConfiguration") or {}
        return Observed({k: bool(config.get(k)) for k in desired.public_access_block})

    def fields(self, desired: ArtifactBucket) -> dict[str, Any]:
        return dict(desired.public_access_block)

    def create(self, ctx: ApplyContext, desired: ArtifactBucket) -> None:
        call(ctx.aws, "s3", "PutPublicAccessBlock", desired.name,
             **desired.public_access_block_request())


class BucketPolicyPlanner(_BucketSetting):
    kind = "s3-bucket-policy"
    title = "S3 bucket policy"

    def read(self, aws: AwsSession, desired: ArtifactBucket) -> Observed | None:
        got = read(aws, "s3", "GetBucketPolicy", desired.name,
                   NO_BUCKET | {"NoSuchBucketPolicy"}, **desired.owned)
        if got is None:
            return None
        return Observed({"policy": canonical_policy(got["Policy"])})

    def fields(self, desired: ArtifactBucket) -> dict[str, Any]:
        return {"policy": canonical_policy(desired.policy)}

    def create(self, ctx: ApplyContext, desired: ArtifactBucket) -> None:
        call(ctx.aws, "s3", "PutBucketPolicy", desired.name, **desired.policy_request())
