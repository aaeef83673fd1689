"""The artifact bucket, as ``create`` leaves it in the sandbox: private, encrypted,
versioned and reachable over TLS only."""

from __future__ import annotations

import json
from typing import Any

from tests.drills.project import Project
from tests.drills.workspace import REGION, SANDBOX_ACCOUNT
from tests.security.iam_lint import parliament_findings

PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def is_everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    aws = principal.get("AWS") if isinstance(principal, dict) else None
    return aws == "*" or (isinstance(aws, list) and "*" in aws)


def test_artifact_bucket_is_private_encrypted_versioned_and_tls_only(project: Project) -> None:
    created = project.cli("create")
    assert created.exit_code == 0, created.output
    s3 = project.client("s3")
    bucket = project.spec.names.bucket(SANDBOX_ACCOUNT, REGION)

    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                     "BlockPublicPolicy": True, "RestrictPublicBuckets": True}

    grants = s3.get_bucket_acl(Bucket=bucket)["Grants"]
    assert not [g for g in grants if g["Grantee"].get("URI") in PUBLIC_GROUPS]

    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    algorithms = {r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in rules}
    assert algorithms and algorithms <= {"AES256", "aws:kms", "aws:kms:dsse"}

    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"

    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert parliament_findings(policy) == []
    statements = policy["Statement"]
    assert not [s for s in statements if s["Effect"] == "Allow" and is_everyone(s["Principal"])]
    arn = f"arn:aws:s3:::{bucket}"
    tls_only = [
        s for s in statements
        if s["Effect"] == "Deny" and is_everyone(s["Principal"])
        and s["Action"] in ("s3:*", ["s3:*"], "*")
        and {arn, f"{arn}/*"} <= set(s["Resource"] if isinstance(s["Resource"], list)
                                     else [s["Resource"]])
        and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(tls_only) == 1, statements


def test_the_bucket_is_owner_enforced_and_every_call_names_its_owner(project: Project) -> None:
    seen: list[tuple[str, str, str | None]] = []

    def record(environ: dict[str, Any], request: Any, start_response: Any) -> None:
        if request.service == "s3":
            seen.append((str(environ.get("REQUEST_METHOD")),
                         f"{environ.get('PATH_INFO')}?{environ.get('QUERY_STRING', '')}",
                         environ.get("HTTP_X_AMZ_EXPECTED_BUCKET_OWNER")))
        return None

    project.sandbox.app.interceptors.insert(0, record)
    try:
        assert project.cli("create").exit_code == 0
        assert project.cli("destroy", "--yes").exit_code == 0
    finally:
        project.sandbox.app.interceptors.remove(record)
    creates = [s for s in seen if s[0] == "PUT" and s[1].endswith("?")]
    others = [s for s in seen if s not in creates]
    assert len(creates) == 1 and others
    # CreateBucket takes no expected owner; every later call on the bucket names ours, so
    # a same-named bucket of another account is refused rather than written to.
    assert {owner for _, _, owner in others} == {SANDBOX_ACCOUNT}, others


def test_create_makes_the_bucket_owner_enforced(project: Project) -> None:
    assert project.cli("create").exit_code == 0
    bucket = project.spec.names.bucket(SANDBOX_ACCOUNT, REGION)
    controls = project.client("s3").get_bucket_ownership_controls(Bucket=bucket)
    assert controls["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
