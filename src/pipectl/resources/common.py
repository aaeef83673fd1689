"""What every resource model shares: where it lives (account, region) and its tags."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The tag that marks a resource as created by pipectl for one pipeline. ``destroy``
#: deletes nothing that lacks it.
MANAGED_TAG = "pipectl:pipeline"
#: With MANAGED_TAG, on a resource that existed before pipectl managed it (adopted, e.g.
#: after ``pipectl import``): ``destroy`` keeps it unless ``--include-adopted``.
ADOPTED_TAG = "pipectl:adopted"

POLICY_VERSION = "2012-10-17"


@dataclass(frozen=True)
class Placement:
    """The account and region every ARN is built from (the account comes from STS, once)."""

    account: str
    region: str

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    @property
    def ecr_registry(self) -> str:
        """The account's ECR registry host here (an image URI without its repository)."""
        suffix = ".com.cn" if self.partition == "aws-cn" else ".com"
        return f"{self.account}.dkr.ecr.{self.region}.amazonaws{suffix}"

    def arn(self, service: str, resource: str, *, regional: bool = True,
            with_account: bool = True) -> str:
        region = self.region if regional else ""
        account = self.account if with_account else ""
        return f"arn:{self.partition}:{service}:{region}:{account}:{resource}"


def managed_tags(spec_tags: Mapping[str, str], pipeline: str) -> dict[str, str]:
    """The spec's tags plus pipectl's own marker, which always wins."""
    return {**spec_tags, MANAGED_TAG: pipeline}


def tag_list(
    tags: Mapping[str, str], key: str = "Key", value: str = "Value"
) -> list[dict[str, str]]:
    """Tags as the list of pairs most AWS APIs want (their spelling of key/value differs)."""
    return [{key: k, value: v} for k, v in sorted(tags.items())]


def tag_dict(pairs: Any, key: str = "Key", value: str = "Value") -> dict[str, str]:
    """The inverse of :func:`tag_list`; ``None`` (no tags) is an empty dict."""
    return {str(p[key]): str(p.get(value, "")) for p in pairs or []}


def to_json(document: Mapping[str, Any]) -> str:
    """Policies go to AWS as compact JSON with a stable key order."""
    return json.dumps(document, separators=(",", ":"))
