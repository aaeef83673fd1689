"""The IAM, bucket and lifecycle documents, asserted exactly (../shared/aws-facts.md)."""

from __future__ import annotations

import json

from tests.resources.specs import (
    ACCOUNT,
    CONNECTION,
    EXECUTION_ROLE,
    TASK_ROLE,
    make_spec,
    make_state,
    task_definition,
)

BUCKET = f"hello-web-artifacts-{ACCOUNT}-us-east-1"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
LOGS = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/codebuild/hello-web-build"
REPO_ARN = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/hello-web"
PROJECT_ARN = f"arn:aws:codebuild:us-east-1:{ACCOUNT}:project/hello-web-build"
PIPELINE_LOGS = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/codepipeline/hello-web"


def test_codebuild_role_policy_is_exactly_least_privilege() -> None:
    state = make_state(make_spec(build={
        "secrets": {"API_TOKEN": "ssm:/hello/token",
                    "DB_PASSWORD": "secretsmanager:prod/db:password::"},
    }))
    # Against the confused deputy: only for this account's project (AWS's recommendation).
    assert state.codebuild_role.trust_policy == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                      "ArnLike": {"aws:SourceArn": PROJECT_ARN}}}]}
    assert state.codebuild_role.policy == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Logs", "Effect": "Allow",
             "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": [LOGS, f"{LOGS}:*"]},
            {"Sid": "EcrLogin", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"],
             "Resource": "*"},
            {"Sid": "EcrPushPull", "Effect": "Allow",
             "Action": ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload",
                        "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage",
                        "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
             "Resource": [REPO_ARN]},
            {"Sid": "ArtifactObjects", "Effect": "Allow",
             "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
             "Resource": [f"{BUCKET_ARN}/hello-web/*"]},
            {"Sid": "ArtifactBucket", "Effect": "Allow",
             "Action": ["s3:GetBucketAcl", "s3:GetBucketLocation"], "Resource": [BUCKET_ARN]},
            {"Sid": "BuildParameters", "Effect": "Allow", "Action": ["ssm:GetParameters"],
             "Resource": [f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/hello/token"]},
            {"Sid": "BuildSecrets", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
             "Resource": [f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/db-??????"]},
        ],
    }


def test_codebuild_role_without_secrets_reads_no_parameters() -> None:
    state = make_state(make_spec(build={"secrets": {}}))
    sids = [s["Sid"] for s in state.codebuild_role.policy["Statement"]]
    assert sids == ["Logs", "EcrLogin", "EcrPushPull", "ArtifactObjects", "ArtifactBucket"]


def test_pipeline_role_policy_for_a_github_source() -> None:
    state = make_state()
    role = state.pipeline_role
    # moto's CreatePipeline wants the service principal as a plain string.
    assert role.trust_policy["Statement"][0]["Principal"] == {
        "Service": "codepipeline.amazonaws.com"}
    assert role.trust_policy["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:codepipeline:us-east-1:{ACCOUNT}:hello-web"}}
    ecs = f"arn:aws:ecs:us-east-1:{ACCOUNT}"
    assert role.policy == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ArtifactObjects", "Effect": "Allow",
             "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
             "Resource": [f"{BUCKET_ARN}/hello-web/*"]},
            # CodePipeline's documented minimum service-role policy, bucket level.
            {"Sid": "ArtifactBucket", "Effect": "Allow",
             "Action": ["s3:GetBucketVersioning", "s3:GetBucketAcl", "s3:GetBucketLocation"],
             "Resource": [BUCKET_ARN]},
            {"Sid": "Build", "Effect": "Allow",
             "Action": ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
             "Resource": [PROJECT_ARN]},
            {"Sid": "DeployService", "Effect": "Allow",
             "Action": ["ecs:DescribeServices", "ecs:UpdateService"],
             "Resource": [f"{ecs}:service/hello-cluster/hello-web"]},
            {"Sid": "DeployTasks", "Effect": "Allow", "Action": ["ecs:DescribeTasks"],
             "Resource": [f"{ecs}:task/hello-cluster/*"]},
            # A Fargate service has no container instance: AWS authorizes ListTasks
            # on "*", narrowed by the ecs:cluster condition key.
            {"Sid": "ListDeployTasks", "Effect": "Allow", "Action": ["ecs:ListTasks"],
             "Resource": "*",
             "Condition": {"ArnEquals": {"ecs:cluster": f"{ecs}:cluster/hello-cluster"}}},
            {"Sid": "RegisterTaskDefinitions", "Effect": "Allow",
             "Action": ["ecs:RegisterTaskDefinition"],
             "Resource": [f"{ecs}:task-definition/hello-web:*"]},
            {"Sid": "DescribeTaskDefinitions", "Effect": "Allow",
             "Action": ["ecs:DescribeTaskDefinition"], "Resource": "*"},
            {"Sid": "TagTaskDefinitions", "Effect": "Allow", "Action": ["ecs:TagResource"],
             "Resource": [f"{ecs}:task-definition/hello-web:*"],
             "Condition": {"StringEquals": {"ecs:CreateAction": "RegisterTaskDefinition"}}},
            {"Sid": "PassTaskRoles", "Effect": "Allow", "Action": ["iam:PassRole"],
             "Resource": [EXECUTION_ROLE, TASK_ROLE],
             "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
            # The Commands action that scales the new service up logs there, as this role
            # (AWS's Commands action reference): that pipeline's group only.
            {"Sid": "CommandsLogs", "Effect": "Allow",
             "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": [PIPELINE_LOGS, f"{PIPELINE_LOGS}:*"]},
            {"Sid": "SourceConnection", "Effect": "Allow",
             "Action": ["codeconnections:UseConnection"], "Resource": [CONNECTION]},
        ],
    }


