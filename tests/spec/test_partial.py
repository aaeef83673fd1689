"""The partial spec (what read-only commands read) answers as the full model does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipectl.errors import SpecError
from pipectl.spec.load import load_spec
from pipectl.spec.partial import PartialSpec

BASE = (Path(__file__).parent.parent / "malformed" / "base" / "pipeline.yml").read_text()

# Valid variants of the base spec: each changes what a read-only command reads.
VARIANTS = {
    "base": {},
    "no region, derived project": {"region: us-east-1\n": "", "  buildspec:": "  buildspec:"},
    "explicit project": {"  buildspec: buildspec.yml\n":
                         "  buildspec: buildspec.yml\n  project: web-builder\n"},
    "port from create_service": {"  port: 80\n": "",
                                 "    security_groups:": "    port: 8443\n    security_groups:"},
    "ports agree": {"    security_groups:": "    port: 80\n    security_groups:"},
    "no port at all": {"  port: 80\n": ""},
    "port from a variable": {"  port: 80\n": '  port: "${PORT:-8080}"\n'},
    "names from variables with spaces": {"  cluster: hello-cluster\n":
                                         '  cluster: " ${CLUSTER:-blue} "\n',
                                         "name: hello-web\n": "name: '  hello-web  '\n"},
    "explicit repository": {"  repository: hello-web\n": "  repository: team/web\n"},
    "derived repository": {"  repository: hello-web\n": "", "name: hello-web\n":
                           "name: Hello-Web\n"},
    "deploy timeout": {"  port: 80\n": "  port: 80\n  timeout_minutes: 42\n"},
    "region from a variable": {"region: us-east-1\n": "region: ${REGION:-eu-west-2}\n"},
    "no create_service": {"  create_service:\n    subnets: [subnet-0123456789abcdef0]\n"
                          "    security_groups: [sg-0123456789abcdef0]\n": ""},
}


def variant(changes: dict[str, str]) -> str:
    text = BASE
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize("changes", VARIANTS.values(), ids=VARIANTS.keys())
def test_every_field_read_equals_the_models(changes: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "pipeline.yml"
    path.write_text(variant(changes))
    spec = load_spec(path, {})
    partial = PartialSpec.read(path, {})
    assert partial.pipeline == spec.names.pipeline
    assert partial.region == spec.region
    assert partial.project == spec.names.project
    assert partial.repository == spec.names.repository
    assert (partial.deploy.cluster, partial.deploy.service, partial.deploy.container) == (
        spec.deploy.cluster, spec.deploy.service, spec.deploy.container)
    assert partial.port == spec.deploy.service_port
    assert partial.deploy_timeout_minutes == spec.deploy.timeout_minutes
    assert partial._model is None  # each answer came without building the model


def test_a_value_only_the_model_accepts_is_taken_from_the_model(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.yml"
    path.write_text(variant({"  port: 80\n": "  port: 80.0\n"}))  # pydantic takes 80.0
    partial = PartialSpec.read(path, {})
    assert partial.port == load_spec(path, {}).deploy.service_port == 80


def test_a_broken_field_read_raises_the_models_finding_only(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.yml"
    path.write_text(variant({"  cluster: hello-cluster\n": "  cluster: hello cluster\n",
                             "[subnet-0123456789abcdef0]": "[\"${SUBNET_ID}\"]"}))
    partial = PartialSpec.read(path, {})
    assert partial.pipeline == "hello-web"  # a field that is fine is read as always
    with pytest.raises(SpecError) as raised:
        _ = partial.deploy
    with pytest.raises(SpecError) as full:
        load_spec(path, {})
    assert [f.location.path for f in full.value.findings if f.location] == [
        "deploy.cluster", "deploy.create_service.subnets[0]"]
    assert [str(f) for f in raised.value.findings] == [str(full.value.findings[0])]


def test_reading_names_imports_no_pydantic() -> None:
    code = ("import sys; from pathlib import Path; from pipectl.spec.partial import PartialSpec;"
            f" s = PartialSpec.read(Path({str(Path(__file__).parent.parent)!r}) / 'malformed' /"
            " 'base' / 'pipeline.yml', {}); s.deploy; s.port; s.project; s.region;"
            " print('pydantic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "False"
