"""The CodeBuild and CodePipeline roles and their inline policies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipectl.aws.session import AwsSession
from pipectl.plan.base import Planner, changed
from pipectl.plan.calls import read
from pipectl.plan.compare import canonical_policy
from pipectl.plan.model import FieldDiff, Observed
from pipectl.plan.requests import Each, Request, Requests
from pipectl.resources.common import tag_dict, tag_list, to_json
from pipectl.resources.roles import Role

if TYPE_CHECKING:
    from pipectl.resources.desired import DesiredState

NO_ENTITY = frozenset({"NoSuchEntity"})


def managed_roles(state: DesiredState) -> list[Role]:
    """The roles pipectl creates: CodeBuild's, CodePipeline's (unless the spec names
    existing ones) and EventBridge's for a CodeCommit or S3 source."""
    events = state.source_events.role if state.source_events else None
    return [r for r in (state.codebuild_role, state.pipeline_role, events) if r is not None]


class RolePlanner(Planner[Role]):
    kind = "iam-role"
    title = "IAM role"
    exists_codes = frozenset({"EntityAlreadyExists"})

    def targets(self, state: DesiredState) -> list[Role]:
        return managed_roles(state)

    def read(self, aws: AwsSession, desired: Role) -> Observed | None:
        got = read(aws, "iam", "GetRole", desired.name, NO_ENTITY, RoleName=desired.name)
        if got is None:
            return None
        role = got["Role"]
        return Observed(
            {
                "trust_policy": canonical_policy(role.get("AssumeRolePolicyDocument")),
                "description": role.get("Description"),
            },
            tag_dict(role.get("Tags")),
            {"arn": role["Arn"]},
        )

    def fields(self, desired: Role) -> dict[str, Any]:
        return {
            "trust_policy": canonical_policy(desired.trust_policy),
            "description": desired.description,
            "tags": dict(desired.tags),
        }

    def create(self, desired: Role) -> Requests:
        return [Request("iam", "CreateRole", desired.name, desired.create_request(),
                        creates=True)]

    def update(self, desired: Role, observed: Observed, diffs: list[FieldDiff]) -> Requests:
        requests: Requests = []
        if changed(diffs, "trust_policy"):
            requests.append(Request("iam", "UpdateAssumeRolePolicy", desired.name, {
                "RoleName": desired.name, "PolicyDocument": to_json(desired.trust_policy)}))
        if changed(diffs, "description"):
            requests.append(Request("iam", "UpdateRole", desired.name, {
                "RoleName": desired.name, "Description": desired.description}))
        if changed(diffs, "tags"):
            requests.append(Request("iam", "TagRole", desired.name, {
                "RoleName": desired.name, "Tags": tag_list(desired.tags)}))
        return requests

    def delete(self, desired: Role, observed: Observed) -> Requests:
        # A role with policies cannot be deleted: remove inline and attached ones first.
        role = {"RoleName": desired.name}
        return [
            Each(Request("iam", "ListRolePolicies", desired.name, role),
                 lambda page: [Request("iam", "DeleteRolePolicy", desired.name,
                                       {**role, "PolicyName": name})
                               for name in page.get("PolicyNames", [])],
                 "iam:DeleteRolePolicy for each inline policy"),
            Each(Request("iam", "ListAttachedRolePolicies", desired.name, role),
                 lambda page: [Request("iam", "DetachRolePolicy", desired.name,
                                       {**role, "PolicyArn": policy["PolicyArn"]})
                               for policy in page.get("AttachedPolicies", [])],
                 "iam:DetachRolePolicy for each attached policy"),
            Request("iam", "DeleteRole", desired.name, role),
        ]


class RolePolicyPlanner(Planner[Role]):
    kind = "iam-role-policy"
    title = "IAM role policy"
    sub_resource = True

    def targets(self, state: DesiredState) -> list[Role]:
        return managed_roles(state)

    def name(self, desired: Role) -> str:
        return f"{desired.name}/{desired.policy_name}"

    def read(self, aws: AwsSession, desired: Role) -> Observed | None:
        got = read(aws, "iam", "GetRolePolicy", desired.name, NO_ENTITY,
                   RoleName=desired.name, PolicyName=desired.policy_name)
        if got is None:
            return None
        return Observed({"policy": canonical_policy(got["PolicyDocument"])})

    def fields(self, desired: Role) -> dict[str, Any]:
        return {"policy": canonical_policy(desired.policy)}

    def create(self, desired: Role) -> Requests:
        return [Request("iam", "PutRolePolicy", desired.name, desired.policy_request())]

    def update(self, desired: Role, observed: Observed, diffs: list[FieldDiff]) -> Requests:
        return self.create(desired)  # PutRolePolicy replaces the policy whole
