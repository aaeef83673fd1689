"""The two IAM roles and their least-privilege inline policies (../shared/aws-facts.md).

Every statement names the one resource it needs; ``*`` appears only for actions that
support no resource-level permission (ecr:GetAuthorizationToken,
ecs:DescribeTaskDefinition), as IAM's service authorization data says, and for
ecs:ListTasks, which AWS authorizes on ``*`` narrowed by the ``ecs:cluster`` condition
key (its one resource type, the container instance, does not exist on Fargate).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipectl.resources.common import POLICY_VERSION, Placement, tag_list, to_json

INLINE_POLICY_NAME = "pipectl"

ECR_PUSH_PULL = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
)
ARTIFACT_OBJECT_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject")
CODECOMMIT_SOURCE_ACTIONS = (
    "codecommit:GetBranch",
    "codecommit:GetCommit",
    "codecommit:UploadArchive",
    "codecommit:GetUploadArchiveStatus",
    "codecommit:CancelUploadArchive",
)


def trust_policy(service: str, account: str | None = None,
                 source_arn: str | None = None) -> dict[str, Any]:
    """Who may assume the role: the service, and (against the confused deputy, as AWS
    recommends) only on behalf of this account's one project or pipeline."""
    # Principal.Service is a plain string: moto's CreatePipeline insists on it, and
    # IAM accepts (and returns) both spellings.
    stmt: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    condition: dict[str, Any] = {}
    if account:
        condition["StringEquals"] = {"aws:SourceAccount": account}
    if source_arn:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    if condition:
        stmt["Condition"] = condition
    return {"Version": POLICY_VERSION, "Statement": [stmt]}


def artifact_objects(bucket_arn: str, pipeline: str) -> str:
    """The pipeline's objects in the artifact bucket: CodePipeline keys them under the
    first 20 characters of the pipeline's name."""
    return f"{bucket_arn}/{pipeline[:20]}/*"


def statement(sid: str, actions: Sequence[str], resources: Sequence[str] | str,
              condition: Mapping[str, Any] | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": list(actions),
        "Resource": resources if isinstance(resources, str) else list(resources),
    }
    if condition:
        stmt["Condition"] = dict(condition)
    return stmt


@dataclass(frozen=True)
class Role:
    name: str
    placement: Placement
    service: str  # the service principal that assumes it
    policy: dict[str, Any]
    description: str
    tags: dict[str, str] = field(default_factory=dict)
    policy_name: str = INLINE_POLICY_NAME
    #: The one resource the service may assume the role for (aws:SourceArn).
    source_arn: str | None = None

    @property
    def arn(self) -> str:
        return f"arn:{self.placement.partition}:iam::{self.placement.account}:role/{self.name}"

    @property
    def trust_policy(self) -> dict[str, Any]:
        return trust_policy(self.service, self.placement.account, self.source_arn)

    def create_request(self) -> dict[str, Any]:
        return {
            "RoleName": self.name,
            "AssumeRolePolicyDocument": to_json(self.trust_policy),
            "Description": self.description,
            "Tags": tag_list(self.tags),
        }

    def policy_request(self) -> dict[str, Any]:
        return {
            "RoleName": self.name,
            "PolicyName": self.policy_name,
            "PolicyDocument": to_json(self.policy),
        }


@dataclass(frozen=True)
class SecretRefs:
    """``build.secrets`` split by store: SSM parameter names and Secrets Manager ids."""

    parameters: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()

    @classmethod
    def from_spec(cls, secrets: Mapping[str, str]) -> SecretRefs:
        params: list[str] = []
        sm: list[str] = []
        for ref in secrets.values():
            store, _, target = ref.partition(":")
            (params if store == "ssm" else sm).append(target)
        return cls(tuple(sorted(set(params))), tuple(sorted(set(sm))))


def parameter_arn(placement: Placement, name: str) -> str:
    return placement.arn("ssm", f"parameter/{name.lstrip('/')}")


def secret_arn(placement: Placement, ref: str) -> str:
    """The IAM resource for a Secrets Manager reference (``id[:json-key:stage:version]``).

    A full ARN is used as given (its first seven fields); a bare name gets the
    six-character suffix wildcard that Secrets Manager appends to every secret ARN.
    """
    if ref.startswith("arn:"):
        return ":".join(ref.split(":")[:7])
    name = ref.split(":", 1)[0]
    return placement.arn("secretsmanager", f"secret:{name}-??????")


