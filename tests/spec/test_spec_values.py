"""Values YAML reads as numbers or booleans in the string maps of the spec (build.env,
pipeline.variables, tags) reach AWS as the strings its shapes require."""

from __future__ import annotations

import yaml

from pipectl.spec.model import Spec
from tests.resources.specs import make_state, spec_data
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