def test_pipeline_role_may_write_commands_logs_only_when_the_pipeline_scales_up() -> None:
    """A service pipectl does not create (or one at 0 by the spec) gets no Commands
    action, and its pipeline role no log permission."""
    for spec in (make_spec(deploy={"create_service": None}),
                 make_spec(deploy={"create_service": {"desired_count": 0,
                                                      "subnets": ["subnet-0abc1234"]}})):
        state = make_state(spec)
        sids = [s["Sid"] for s in state.pipeline_role.policy["Statement"]]
        assert "CommandsLogs" not in sids
        assert [a["name"] for a in state.pipeline.stages[2]["actions"]] == ["Deploy"]


def test_pass_role_names_only_the_roles_the_task_definition_has() -> None:
    task = task_definition()
    del task["taskRoleArn"]
    statements = make_state(task=task).pipeline_role.policy["Statement"]
    passing = [s for s in statements if s["Action"] == ["iam:PassRole"]]
    assert passing[0]["Resource"] == [EXECUTION_ROLE]
    del task["executionRoleArn"]
    statements = make_state(task=task).pipeline_role.policy["Statement"]
    assert not [s for s in statements if s["Action"] == ["iam:PassRole"]]


def test_codestar_connection_arn_gets_the_codestar_action() -> None:
    arn = f"arn:aws:codestar-connections:us-east-1:{ACCOUNT}:connection/xyz"
    spec = make_spec(source={"connection_arn": arn})
    last = make_state(spec).pipeline_role.policy["Statement"][-1]
    assert last["Action"] == ["codestar-connections:UseConnection"]
    assert last["Resource"] == [arn]


def test_codecommit_and_s3_sources_get_their_own_statements() -> None:
    spec = make_spec(source={"provider": "codecommit", "repository": "hello", "branch": "main"})
    last = make_state(spec).pipeline_role.policy["Statement"][-1]
    assert last == {"Sid": "SourceRepository", "Effect": "Allow",
                    "Action": ["codecommit:GetBranch", "codecommit:GetCommit",
                               "codecommit:UploadArchive", "codecommit:GetUploadArchiveStatus",
                               "codecommit:CancelUploadArchive"],
                    "Resource": [f"arn:aws:codecommit:us-east-1:{ACCOUNT}:hello"]}
    spec = make_spec(source={"provider": "s3", "bucket": "src-bucket", "key": "app.zip"})
    statements = make_state(spec).pipeline_role.policy["Statement"][-2:]
    assert statements == [
        {"Sid": "SourceObject", "Effect": "Allow",
         "Action": ["s3:GetObject", "s3:GetObjectVersion"],
         "Resource": ["arn:aws:s3:::src-bucket/app.zip"]},
        {"Sid": "SourceBucket", "Effect": "Allow", "Action": ["s3:GetBucketVersioning"],
         "Resource": ["arn:aws:s3:::src-bucket"]},
    ]


def test_bucket_policy_denies_every_request_without_tls() -> None:
    bucket = make_state().bucket
    assert json.loads(bucket.policy_request()["Policy"]) == {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
            "Action": "s3:*", "Resource": [BUCKET_ARN, f"{BUCKET_ARN}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }],
    }
    assert bucket.public_access_block == {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True}


def test_lifecycle_policy_keeps_the_configured_number_of_images() -> None:
    repo = make_state(make_spec(image={"keep_images": 7})).repository
    assert json.loads(repo.lifecycle_request()["lifecyclePolicyText"]) == {"rules": [{
        # The BuildKit cache manifest is selected first: the last rule counts images only.
        "rulePriority": 1,
        "description": "keep the BuildKit cache (tag buildcache) out of the count",
        "selection": {"tagStatus": "tagged", "tagPatternList": ["buildcache"],
                      "countType": "imageCountMoreThan", "countNumber": 1},
        "action": {"type": "expire"},
    }, {
        "rulePriority": 2, "description": "keep the newest 7 images",
        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 7},
        "action": {"type": "expire"},
    }]}


def test_every_resource_carries_the_spec_tags_and_the_managed_tag() -> None:
    state = make_state()
    expected = {"team": "web", "pipectl:pipeline": "hello-web"}
    assert state.ecs is not None
    for resource in (state.bucket, state.repository, state.codebuild_role, state.pipeline_role,
                     state.project, state.pipeline, state.ecs.cluster, state.ecs.service,
                     state.ecs.task_definition):
        assert resource.tags == expected, resource


def test_pass_role_expands_role_names_to_arns() -> None:
    """ECS takes a role name; an IAM policy with a bare name is MalformedPolicyDocument."""
    task = task_definition(executionRoleArn="ecsTaskExecutionRole", taskRoleArn="app/hello-task")
    statements = make_state(task=task).pipeline_role.policy["Statement"]
    [passing] = [s for s in statements if s["Action"] == ["iam:PassRole"]]
    assert passing["Resource"] == [f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole",
                                   f"arn:aws:iam::{ACCOUNT}:role/app/hello-task"]
