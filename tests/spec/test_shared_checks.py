"""The checks several parts of the spec share (pipectl.spec.model_base): string maps,
S3 bucket names and existing role ARNs, the same in every part that has them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pipectl.spec.model import Spec
from tests.conftest import run_cli
from tests.resources.specs import make_state, spec_data, write_project
from tests.resources.test_requests import validate

WRITTEN = """
tags: {replicas: 3, public: true}
build:
  env: {WORKERS: 4, RATIO: 0.5, DEBUG: false}
pipeline:
  type: V2
  variables: {RELEASE: 7}
"""


def test_numbers_and_booleans_become_strings_in_every_request() -> None:
    spec = Spec.model_validate(spec_data(**yaml.safe_load(WRITTEN)))
    state = make_state(spec)
    project = state.project.request()
    pipeline = state.pipeline.create_request()
    validate("codebuild", "CreateProject", project)
    validate("codepipeline", "CreatePipeline", pipeline)

    env = {v["name"]: v["value"] for v in project["environment"]["environmentVariables"]}
    assert (env["WORKERS"], env["RATIO"], env["DEBUG"]) == ("4", "0.5", "false")
    variables = {v["name"]: v["defaultValue"] for v in pipeline["pipeline"]["variables"]}
    assert variables == {"RELEASE": "7"}
    tags = {t["key"]: t["value"] for t in pipeline["tags"]}
    assert (tags["replicas"], tags["public"]) == ("3", "true")


S3_SOURCE = {"provider": "s3", "bucket": "hello-source", "key": "source/app.zip"}


BUCKET_RULE = "hint: bucket names: 3-63 characters: lowercase letters"


@pytest.mark.parametrize(("sections", "problem", "hint"), [
    ({"source": {**S3_SOURCE, "bucket": "Hello_Source"}},
     "source.bucket: 'Hello_Source' is not a valid S3 bucket name", BUCKET_RULE),
    ({"artifacts": {"bucket": "Hello_Artifacts"}},
     "artifacts.bucket: 'Hello_Artifacts' is not a valid S3 bucket name", BUCKET_RULE),
    ({"build": {"role_arn": "hello-codebuild"}},
     "build.role_arn: 'hello-codebuild' is not an IAM role ARN",
     "hint: the ARN of the existing CodeBuild service role: arn:aws:iam::ACCOUNT:role/NAME"),
    ({"pipeline": {"role_arn": "arn:aws:iam::123:role/x"}},
     "pipeline.role_arn: 'arn:aws:iam::123:role/x' is not an IAM role ARN",
     "hint: the ARN of the existing CodePipeline service role"),
])
def test_bucket_names_and_role_arns_are_checked_where_they_are_given(
    sections: dict[str, Any], problem: str, hint: str, in_tmp: Path,
) -> None:
    write_project(in_tmp, spec=spec_data(**sections))
    result = run_cli(["validate"], environ={})
    assert result.exit_code == 2
    assert problem in result.output
    assert hint in result.output
