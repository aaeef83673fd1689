"""Build secrets: read from the sandbox's SSM and Secrets Manager as the project's role,
and masked in the build log, as CodeBuild does."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pipectl.resources.common import Placement
from pipectl.resources.roles import SecretRefs, codebuild_policy
from tests.sandbox.fixtures import ACCOUNT, REGION, Names, create_pipeline_resources
from tests.sandbox.polling import wait_until

NAMES = Names()
TOKEN = "tok-51aa-sandbox-never-print-me"
PASSWORD = "pw-93c2-sandbox-never-print-me"
BUILDSPEC = """\
version: 0.2
phases:
  build:
    commands:
      - echo "token is $API_TOKEN"
      - echo "password is ${DB_PASSWORD}, level $LOG_LEVEL"
      - echo "tier ${TIER:-free}, level ${LOG_LEVEL:-debug}"
"""


def prepare(client: Callable[[str], Any], *, parameter: str = "/hello/token",
            grant: bool = True) -> None:
    create_pipeline_resources(client)
    client("ssm").put_parameter(Name="/hello/token", Value=TOKEN, Type="SecureString")
    client("secretsmanager").create_secret(Name="hello/db",
                                           SecretString=json.dumps({"password": PASSWORD}))
    refs = SecretRefs(parameters=(parameter,), secrets=("hello/db",)) if grant else SecretRefs()
    policy = codebuild_policy(
        placement=Placement(ACCOUNT, REGION), project=NAMES.project,
        repository_arn=f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{NAMES.repository}",
        bucket_arn=f"arn:aws:s3:::{NAMES.bucket}", secrets=refs, pipeline=NAMES.pipeline)
    client("iam").put_role_policy(RoleName=f"{NAMES.pipeline}-codebuild", PolicyName="pipectl",
                                  PolicyDocument=json.dumps(policy))
    client("codebuild").update_project(
        name=NAMES.project,
        source={"type": "CODEPIPELINE", "buildspec": BUILDSPEC},
        environment={
            "type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL", "privilegedMode": True,
            "environmentVariables": [
                {"name": "LOG_LEVEL", "value": "info", "type": "PLAINTEXT"},
                {"name": "API_TOKEN", "value": parameter, "type": "PARAMETER_STORE"},
                {"name": "DB_PASSWORD", "value": "hello/db:password",
                 "type": "SECRETS_MANAGER"},
            ],
        })


def finished_build(client: Callable[[str], Any]) -> dict[str, Any]:
    codebuild = client("codebuild")
    build_id = codebuild.start_build(projectName=NAMES.project)["build"]["id"]
    build: dict[str, Any] = wait_until(
        lambda: codebuild.batch_get_builds(ids=[build_id])["builds"][0],
        lambda b: b["buildStatus"] != "IN_PROGRESS", 20)
    return build


def log_lines(client: Callable[[str], Any], build: dict[str, Any]) -> list[str]:
    events = client("logs").get_log_events(logGroupName=build["logs"]["groupName"],
                                           logStreamName=build["logs"]["streamName"])
    return [e["message"] for e in events["events"]]


def provisioning(build: dict[str, Any]) -> dict[str, Any]:
    [phase] = [p for p in build["phases"] if p["phaseType"] == "PROVISIONING"]
    return phase


def test_secrets_reach_the_build_and_are_masked_in_its_log(
    client: Callable[[str], Any],
) -> None:
    prepare(client)
    build = finished_build(client)
    assert build["buildStatus"] == "SUCCEEDED", build["phases"]
    lines = log_lines(client, build)
    text = "\n".join(lines)
    assert TOKEN not in text and PASSWORD not in text
    assert "token is ***" in lines
    assert "password is ***, level info" in lines  # plain variables are not masked
    assert "tier free, level info" in lines  # a default stands in for an unset variable only


def test_a_missing_parameter_fails_provisioning_as_codebuild_does(
    client: Callable[[str], Any],
) -> None:
    prepare(client, parameter="/hello/missing")
    build = finished_build(client)
    assert build["buildStatus"] == "FAILED"
    phase = provisioning(build)
    assert phase["phaseStatus"] == "FAILED"
    assert phase["contexts"] == [{"statusCode": "Decrypted Variables Error",
                                  "message": "parameter does not exist: /hello/missing"}]


def test_a_role_that_may_not_read_the_parameter_fails_provisioning(
    client: Callable[[str], Any],
) -> None:
    prepare(client, grant=False)
    build = finished_build(client)
    assert build["buildStatus"] == "FAILED"
    [context] = provisioning(build)["contexts"]
    assert context["statusCode"] == "Decrypted Variables Error"
    assert context["message"].startswith("AccessDeniedException: User: arn:aws:sts::")
    assert "ssm:GetParameters on resource: arn:aws:ssm:us-east-1:" in context["message"]
