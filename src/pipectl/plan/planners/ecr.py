"""The ECR repository and its lifecycle policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipectl.aws.session import AwsSession
from pipectl.plan.base import Planner, changed
from pipectl.plan.calls import call, read
from pipectl.plan.compare import parse_document
from pipectl.plan.model import FieldDiff, Observed
from pipectl.plan.requests import Request, Requests
from pipectl.resources.common import tag_dict, tag_list
from pipectl.resources.repository import Repository

if TYPE_CHECKING:
    from pipectl.resources.desired import DesiredState

NO_REPOSITORY = frozenset({"RepositoryNotFoundException"})


class RepositoryPlanner(Planner[Repository]):
    kind = "ecr-repository"
    title = "ECR repository"
    exists_codes = frozenset({"RepositoryAlreadyExistsException"})

    def targets(self, state: DesiredState) -> list[Repository]:
        return [state.repository]

    def read(self, aws: AwsSession, desired: Repository) -> Observed | None:
        got = read(aws, "ecr", "DescribeRepositories", desired.name, NO_REPOSITORY,
                   repositoryNames=[desired.name])
        if not got or not got.get("repositories"):
            return None
        repo = got["repositories"][0]
        tags = call(aws, "ecr", "ListTagsForResource", desired.name,
                    resourceArn=repo["repositoryArn"])
        return Observed(
            {
                "imageTagMutability": repo.get("imageTagMutability", "MUTABLE"),
                "imageTagMutabilityExclusionFilters": sorted(
                    repo.get("imageTagMutabilityExclusionFilters") or [],
                    key=lambda f: (f.get("filterType", ""), f.get("filter", ""))),
                "scanOnPush": bool(repo.get("imageScanningConfiguration", {}).get("scanOnPush")),
            },
            tag_dict(tags.get("tags")),
            {"arn": repo["repositoryArn"]},
        )

    def fields(self, desired: Repository) -> dict[str, Any]:
        return {
            "imageTagMutability": desired.tag_mutability,
            "imageTagMutabilityExclusionFilters": desired.mutability_exclusions,
            "scanOnPush": desired.scan_on_push,
            "tags": dict(desired.tags),
        }

    def create(self, desired: Repository) -> Requests:
        return [Request("ecr", "CreateRepository", desired.name, desired.create_request(),
                        creates=True)]

    def update(self, desired: Repository, observed: Observed,
               diffs: list[FieldDiff]) -> Requests:
        requests: Requests = []
        if changed(diffs, "imageTagMutability", "imageTagMutabilityExclusionFilters"):
            requests.append(Request("ecr", "PutImageTagMutability", desired.name,
                                    desired.mutability_request()))
        if changed(diffs, "scanOnPush"):
            requests.append(Request("ecr", "PutImageScanningConfiguration", desired.name, {
                "repositoryName": desired.name,
                "imageScanningConfiguration": {"scanOnPush": desired.scan_on_push}}))
        if changed(diffs, "tags"):
            requests.append(Request("ecr", "TagResource", desired.name, {
                "resourceArn": desired.arn, "tags": tag_list(desired.tags)}))
        return requests

    def holds_data(self, aws: AwsSession, desired: Repository,
                   observed: Observed) -> str | None:
        images = call(aws, "ecr", "ListImages", desired.name, repositoryName=desired.name,
                      maxResults=1)
        return "it holds images" if images.get("imageIds") else None

    def delete(self, desired: Repository, observed: Observed) -> Requests:
        # force: only reached when the repository is empty or --force was given.
        return [Request("ecr", "DeleteRepository", desired.name,
                        {"repositoryName": desired.name, "force": True})]


class LifecyclePolicyPlanner(Planner[Repository]):
    kind = "ecr-lifecycle-policy"
    title = "ECR lifecycle policy"
    sub_resource = True

    def targets(self, state: DesiredState) -> list[Repository]:
        # image.keep_images: null leaves the repository's lifecycle policy alone.
        return [state.repository] if state.repository.keep_images is not None else []

    def read(self, aws: AwsSession, desired: Repository) -> Observed | None:
        got = read(aws, "ecr", "GetLifecyclePolicy", desired.name,
                   NO_REPOSITORY | {"LifecyclePolicyNotFoundException"},
                   repositoryName=desired.name)
        if got is None:
            return None
        return Observed({"policy": parse_document(got["lifecyclePolicyText"])})

    def fields(self, desired: Repository) -> dict[str, Any]:
        return {"policy": desired.lifecycle_policy}

    def create(self, desired: Repository) -> Requests:
        return [Request("ecr", "PutLifecyclePolicy", desired.name,
                        desired.lifecycle_request())]

    def update(self, desired: Repository, observed: Observed,
               diffs: list[FieldDiff]) -> Requests:
        return self.create(desired)  # PutLifecyclePolicy replaces the policy whole
