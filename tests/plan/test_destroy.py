"""destroy: reverse order, only what carries pipectl's tag, data kept unless --force."""

from __future__ import annotations

import json
from typing import Any

from pipectl.aws.session import AwsSession
from pipectl.plan.destroy import destroy_plan
from pipectl.plan.model import Action
from pipectl.plan.planner import make_plan
from pipectl.resources.desired import DesiredState
from tests.plan.conftest import apply, converge

MANIFEST = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1,
               "digest": "sha256:" + "a" * 64},
    "layers": []})
DELETE_ORDER = ["codepipeline", "ecs-service", "ecs-task-definition", "logs-log-group",
                "logs-log-group", "ecs-cluster",
                "codebuild-project", "iam-role", "iam-role", "ecr-repository", "s3-bucket"]


def test_deletes_in_reverse_dependency_order_and_leaves_nothing(
        aws: AwsSession, state: DesiredState) -> None:
    converge(aws, state)
    plan = destroy_plan(aws, state, force=False)
    assert [(s.kind, s.action) for s in plan.steps] == [(k, Action.DELETE) for k in DELETE_ORDER]
    apply(aws, plan)
    after = make_plan(aws, state)
    assert {s.action for s in after.steps} == {Action.CREATE}
    assert destroy_plan(aws, state, force=False).steps == ()


def test_keeps_what_is_not_tagged_for_this_pipeline(aws: AwsSession, state: DesiredState) -> None:
    converge(aws, state)
    aws.client("iam").untag_role(RoleName=state.pipeline_role.name,
                                 TagKeys=["pipectl:pipeline"])
    plan = destroy_plan(aws, state, force=True)
    kept = [s for s in plan.steps if s.action is Action.KEEP]
    assert [(s.name, s.note) for s in kept] == [
        (state.pipeline_role.name, "not tagged pipectl:pipeline=hello-web")]
    apply(aws, plan)
    assert aws.client("iam").get_role(RoleName=state.pipeline_role.name)


def test_keeps_bucket_repository_and_log_group_with_data_unless_forced(
        aws: AwsSession, state: DesiredState) -> None:
    converge(aws, state)
    s3 = aws.client("s3")
    # moto reads a missing aws:SecureTransport as "false": its TLS-only policy would deny
    # the upload. (AWS sees TLS here.) Upload without it, then put it back.
    s3.delete_bucket_policy(Bucket=state.bucket.name)
    s3.put_object(Bucket=state.bucket.name, Key="artifact.zip", Body=b"zip")
    s3.put_bucket_policy(**state.bucket.policy_request())
    aws.client("ecr").put_image(repositoryName="hello-web", imageManifest=MANIFEST,
                                imageTag="abc1234")
    # A task that ran wrote its logs.
    aws.client("logs").create_log_stream(logGroupName="/ecs/hello-web",
                                         logStreamName="web/web/0123456789abcdef")
    kept = {s.kind: s.note for s in destroy_plan(aws, state, force=False).steps
            if s.action is Action.KEEP}
    assert kept == {"ecr-repository": "it holds images; --force deletes it with its contents",
                    "s3-bucket": "it holds objects; --force deletes it with its contents",
                    "logs-log-group": "it holds logs; --force deletes it with its contents"}
    forced = destroy_plan(aws, state, force=True)
    assert {s.action for s in forced.steps} == {Action.DELETE}
    apply(aws, forced)
    assert aws.client("s3").list_buckets()["Buckets"] == []
    assert aws.client("ecr").describe_repositories()["repositories"] == []
    assert aws.client("logs").describe_log_groups(
        logGroupNamePrefix="/ecs/")["logGroups"] == []


def test_cluster_deletion_waits_while_the_deleted_service_drains(
        aws: AwsSession, state: DesiredState, monkeypatch: Any) -> None:
    from pipectl.errors import AwsError
    from pipectl.plan import executor
    from pipectl.plan.executor import ApplyContext, apply_plan

    converge(aws, state)
    draining = [AwsError("ecs:DeleteCluster on hello-cluster failed: The Cluster cannot be "
                         "deleted while Services are active.",
                         code="ClusterContainsServicesException")]
    real_call = executor.call

    def call(session: AwsSession, service: str, operation: str, resource: str,
             /, **params: Any) -> Any:
        if operation == "DeleteCluster" and draining:
            raise draining.pop()
        return real_call(session, service, operation, resource, **params)

    monkeypatch.setattr(executor, "call", call)
    slept: list[float] = []
    ctx = ApplyContext(aws, clock=lambda: sum(slept), sleep=slept.append)
    for _ in apply_plan(destroy_plan(aws, state, force=False), ctx):
        pass
    assert slept == [2.0]
    assert aws.client("ecs").describe_clusters(clusters=["hello-cluster"])["clusters"][0][
        "status"] == "INACTIVE"
