"""The prices insights estimates with: us-east-1, on-demand, before free tiers.

Estimates only: AWS changes prices and they differ by region. The table says where
each number comes from and when it was read; the report repeats the date.
"""

from __future__ import annotations

from typing import Any

AS_OF = "2025-06"
REGION = "us-east-1"

#: CodeBuild, Linux on-demand (EC2 compute), USD per build minute; billed per started
#: minute. Compute types not listed here have no estimate rather than a guess.
CODEBUILD_PER_MINUTE: dict[str, float] = {
    "BUILD_GENERAL1_SMALL": 0.005,
    "BUILD_GENERAL1_MEDIUM": 0.01,
    "BUILD_GENERAL1_LARGE": 0.02,
}
#: CodePipeline V2: per action-execution minute (rounded up per action execution);
#: V1: per active pipeline a month.
CODEPIPELINE_V2_PER_ACTION_MINUTE = 0.002
CODEPIPELINE_V1_PER_MONTH = 1.0
#: Fargate, Linux/x86, per vCPU-hour and per GB-hour of memory.
FARGATE_PER_VCPU_HOUR = 0.04048
FARGATE_PER_GB_HOUR = 0.004445
#: ECR private repository storage, per GB-month.
ECR_PER_GB_MONTH = 0.10

SOURCES = {
    "codebuild": "https://aws.amazon.com/codebuild/pricing/",
    "codepipeline": "https://aws.amazon.com/codepipeline/pricing/",
    "fargate": "https://aws.amazon.com/fargate/pricing/",
    "ecr": "https://aws.amazon.com/ecr/pricing/",
}


def describe() -> dict[str, Any]:
    """The table as the JSON report shows it."""
    return {
        "as_of": AS_OF, "region": REGION, "estimate": True,
        "codebuild_per_minute": CODEBUILD_PER_MINUTE,
        "codepipeline_v2_per_action_minute": CODEPIPELINE_V2_PER_ACTION_MINUTE,
        "codepipeline_v1_per_month": CODEPIPELINE_V1_PER_MONTH,
        "fargate_per_vcpu_hour": FARGATE_PER_VCPU_HOUR,
        "fargate_per_gb_hour": FARGATE_PER_GB_HOUR,
        "ecr_per_gb_month": ECR_PER_GB_MONTH,
        "sources": SOURCES,
    }