def codebuild_policy(
    *, placement: Placement, project: str, repository_arn: str, bucket_arn: str,
    secrets: SecretRefs, pipeline: str,
) -> dict[str, Any]:
    log_group = placement.arn("logs", f"log-group:/aws/codebuild/{project}")
    statements = [
        statement("Logs", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                  [log_group, f"{log_group}:*"]),
        # GetAuthorizationToken supports no resource-level permission.
        statement("EcrLogin", ["ecr:GetAuthorizationToken"], "*"),
        statement("EcrPushPull", ECR_PUSH_PULL, [repository_arn]),
        statement("ArtifactObjects", ARTIFACT_OBJECT_ACTIONS,
                  [artifact_objects(bucket_arn, pipeline)]),
        statement("ArtifactBucket", ["s3:GetBucketAcl", "s3:GetBucketLocation"], [bucket_arn]),
    ]
    if secrets.parameters:
        statements.append(statement(
            "BuildParameters", ["ssm:GetParameters"],
            [parameter_arn(placement, p) for p in secrets.parameters]))
    if secrets.secrets:
        statements.append(statement(
            "BuildSecrets", ["secretsmanager:GetSecretValue"],
            sorted({secret_arn(placement, s) for s in secrets.secrets})))
    return {"Version": POLICY_VERSION, "Statement": statements}


@dataclass(frozen=True)
class DeployTarget:
    """What the ECS deploy action touches."""

    cluster: str
    service: str
    task_family: str
    passed_roles: tuple[str, ...]  # the task definition's executionRoleArn / taskRoleArn


def source_statements(placement: Placement, source: Any) -> list[dict[str, Any]]:
    provider = source.provider
    if provider == "github":
        arn: str = source.connection_arn
        service = arn.split(":")[2]  # codestar-connections | codeconnections
        return [statement("SourceConnection", [f"{service}:UseConnection"], [arn])]
    if provider == "codecommit":
        return [statement("SourceRepository", CODECOMMIT_SOURCE_ACTIONS,
                          [placement.arn("codecommit", source.repository)])]
    bucket = f"arn:{placement.partition}:s3:::{source.bucket}"
    return [
        statement("SourceObject", ["s3:GetObject", "s3:GetObjectVersion"],
                  [f"{bucket}/{source.key}"]),
        statement("SourceBucket", ["s3:GetBucketVersioning"], [bucket]),
    ]


def pipeline_policy(
    *, placement: Placement, bucket_arn: str, project_arn: str, deploy: DeployTarget,
    source: Any, pipeline: str, commands_log_group: str | None = None,
) -> dict[str, Any]:
    """``commands_log_group``: where a Commands action in the pipeline logs (its
    commands run as this role and call only what DeployService allows)."""
    cluster_arn = placement.arn("ecs", f"cluster/{deploy.cluster}")
    statements = [
        statement("ArtifactObjects", ARTIFACT_OBJECT_ACTIONS,
                  [artifact_objects(bucket_arn, pipeline)]),
        # CodePipeline's documented minimum for its artifact store, bucket level.
        statement("ArtifactBucket",
                  ["s3:GetBucketVersioning", "s3:GetBucketAcl", "s3:GetBucketLocation"],
                  [bucket_arn]),
        statement("Build", ["codebuild:StartBuild", "codebuild:BatchGetBuilds"], [project_arn]),
        statement("DeployService", ["ecs:DescribeServices", "ecs:UpdateService"],
                  [placement.arn("ecs", f"service/{deploy.cluster}/{deploy.service}")]),
        statement("DeployTasks", ["ecs:DescribeTasks"],
                  [placement.arn("ecs", f"task/{deploy.cluster}/*")]),
        # A grant on container-instance/... (ListTasks' resource type) denies every
        # call for a Fargate service: AWS authorizes it on "*", narrowed by cluster.
        statement("ListDeployTasks", ["ecs:ListTasks"], "*",
                  {"ArnEquals": {"ecs:cluster": cluster_arn}}),
        # RegisterTaskDefinition is scoped to the family; DescribeTaskDefinition has
        # no resource type at all.
        statement("RegisterTaskDefinitions", ["ecs:RegisterTaskDefinition"],
                  [placement.arn("ecs", f"task-definition/{deploy.task_family}:*")]),
        statement("DescribeTaskDefinitions", ["ecs:DescribeTaskDefinition"], "*"),
        statement("TagTaskDefinitions", ["ecs:TagResource"],
                  [placement.arn("ecs", f"task-definition/{deploy.task_family}:*")],
                  {"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}}),
    ]
    if deploy.passed_roles:
        statements.append(statement(
            "PassTaskRoles", ["iam:PassRole"], list(deploy.passed_roles),
            {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}))
    if commands_log_group:
        group = placement.arn("logs", f"log-group:{commands_log_group}")
        statements.append(statement(
            "CommandsLogs", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            [group, f"{group}:*"]))
    statements.extend(source_statements(placement, source))
    return {"Version": POLICY_VERSION, "Statement": statements}
