"""The ECR repository the build pushes to, and its lifecycle policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipectl.resources.common import Placement, tag_list, to_json


@dataclass(frozen=True)
class Repository:
    name: str
    placement: Placement
    scan_on_push: bool
    immutable_tags: bool
    keep_images: int
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return self.placement.arn("ecr", f"repository/{self.name}")

    @property
    def uri(self) -> str:
        """``REPOSITORY_URI`` as the buildspec sees it: no tag."""
        p = self.placement
        suffix = ".com.cn" if p.partition == "aws-cn" else ".com"
        return f"{p.account}.dkr.ecr.{p.region}.amazonaws{suffix}/{self.name}"

    @property
    def tag_mutability(self) -> str:
        return "IMMUTABLE" if self.immutable_tags else "MUTABLE"

    def create_request(self) -> dict[str, Any]:
        return {
            "repositoryName": self.name,
            "imageTagMutability": self.tag_mutability,
            "imageScanningConfiguration": {"scanOnPush": self.scan_on_push},
            "encryptionConfiguration": {"encryptionType": "AES256"},
            "tags": tag_list(self.tags),
        }

    @property
    def lifecycle_policy(self) -> dict[str, Any]:
        return {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"keep the newest {self.keep_images} images",
                    "selection": {
                        "tagStatus": "any",
                        "countType": "imageCountMoreThan",
                        "countNumber": self.keep_images,
                    },
                    "action": {"type": "expire"},
                }
            ]
        }

    def lifecycle_request(self) -> dict[str, Any]:
        return {"repositoryName": self.name, "lifecyclePolicyText": to_json(self.lifecycle_policy)}
