"""Real buildspecs and task definitions from public repositories (files/, see README.md):
`pipectl validate` gets exactly the findings cases.yml lists for each, no file that
create would use gets an error, each check of the real-world issue fires on a real
file, and the broken ones stay rejected."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipectl.resources.desired import load_task_definition
from tests.conftest import run_cli
from tests.test_validate_malformed import BASE, LAYOUT

HERE = Path(__file__).parent
FILES = HERE / "files"
CASES: list[dict[str, Any]] = yaml.safe_load((HERE / "cases.yml").read_text())
#: The checks that fire on real files: exactly these, and README.md names them.
REAL_WORLD_CHECKS = {
    "ecr-get-login", "runtime-version", "container-name", "no-image-definitions",
    "unchecked-artifact", "empty-command",  # the buildspec's
    "json-syntax", "missing", "duplicate-container", "role", "describe-output", "nulls",
    "plain-secret", "fargate", "awslogs-create-group", "task-cpu",
    "health-check-command",  # the task definition's
    "port",  # how they fit
}
#: The organisations AWS owns; every other repository is an ordinary project.
AWS_ORGANISATIONS = {"aws-samples", "awslabs", "aws-actions"}
README = HERE.parents[1] / "README.md"


def is_buildspec(name: str) -> bool:
    return name.endswith((".yml", ".yaml"))


def project(directory: Path, case: dict[str, Any]) -> Path:
    """The base project with the case's file in place and the spec fitted to it."""
    name = case["file"]
    container = case.get("container", "web")
    spec = (BASE / "pipeline.yml").read_text()
    spec = spec.replace("  container: web\n", f"  container: {container}\n")
    spec = spec.replace("  port: 80\n", f"  port: {case.get('port', 80)}\n")
    if "image" in case:
        spec = spec.replace("  buildspec: buildspec.yml\n",
                            f"  buildspec: buildspec.yml\n  image: {case['image']}\n")
    if not case.get("create_service", is_buildspec(name)):
        block = ("  create_service:\n    subnets: [subnet-0123456789abcdef0]\n"
                 "    security_groups: [sg-0123456789abcdef0]\n")
        assert block in spec
        spec = spec.replace(block, "")
    (directory / "config").mkdir(parents=True, exist_ok=True)
    (directory / LAYOUT["pipeline.yml"]).write_text(spec)
    if is_buildspec(name):
        (directory / LAYOUT["buildspec.yml"]).write_bytes((FILES / name).read_bytes())
        task = (BASE / "task_definition.json").read_text()
        (directory / LAYOUT["task_definition.json"]).write_text(
            task.replace('"name": "web"', f'"name": "{container}"'))
    else:
        (directory / LAYOUT["task_definition.json"]).write_bytes((FILES / name).read_bytes())
        (directory / LAYOUT["buildspec.yml"]).write_bytes((BASE / "buildspec.yml").read_bytes())
    return directory


def validate(directory: Path, case: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    project(directory, case)
    result = run_cli(["validate", "-o", "json"])
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def case_id(case: dict[str, Any]) -> str:
    return case["file"] + (f"[{case['image']}]" if "image" in case else "") + (
        f"[{case['container']}]" if is_buildspec(case["file"]) and "container" in case else "")


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_each_file_gets_exactly_its_findings(case: dict[str, Any], in_tmp: Path) -> None:
    code, findings = validate(in_tmp, case)
    got = [f"{f['severity']} {f['code']} {f['line']}" for f in findings]
    assert got == case["expect"], json.dumps(findings, indent=1)
    errors = [f for f in findings if f["severity"] == "error"]
    if case["verdict"] == "accepted":
        assert (code, errors) == (0, [])  # no file that create would use gets an error
    else:
        assert case["verdict"] == "broken"
        assert code == 2 and errors  # the genuinely broken ones stay rejected


@pytest.mark.parametrize("case", [c for c in CASES if not is_buildspec(c["file"])
                                  and c["verdict"] == "accepted"],
                         ids=lambda c: c["file"])
def test_create_reads_every_accepted_task_definition(case: dict[str, Any],
                                                     in_tmp: Path) -> None:
    project(in_tmp, case)
    data = load_task_definition(str(LAYOUT["task_definition.json"]),
                                in_tmp / LAYOUT["pipeline.yml"])
    assert case.get("container", "web") in [c["name"] for c in data["containerDefinitions"]]


def test_the_corpus_is_large_real_and_documented() -> None:
    files = sorted(p.name for p in FILES.iterdir())
    assert len(files) >= 40
    assert {c["file"] for c in CASES} == set(files)  # every file has its expected findings
    readme = (HERE / "README.md").read_text()
    rows = re.findall(r"^\| `([^`]+)` \| ([\w.-]+/[\w.-]+) \| `([^`]+)` \| ([0-9a-f]{40}) "
                      r"\| (MIT-0|MIT|Apache-2\.0) \| ([0-9a-f]{12}) \|$", readme, re.MULTILINE)
    assert sorted(r[0] for r in rows) == files  # source, path, commit, license for each
    for name, *_, digest in rows:  # stored byte for byte as listed
        assert hashlib.sha256((FILES / name).read_bytes()).hexdigest()[:12] == digest, name
    kinds = Counter("buildspec" if is_buildspec(f) else "task definition" for f in files)
    assert kinds["buildspec"] >= 15 and kinds["task definition"] >= 15
    sources = {r[1].split("/")[0] for r in rows}
    assert {"aws-samples", "awslabs"} <= sources and len({r[1] for r in rows}) >= 8
    # Ordinary projects too, and mostly files that create would use.
    ordinary = {r[0] for r in rows if r[1].split("/")[0] not in AWS_ORGANISATIONS}
    assert len(ordinary) >= 12
    verdicts = Counter(c["verdict"] for c in CASES if c["file"] in ordinary)
    assert verdicts["accepted"] > verdicts["broken"], verdicts


def test_each_real_world_check_fires_on_a_real_file() -> None:
    fired = {item.split()[1] for case in CASES for item in case["expect"]}
    assert fired == REAL_WORLD_CHECKS, (REAL_WORLD_CHECKS - fired, fired - REAL_WORLD_CHECKS)


def test_the_readme_names_the_checks_real_files_prove() -> None:
    """README's validate section says which checks fire on real files: these, no more."""
    text = README.read_text()
    start = text.index("The checks the corpus proves on real files")
    paragraph = text[start:text.index("\n\n", start)]
    named = {code for code in re.findall(r"`([^`]+)`", paragraph)
             if re.fullmatch(r"[a-z][a-z0-9-]*", code)}
    assert named == REAL_WORLD_CHECKS, (named - REAL_WORLD_CHECKS, REAL_WORLD_CHECKS - named)
