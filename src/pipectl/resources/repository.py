"""The ECR repository the build pushes to, and its lifecycle policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipectl.resources.common import Placement, tag_list, to_json

#: The tag the reference buildspec keeps its BuildKit registry cache under.
BUILD_CACHE_TAG = "buildcache"


@dataclass(frozen=True)
class Repository:
    name: str
    placement: Placement
    scan_on_push: bool
    immutable_tags: bool
    keep_images: int | None  # None: no lifecycle policy of pipectl's
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return self.placement.arn("ecr", f"repository/{self.name}")

    @property
    def uri(self) -> str:
        """``REPOSITORY_URI`` as the buildspec sees it: no tag."""
        return f"{self.placement.ecr_registry}/{self.name}"

    @property
    def tag_mutability(self) -> str:
        # The buildspec's BuildKit cache lives under one moving tag; every image tag
        # stays immutable, but that one must be rewritable or the cache goes stale.
        return "IMMUTABLE_WITH_EXCLUSION" if self.immutable_tags else "MUTABLE"

    @property
    def mutability_exclusions(self) -> list[dict[str, str]]:
        if not self.immutable_tags:
            return []
        return [{"filterType": "WILDCARD", "filter": BUILD_CACHE_TAG}]

    def mutability_request(self) -> dict[str, Any]:
        request: dict[str, Any] = {
            "repositoryName": self.name,
            "imageTagMutability": self.tag_mutability,
        }
        if self.mutability_exclusions:
            request["imageTagMutabilityExclusionFilters"] = self.mutability_exclusions
        return request

    def create_request(self) -> dict[str, Any]:
        return {
            **self.mutability_request(),
            "imageScanningConfiguration": {"scanOnPush": self.scan_on_push},
            "encryptionConfiguration": {"encryptionType": "AES256"},
            "tags": tag_list(self.tags),
        }

    @property
    def lifecycle_policy(self) -> dict[str, Any]:
        assert self.keep_images is not None, "no lifecycle policy without image.keep_images"
        # The BuildKit cache manifest (tag buildcache) is no image that runs: counted by
        # the "any" rule, it left one real image fewer than keep_images says. A rule of
        # higher priority selects it first (ECR: an image that matches a rule's tagging
        # cannot be expired by a rule of lower priority), so the last rule counts images.
        return {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": "keep the BuildKit cache (tag buildcache) out of the count",
                    "selection": {
                        "tagStatus": "tagged",
                        "tagPatternList": [BUILD_CACHE_TAG],
                        "countType": "imageCountMoreThan",
                        "countNumber": 1,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 2,
                    "description": f"keep the newest {self.keep_images} images",
                    "selection": {
                        "tagStatus": "any",
                        "countType": "imageCountMoreThan",
                        "countNumber": self.keep_images,
                    },
                    "action": {"type": "expire"},
                },
            ]
        }

    def lifecycle_request(self) -> dict[str, Any]:
        return {"repositoryName": self.name, "lifecyclePolicyText": to_json(self.lifecycle_policy)}
