"""``Resource: *`` only where IAM offers nothing narrower (the pipeline role's policy).

Decided with IAM's service authorization data (the copy parliament ships): an action
with a resource type must name its resource. parliament's RESOURCE_STAR finding says
the same; both are checked on every spec variant.
"""

from __future__ import annotations

from pipectl.resources.desired import DesiredState
from tests.security.iam_lint import parliament_findings, star_resources


def test_pipeline_policy_passes_parliament(state: DesiredState) -> None:
    assert parliament_findings(state.pipeline_role.policy) == []


def test_star_resource_only_for_actions_without_a_resource_type(state: DesiredState) -> None:
    for document in (state.codebuild_role.policy, state.pipeline_role.policy,
                     state.bucket.policy):
        assert star_resources(document) == []
