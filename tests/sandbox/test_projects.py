"""CodeBuild projects through the sandbox: what pipectl writes is what it reads back."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from pipectl.errors import InvalidInput
from pipectl.sandbox.server import SandboxServer, start_server
from tests.sandbox.shapes import assert_output_shape

ROLE = "arn:aws:iam::123456789012:role/hello-web-codebuild"
REPOSITORY_URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello-web"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"


def authorization(token: str) -> str:
    return (f"AWS4-HMAC-SHA256 Credential={token}/20260101/us-east-1/codebuild/aws4_request, "
            "SignedHeaders=host, Signature=x")


def project_request(**overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "name": "hello-web-build",
        "description": "builds hello-web",
        # As AWS takes it: no location for a CODEPIPELINE source (moto alone insists on one).
        "source": {"type": "CODEPIPELINE", "buildspec": "buildspec.yml"},
        "artifacts": {"type": "CODEPIPELINE"},
        "environment": {
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_XLARGE",
            "privilegedMode": True,
            "environmentVariables": [
                {"name": "REPOSITORY_URI", "value": REPOSITORY_URI, "type": "PLAINTEXT"},
                {"name": "API_TOKEN", "value": "/hello/token", "type": "PARAMETER_STORE"},
                {"name": "DB", "value": SECRET_ARN, "type": "SECRETS_MANAGER"},
            ],
        },
        "serviceRole": ROLE,
        "timeoutInMinutes": 30,
        "cache": {"type": "LOCAL", "modes": ["LOCAL_DOCKER_LAYER_CACHE", "LOCAL_SOURCE_CACHE"]},
        "tags": [
            {"key": "team", "value": "web"},
            {"key": "pipectl:pipeline", "value": "hello-web"},
        ],
    }
    request.update(overrides)
    return request


def test_created_project_reads_back_with_every_field(client: Callable[[str], Any]) -> None:
    codebuild = client("codebuild")
    created = codebuild.create_project(**project_request())
    assert_output_shape(codebuild, "CreateProject", created)

    got = codebuild.batch_get_projects(names=["hello-web-build"])
    assert_output_shape(codebuild, "BatchGetProjects", got)
    project = got["projects"][0]
    sent = project_request()
    assert project["environment"]["privilegedMode"] is True
    assert project["environment"]["computeType"] == "BUILD_GENERAL1_XLARGE"
    variables = project["environment"]["environmentVariables"]
    assert variables == sent["environment"]["environmentVariables"]
    assert project["cache"] == sent["cache"]
    assert project["timeoutInMinutes"] == 30
    assert project["queuedTimeoutInMinutes"] == 480  # AWS's default
    assert project["tags"] == sent["tags"]
    assert project["serviceRole"] == ROLE
    assert project["source"] == sent["source"]
    assert project["lastModified"] >= project["created"]
    assert "hello-web-build" in codebuild.list_projects()["projects"]


def test_update_project_changes_what_was_asked_and_keeps_the_rest(
    client: Callable[[str], Any],
) -> None:
    codebuild = client("codebuild")
    codebuild.create_project(**project_request())
    environment = dict(project_request()["environment"], privilegedMode=False)
    updated = codebuild.update_project(
        name="hello-web-build",
        environment=environment,
        timeoutInMinutes=15,
        cache={"type": "NO_CACHE"},
    )
    assert_output_shape(codebuild, "UpdateProject", updated)
    assert updated["project"]["environment"]["privilegedMode"] is False

    project = codebuild.batch_get_projects(names=["hello-web-build"])["projects"][0]
    assert project["environment"]["privilegedMode"] is False
    assert project["timeoutInMinutes"] == 15
    assert project["cache"] == {"type": "NO_CACHE"}
    assert project["tags"] == project_request()["tags"]  # untouched
    assert project["description"] == "builds hello-web"


def test_update_of_a_missing_project_is_resource_not_found(client: Callable[[str], Any]) -> None:
    with pytest.raises(ClientError) as caught:
        client("codebuild").update_project(name="nope-build", timeoutInMinutes=10)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "project/nope-build" in caught.value.response["Error"]["Message"]


def test_bad_project_input_is_refused_like_aws(client: Callable[[str], Any]) -> None:
    codebuild = client("codebuild")
    with pytest.raises(ClientError) as caught:
        codebuild.create_project(**project_request(source={"type": "GITHUB"}))
    assert caught.value.response["Error"]["Code"] == "InvalidInputException"
    assert "location" in caught.value.response["Error"]["Message"]
    codebuild.create_project(**project_request())
    with pytest.raises(ClientError) as again:
        codebuild.create_project(**project_request())
    assert again.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    assert codebuild.batch_get_projects(names=["missing"])["projectsNotFound"] == ["missing"]


def test_a_request_the_layer_cannot_parse_gets_a_clear_error(sandbox: SandboxServer) -> None:
    request = urllib.request.Request(
        sandbox.url + "/",
        data=b"{not json",
        headers={
            "X-Amz-Target": "CodeBuild_20161006.UpdateProject",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": authorization(sandbox.token),
        },
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=60)
    assert caught.value.code == 400
    answer = json.loads(caught.value.read())
    assert answer["__type"] == "SerializationException"
    assert "could not parse" in answer["message"]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_the_server_refuses_to_bind_anything_but_loopback(host: str) -> None:
    with pytest.raises(InvalidInput, match="loopback"):
        start_server(host=host)


def test_server_stops_and_frees_its_port() -> None:
    import socket

    with start_server() as server:
        url = server.url
        assert url.startswith("http://127.0.0.1:")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=0.5)
