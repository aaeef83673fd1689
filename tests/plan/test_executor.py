"""The executor sends what the planners return: its own rules, on AWS's documented answers.

Stubber answers every call (and checks each request and answer against botocore's model);
no endpoint is involved.
"""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from pipectl.aws.session import AwsSession, AwsSettings
from pipectl.errors import AwsError
from pipectl.plan.model import Observed
from pipectl.plan.registry import planner_for
from tests.plan import applying
from tests.resources.specs import make_state

BUCKET = "hello-web-artifacts-123456789012-us-east-1"
OWNED = {"Bucket": BUCKET, "ExpectedBucketOwner": "123456789012"}


def session() -> AwsSession:
    return AwsSession(AwsSettings(region="us-east-1"))


def test_a_bucket_name_taken_by_another_account_is_said_in_pipectls_words() -> None:
    state = make_state()
    aws = session()
    with Stubber(aws.client("s3")) as stub:
        stub.add_client_error("create_bucket", "BucketAlreadyExists",
                              "The requested bucket name is not available.", 409,
                              {"Bucket": BUCKET, "ObjectOwnership": "BucketOwnerEnforced"})
        with pytest.raises(AwsError) as caught:
            applying.create(aws, planner_for("s3-bucket"), state.bucket)
        stub.assert_no_pending_responses()  # and PutBucketTagging was never sent
    assert caught.value.message == \
        f"the bucket name {BUCKET} is taken by another AWS account"
    assert caught.value.hint == "bucket names are global: set artifacts.bucket to another name"
    assert caught.value.operation == "s3:CreateBucket" and caught.value.code == \
        "BucketAlreadyExists"


def test_emptying_a_bucket_follows_every_page_and_only_then_deletes_it() -> None:
    state = make_state()
    aws = session()
    with Stubber(aws.client("s3")) as stub:
        stub.add_response("delete_bucket_policy", {}, OWNED)
        stub.add_response("list_object_versions", {
            "IsTruncated": True, "NextKeyMarker": "b", "NextVersionIdMarker": "v2",
            "Versions": [{"Key": "a", "VersionId": "v1"}]}, OWNED)
        stub.add_response("delete_objects", {"Deleted": [{"Key": "a", "VersionId": "v1"}]}, {
            **OWNED, "Delete": {"Objects": [{"Key": "a", "VersionId": "v1"}], "Quiet": True}})
        stub.add_response("list_object_versions", {
            "IsTruncated": False, "DeleteMarkers": [{"Key": "b", "VersionId": "v3"}]},
            {**OWNED, "KeyMarker": "b", "VersionIdMarker": "v2"})
        stub.add_response("delete_objects", {}, {
            **OWNED, "Delete": {"Objects": [{"Key": "b", "VersionId": "v3"}], "Quiet": True}})
        stub.add_response("delete_bucket", {}, OWNED)
        applying.delete(aws, planner_for("s3-bucket"), state.bucket, Observed())
        stub.assert_no_pending_responses()


def test_objects_s3_kept_are_an_error_and_the_bucket_is_not_deleted() -> None:
    state = make_state()
    aws = session()
    with Stubber(aws.client("s3")) as stub:
        stub.add_response("delete_bucket_policy", {}, OWNED)
        stub.add_response("list_object_versions", {
            "IsTruncated": False, "Versions": [{"Key": "a", "VersionId": "v1"}]}, OWNED)
        stub.add_response("delete_objects", {"Errors": [
            {"Key": "a", "VersionId": "v1", "Code": "AccessDenied", "Message": "Access Denied"}]},
            {**OWNED, "Delete": {"Objects": [{"Key": "a", "VersionId": "v1"}], "Quiet": True}})
        with pytest.raises(AwsError) as caught:
            applying.delete(aws, planner_for("s3-bucket"), state.bucket, Observed())
        stub.assert_no_pending_responses()  # DeleteBucket was never sent
    assert caught.value.message == (f"s3:DeleteObjects on {BUCKET}: 1 objects were not deleted "
                                    "(a: AccessDenied Access Denied)")
    assert caught.value.code == "AccessDenied"
