"""`pipectl schema`: a JSON Schema that editors can use and that agrees with `validate`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import REPO_ROOT, run_cli
from tests.test_validate_malformed import CORPUS

#: Corpus cases whose fault is structural, so the schema alone must reject them too.
STRUCTURAL_CASES = [
    "unknown_top_level_key", "misspelt_key_deploy", "misspelt_key_source",
    "misspelt_enum_compute_type", "misspelt_provider", "wrong_enum_execution_mode",
    "missing_version", "missing_container", "missing_provider", "missing_subnets",
    "wrong_type_port", "wrong_type_tags", "wrong_type_subnets", "wrong_type_build_section",
    "version_two", "timeout_out_of_range",
]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    result = run_cli(["schema"])
    assert result.exit_code == 0, result.output
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema)


def test_it_is_a_valid_2020_12_schema_with_a_title(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "pipectl pipeline spec"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["required"] == ["version", "name", "source", "deploy"]
    assert schema["additionalProperties"] is False


def test_every_property_is_described(schema: dict[str, Any]) -> None:
    objects = [schema, *schema["$defs"].values()]
    undescribed = [f"{obj.get('title')}.{name}" for obj in objects
                   for name, prop in obj.get("properties", {}).items()
                   if name != "provider" and not prop.get("description")]
    assert undescribed == []


@pytest.mark.parametrize("path", [
    REPO_ROOT / "config" / "pipeline.yml", CORPUS / "base" / "pipeline.yml",
], ids=["reference config", "corpus base"])
def test_valid_specs_pass(schema: dict[str, Any], path: Path) -> None:
    errors = [e.message for e in validator(schema).iter_errors(yaml.safe_load(path.read_text()))]
    assert errors == []


def test_what_init_writes_passes(schema: dict[str, Any], in_tmp: Path) -> None:
    assert run_cli(["init", "--no-input"]).exit_code == 0
    spec = yaml.safe_load((in_tmp / "config/pipeline.yml").read_text())
    assert list(validator(schema).iter_errors(spec)) == []


@pytest.mark.parametrize("case", STRUCTURAL_CASES)
def test_structural_faults_fail_the_schema_too(schema: dict[str, Any], case: str) -> None:
    data = yaml.safe_load((CORPUS / f"{case}.pipeline.yml").read_text())
    assert list(validator(schema).iter_errors(data)), f"the schema accepts {case}"


def test_variables_may_stand_for_numbers_booleans_and_choices(schema: dict[str, Any]) -> None:
    spec = yaml.safe_load((CORPUS / "base" / "pipeline.yml").read_text())
    spec["deploy"]["port"] = "${PORT:-8080}"
    spec["build"]["privileged"] = "${PRIVILEGED:-true}"
    spec["build"]["compute_type"] = "${COMPUTE_TYPE}"
    assert list(validator(schema).iter_errors(spec)) == []
    spec["deploy"]["port"] = "eighty"
    assert [e.json_path for e in validator(schema).iter_errors(spec)] == ["$.deploy.port"]
