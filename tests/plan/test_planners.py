"""Each planner on missing, existing and drifted resources (moto in-process)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber

from pipectl.aws.session import AwsSession
from pipectl.errors import AwsError
from pipectl.plan.executor import ApplyContext, apply_plan
from pipectl.plan.model import Action, FieldDiff, Plan
from pipectl.plan.planner import make_plan
from pipectl.plan.registry import planner_for
from pipectl.resources.desired import DesiredState
from pipectl.resources.roles import trust_policy
from tests.plan.conftest import apply, converge, fresh, state_with
from tests.resources.specs import make_spec, make_state

ALL_KINDS = [
    "s3-bucket", "s3-bucket-ownership", "s3-bucket-versioning", "s3-bucket-encryption",
    "s3-public-access-block",
    "s3-bucket-policy", "ecr-repository", "ecr-lifecycle-policy", "iam-role", "iam-role",
    "iam-role-policy", "iam-role-policy", "codebuild-project", "ecs-cluster",
    "logs-log-group", "logs-log-group", "ecs-task-definition", "ecs-service", "codepipeline",
]


def changes(plan: Plan) -> dict[str, tuple[Action, list[FieldDiff]]]:
    return {f"{s.kind} {s.name}": (s.action, list(s.diffs)) for s in plan.pending}


def test_nothing_exists_every_resource_is_created_in_dependency_order(
        aws: AwsSession, state: DesiredState) -> None:
    plan = make_plan(aws, state)
    assert [s.kind for s in plan.steps] == ALL_KINDS
    assert {s.action for s in plan.steps} == {Action.CREATE}
    assert aws.counter.mutating() == {}


def test_after_create_the_plan_is_empty_with_at_most_two_reads_per_resource(
        aws: AwsSession, state: DesiredState) -> None:
    converge(aws, state)
    session = fresh(aws)
    plan = make_plan(session, state)
    assert [(s.name, s.diffs) for s in plan.pending] == []
    assert session.counter.mutating() == {}
    reads = {k: n for k, n in session.counter.counts.items() if k != "sts:GetCallerIdentity"}
    assert sum(reads.values()) <= 2 * len(plan.steps)
    # one read per operation and resource: the two roles and the two log groups (the
    # task's and the ScaleUp action's) are the only doubles, and the service (its planner,
    # and the task definition's, which compares the revision it runs)
    assert {k for k, n in reads.items() if n > 1} == {
        "iam:GetRole", "iam:GetRolePolicy", "logs:DescribeLogGroups",
        "logs:ListTagsForResource", "ecs:DescribeServices"}


def test_created_resources_match_the_spec(aws: AwsSession, state: DesiredState) -> None:
    converge(aws, state)
    s3 = aws.client("s3")
    bucket = state.bucket.name
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == \
        state.bucket.public_access_block
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == state.bucket.policy
    iam = aws.client("iam")
    for role in (state.codebuild_role, state.pipeline_role):
        got = iam.get_role_policy(RoleName=role.name, PolicyName="pipectl")["PolicyDocument"]
        assert got == role.policy
    pipeline = aws.client("codepipeline").get_pipeline(name="hello-web")["pipeline"]
    assert [(a["actionTypeId"], a.get("configuration") or {}, a.get("commands"))
            for s in pipeline["stages"] for a in s["actions"]] == [
        (a["actionTypeId"], a.get("configuration") or {}, a.get("commands"))
        for s in state.pipeline.stages for a in s["actions"]]
    service = aws.client("ecs").describe_services(
        cluster="hello-cluster", services=["hello-web"])["services"][0]
    assert service["launchType"] == "FARGATE"
    # No task on the task definition file's placeholder image: the pipeline's first run
    # raises the count (pipectl.resources.first_deploy).
    assert service["desiredCount"] == 0


def test_drifted_bucket_settings_are_found_and_converged(
        aws: AwsSession, state: DesiredState) -> None:
    converge(aws, state)
    s3 = aws.client("s3")
    bucket = state.bucket.name
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [
        {"Key": "pipectl:pipeline", "Value": "hello-web"}, {"Key": "owner", "Value": "ops"}]})
    plan = make_plan(aws, state)
    assert changes(plan) == {
        f"s3-bucket {bucket}": (Action.UPDATE, [FieldDiff("tags.team", None, "web")]),
        f"s3-bucket-ownership {bucket}": (Action.UPDATE, [
            FieldDiff("objectOwnership", "ObjectWriter", "BucketOwnerEnforced")]),
        f"s3-bucket-versioning {bucket}": (
            Action.UPDATE, [FieldDiff("status", "Suspended", "Enabled")]),
        f"s3-public-access-block {bucket}": (Action.CREATE, []),
    }
    apply(aws, plan)
    assert make_plan(aws, state).pending == ()
    tags = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    assert {"Key": "owner", "Value": "ops"} in tags  # tags others add are kept
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}]


def test_a_kms_encrypted_bucket_keeps_its_key(aws: AwsSession, state: DesiredState) -> None:
    converge(aws, state)
    aws.client("s3").put_bucket_encryption(
        Bucket=state.bucket.name, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
    assert make_plan(aws, state).pending == ()


def test_drifted_repository_and_lifecycle(aws: AwsSession, state: DesiredState) -> None:
    converge(aws, state)
    ecr = aws.client("ecr")
    ecr.put_image_tag_mutability(repositoryName="hello-web", imageTagMutability="MUTABLE")
    changed = state_with({"deploy": {"create_service": None}}, image={"keep_images": 5})
    plan = make_plan(aws, changed)
    diffs = changes(plan)
    assert diffs["ecr-repository hello-web"] == (
        Action.UPDATE, [
            FieldDiff("imageTagMutability", "MUTABLE", "IMMUTABLE_WITH_EXCLUSION"),
            FieldDiff("imageTagMutabilityExclusionFilters[0].filterType", None, "WILDCARD"),
            FieldDiff("imageTagMutabilityExclusionFilters[0].filter", None, "buildcache"),
        ])
    assert diffs["ecr-lifecycle-policy hello-web"] == (Action.UPDATE, [
        FieldDiff("policy.rules[1].description", "keep the newest 30 images",
                  "keep the newest 5 images"),
        FieldDiff("policy.rules[1].selection.countNumber", 30, 5)])
    apply(aws, plan)
    assert make_plan(aws, changed).pending == ()


def test_policies_stored_differently_but_equal_are_no_change(
        aws: AwsSession, state: DesiredState) -> None:
    converge(aws, state)
    iam = aws.client("iam")
    role = state.codebuild_role
    shuffled = dict(role.policy)
    shuffled["Statement"] = [
        {**{k: v for k, v in s.items() if k != "Action"},
         "Action": s["Action"][0] if len(s["Action"]) == 1 else list(reversed(s["Action"]))}
        for s in reversed(role.policy["Statement"])]
    iam.put_role_policy(RoleName=role.name, PolicyName="pipectl",
                        PolicyDocument=json.dumps(shuffled))
    listed = json.loads(json.dumps(role.trust_policy))
    listed["Statement"][0]["Principal"] = {"Service": ["codebuild.amazonaws.com"]}
    iam.update_assume_role_policy(RoleName=role.name, PolicyDocument=json.dumps(listed))
    assert make_plan(aws, state).pending == ()


def test_widened_policy_is_found_statement_by_statement(
        aws: AwsSession, state: DesiredState) -> None:
    converge(aws, state)
    role = state.codebuild_role
    widened = json.loads(json.dumps(role.policy))
    widened["Statement"][2]["Resource"] = ["*"]
    aws.client("iam").put_role_policy(RoleName=role.name, PolicyName="pipectl",
                                      PolicyDocument=json.dumps(widened))
    plan = make_plan(aws, state)
    step = plan.step("iam-role-policy", f"{role.name}/pipectl")
    assert step.diffs == (FieldDiff("policy.Statement.EcrPushPull.Resource", ["*"],
                                    [role.placement.arn("ecr", "repository/hello-web")]),)
    apply(aws, plan)
    assert make_plan(aws, state).pending == ()


def test_changed_compute_type_is_exactly_one_field_diff(
        aws: AwsSession, state: DesiredState, spec_sections: dict[str, Any]) -> None:
    converge(aws, state)
    changed = state_with(spec_sections, build={"compute_type": "BUILD_GENERAL1_MEDIUM"})
    plan = make_plan(aws, changed)
    assert changes(plan) == {"codebuild-project hello-web-build": (Action.UPDATE, [
        FieldDiff("environment.computeType", "BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM")])}


def test_changed_deploy_timeout_updates_the_pipeline_once(
        aws: AwsSession, state: DesiredState, spec_sections: dict[str, Any]) -> None:
    converge(aws, state)
    changed = state_with(spec_sections, deploy={"timeout_minutes": 20})
    plan = make_plan(aws, changed)
    assert changes(plan) == {"codepipeline hello-web": (Action.UPDATE, [FieldDiff(
        "stages.Deploy.Deploy.configuration.DeploymentTimeout", "15", "20")])}
    apply(aws, plan)
    got = aws.client("codepipeline").get_pipeline(name="hello-web")["pipeline"]
    assert got["version"] == 2
    assert make_plan(aws, changed).pending == ()


def test_service_drift_is_converged_but_its_task_definition_image_is_left_to_the_pipeline(
        aws: AwsSession, state: DesiredState) -> None:
    converge(aws, state)
    ecs = aws.client("ecs")
    ecs.update_service(cluster="hello-cluster", service="hello-web", desiredCount=3)
    # What the deploy action does: a new revision with the built image.
    assert state.ecs is not None
    deployed = state.ecs.task_definition.register_request(image="repo:abc1234")
    ecs.register_task_definition(**deployed)
    plan = make_plan(aws, state)
    assert changes(plan) == {"ecs-service hello-web": (
        Action.UPDATE, [FieldDiff("desiredCount", 3, 1)])}
    apply(aws, plan)
    assert make_plan(aws, state).pending == ()


def deploy(aws: AwsSession, state: DesiredState, image: str) -> None:
    """What the deploy action does: a revision with the built image, which the service runs."""
    assert state.ecs is not None
    ecs = aws.client("ecs")
    revision = ecs.register_task_definition(
        **state.ecs.task_definition.register_request(image=image))["taskDefinition"]
    ecs.update_service(cluster="hello-cluster", service="hello-web",
                       taskDefinition=revision["taskDefinitionArn"])


def test_changed_task_definition_keeps_the_deployed_image(
        aws: AwsSession, state: DesiredState, spec_sections: dict[str, Any]) -> None:
    from tests.resources.specs import task_definition

    converge(aws, state)
    ecs = aws.client("ecs")
    deploy(aws, state, "repo:v2")
    bigger = make_state(make_spec(**spec_sections), task_definition(memory="1024"))
    plan = make_plan(aws, bigger)
    assert changes(plan) == {"ecs-task-definition hello-web": (
        Action.UPDATE, [FieldDiff("definition.memory", "512", "1024")])}
    apply(aws, plan)
    latest = ecs.describe_task_definition(taskDefinition="hello-web")["taskDefinition"]
    assert latest["memory"] == "1024"
    assert latest["containerDefinitions"][0]["image"] == "repo:v2"
    service = ecs.describe_services(cluster="hello-cluster", services=["hello-web"])
    assert service["services"][0]["taskDefinition"] == latest["taskDefinitionArn"]
    assert make_plan(aws, bigger).pending == ()


def test_an_update_after_a_rollback_keeps_the_image_the_service_runs(
        aws: AwsSession, state: DesiredState, spec_sections: dict[str, Any]) -> None:
    """After a circuit-breaker rollback the family's latest revision is the failed one;
    the service runs the one before, and that is the image a new revision keeps."""
    from tests.resources.specs import task_definition

    converge(aws, state)
    ecs = aws.client("ecs")
    deploy(aws, state, "repo:good")
    # The failed deployment's revision: latest ACTIVE, but rolled back from.
    assert state.ecs is not None
    ecs.register_task_definition(**state.ecs.task_definition.register_request(image="repo:bad"))
    bigger = make_state(make_spec(**spec_sections), task_definition(memory="1024"))
    plan = make_plan(aws, bigger)
    assert changes(plan) == {"ecs-task-definition hello-web": (
        Action.UPDATE, [FieldDiff("definition.memory", "512", "1024")])}
    apply(aws, plan)
    service = ecs.describe_services(cluster="hello-cluster", services=["hello-web"])
    running = ecs.describe_task_definition(
        taskDefinition=service["services"][0]["taskDefinition"])["taskDefinition"]
    assert running["revision"] == 4 and running["memory"] == "1024"
    assert running["containerDefinitions"][0]["image"] == "repo:good"


def test_a_rerun_after_an_interruption_converges_without_duplicates(
        aws: AwsSession, state: DesiredState) -> None:
    events = apply_plan(make_plan(aws, state), ApplyContext(aws))
    for event in events:  # "Ctrl-C" right after the task definition was registered
        if event.done and event.step.kind == "ecs-task-definition":
            break
    events.close()
    plan = make_plan(aws, state)
    assert [s.kind for s in plan.pending] == ["ecs-service", "codepipeline"]
    apply(aws, plan)
    assert make_plan(aws, state).pending == ()
    revisions = aws.client("ecs").list_task_definitions(familyPrefix="hello-web")
    assert len(revisions["taskDefinitionArns"]) == 1


def test_create_of_something_that_appeared_meanwhile_converges_it(
        aws: AwsSession, state: DesiredState) -> None:
    plan = make_plan(aws, state)  # everything missing
    iam = aws.client("iam")  # ...then a previous run, interrupted, created one role
    iam.create_role(RoleName=state.codebuild_role.name,
                    AssumeRolePolicyDocument=json.dumps(trust_policy("ec2.amazonaws.com")))
    aws.client("ecr").create_repository(repositoryName="hello-web")
    apply(aws, plan)
    assert make_plan(aws, state).pending == ()


def test_access_denied_names_the_operation_and_the_resource(
        aws: AwsSession, state: DesiredState) -> None:
    with Stubber(aws.client("iam")) as stub:
        stub.add_client_error("get_role", "AccessDenied", "User is not authorized", 403)
        with pytest.raises(AwsError) as caught:
            planner_for("iam-role").read(aws, state.codebuild_role)
    assert caught.value.message.startswith("access denied: iam:GetRole on hello-web-codebuild")
    assert caught.value.operation == "iam:GetRole"
    assert caught.value.resource == "hello-web-codebuild"


def test_bucket_in_another_region_is_a_clear_error(aws: AwsSession, state: DesiredState) -> None:
    aws.client("s3").create_bucket(Bucket=state.bucket.name, CreateBucketConfiguration={
        "LocationConstraint": "eu-west-1"})
    with pytest.raises(AwsError, match="exists in eu-west-1, but the pipeline is in us-east-1"):
        make_plan(aws, state)


def test_a_new_role_not_yet_assumable_is_waited_for_without_real_sleeps(
        aws: AwsSession, state: DesiredState, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipectl.plan import executor

    refusals = ["codebuild:CreateProject"]
    real_call = executor.call

    def flaky(session: AwsSession, service: str, operation: str, resource: str,
              /, **params: Any) -> Any:
        if f"{service}:{operation}" in refusals:
            refusals.remove(f"{service}:{operation}")
            raise AwsError(f"{service}:{operation} on {resource} failed: InvalidInputException: "
                           "CodeBuild is not authorized to perform: sts:AssumeRole on "
                           f"{state.codebuild_role.arn}", code="InvalidInputException")
        return real_call(session, service, operation, resource, **params)

    monkeypatch.setattr(executor, "call", flaky)
    slept: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    ctx = ApplyContext(aws, clock=lambda: now[0], sleep=sleep)
    for _ in apply_plan(make_plan(aws, state), ctx):
        pass
    assert slept == [2.0]
    assert refusals == []
    assert make_plan(aws, state).pending == ()


def test_empty_lists_in_the_task_definition_file_are_no_difference(
        aws: AwsSession, spec_sections: dict[str, Any]) -> None:
    from tests.resources.specs import task_definition

    task = task_definition()
    task["containerDefinitions"][0]["environment"] = []
    task["volumes"] = []
    with_empties = make_state(make_spec(**spec_sections), task)
    converge(aws, with_empties)
    assert make_plan(aws, with_empties).pending == ()


def test_cluster_and_pipeline_tags_removed_by_hand_are_put_back(
        aws: AwsSession, state: DesiredState) -> None:
    converge(aws, state)
    ecs = aws.client("ecs")
    cluster_arn = ecs.describe_clusters(clusters=["hello-cluster"])["clusters"][0]["clusterArn"]
    ecs.untag_resource(resourceArn=cluster_arn, tagKeys=["team"])
    pipelines = aws.client("codepipeline")
    pipeline_arn = pipelines.get_pipeline(name="hello-web")["metadata"]["pipelineArn"]
    pipelines.untag_resource(resourceArn=pipeline_arn, tagKeys=["team"])
    plan = make_plan(aws, state)
    assert changes(plan) == {
        "ecs-cluster hello-cluster": (Action.UPDATE, [FieldDiff("tags.team", None, "web")]),
        "codepipeline hello-web": (Action.UPDATE, [FieldDiff("tags.team", None, "web")]),
    }
    apply(aws, plan)
    assert make_plan(aws, state).pending == ()
    # tags alone do not make a new pipeline version
    assert pipelines.get_pipeline(name="hello-web")["pipeline"]["version"] == 1


def test_a_service_waiting_at_zero_for_its_first_deploy_keeps_its_count(
        aws: AwsSession, state: DesiredState) -> None:
    """Created with no task, the service waits for the pipeline's first deploy: neither a
    re-run of create nor an update (even one that changes its network) starts tasks on
    the task definition file's placeholder image."""
    converge(aws, state)
    ecs = aws.client("ecs")
    assert make_plan(aws, state).pending == ()
    ecs.update_service(cluster="hello-cluster", service="hello-web", networkConfiguration={
        "awsvpcConfiguration": {"subnets": ["subnet-0abc1234"], "assignPublicIp": "DISABLED"}})
    plan = make_plan(aws, state)
    assert [d.field for s in plan.pending for d in s.diffs] == [
        "network.subnets", "network.securityGroups", "network.assignPublicIp"]
    apply(aws, plan)
    service = ecs.describe_services(cluster="hello-cluster", services=["hello-web"])
    assert service["services"][0]["desiredCount"] == 0
    assert make_plan(aws, state).pending == ()
