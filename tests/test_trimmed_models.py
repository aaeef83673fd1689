"""botocore's loader doing less: trimmed EC2/ELB models, no scan of every service.

The clients pipectl makes must build and validate requests exactly as botocore's own do,
for every operation pipectl calls; the trimmed model is cached and reused.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import botocore.loaders
import botocore.session
import pytest
from botocore.exceptions import ParamValidationError
from botocore.stub import Stubber

from pipectl.aws.models import OPERATIONS_USED, TrimmingLoader, trim_model
from pipectl.aws.session import AwsSession, AwsSettings

SRC = Path(__file__).resolve().parent.parent / "src" / "pipectl"


def stock_model(service: str) -> Any:
    return botocore.loaders.Loader().load_service_model(service, "service-2")


@pytest.mark.parametrize("service", sorted(OPERATIONS_USED))
def test_a_trimmed_model_keeps_each_used_operation_as_botocore_defines_it(
    service: str, tmp_path: Path
) -> None:
    full = stock_model(service)
    trimmed = TrimmingLoader(tmp_path).load_service_model(service, "service-2")
    assert set(trimmed["operations"]) == OPERATIONS_USED[service]
    assert len(trimmed["shapes"]) < len(full["shapes"]) / 5
    assert trimmed["metadata"] == full["metadata"]
    for name in OPERATIONS_USED[service]:
        assert trimmed["operations"][name] == full["operations"][name]
    for name, shape in trimmed["shapes"].items():
        assert shape == full["shapes"][name]
    # Closed: every shape a kept shape refers to is kept.
    assert trim_model(trimmed, OPERATIONS_USED[service]) == trimmed


@pytest.mark.parametrize("service", ["codepipeline", "ecs", "s3", "logs"])
def test_other_models_load_as_botocore_loads_them(service: str, tmp_path: Path) -> None:
    # s3 has sdk-extras: they are applied as botocore applies them.
    assert TrimmingLoader(tmp_path).load_service_model(service, "service-2") == \
        stock_model(service)


def test_an_unknown_service_is_still_refused(tmp_path: Path) -> None:
    with pytest.raises(botocore.exceptions.DataNotFoundError):
        TrimmingLoader(tmp_path).load_service_model("no-such-service", "service-2")


def test_the_session_s_ec2_client_validates_and_answers_as_botocore_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPECTL_CACHE_DIR", str(tmp_path))
    ec2 = AwsSession(AwsSettings(region="us-east-1")).client("ec2")
    assert not hasattr(ec2, "run_instances")  # only what pipectl calls
    with pytest.raises(ParamValidationError):
        ec2.describe_network_interfaces(NetworkInterfaceIds="eni-1")  # not a list
    with Stubber(ec2) as stubber:
        stubber.add_response(
            "describe_network_interfaces",
            {"NetworkInterfaces": [{"NetworkInterfaceId": "eni-0123456789abcdef0",
                                    "Association": {"PublicIp": "203.0.113.7"}}]},
            {"NetworkInterfaceIds": ["eni-0123456789abcdef0"]})
        got = ec2.describe_network_interfaces(NetworkInterfaceIds=["eni-0123456789abcdef0"])
    assert got["NetworkInterfaces"][0]["Association"]["PublicIp"] == "203.0.113.7"


def test_the_trimmed_model_is_cached_and_reused(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    TrimmingLoader(tmp_path).load_service_model("ec2", "service-2")
    [cached] = (tmp_path / "botocore-models").iterdir()
    assert cached.stat().st_size < 100_000  # the full EC2 model is about 6 MB

    loaded: list[str] = []
    original = botocore.loaders.Loader.load_data

    def spy(self: Any, name: str) -> Any:
        loaded.append(name)
        return original(self, name)

    monkeypatch.setattr(botocore.loaders.Loader, "load_data", spy)
    again = TrimmingLoader(tmp_path).load_service_model("ec2", "service-2")
    assert set(again["operations"]) == OPERATIONS_USED["ec2"]
    assert not any(name.endswith("service-2") for name in loaded)

    cached.write_text("{not json")  # damaged: trimmed again, and rewritten
    assert set(TrimmingLoader(tmp_path).load_service_model("ec2", "service-2")[
        "operations"]) == OPERATIONS_USED["ec2"]
    assert cached.read_text().startswith("{\"")


def test_every_call_pipectl_makes_on_a_trimmed_service_is_kept() -> None:
    """Read the code: each method called on a client of a trimmed service is listed."""
    for service, kept in OPERATIONS_USED.items():
        called: set[str] = set()
        for path in SRC.rglob("*.py"):
            if "sandbox" in path.parts:
                continue  # the sandbox serves AWS; it does not call it through pipectl
            text = path.read_text()
            uses = len(re.findall(rf'client\("{service}"\)', text))
            chained = re.findall(rf'client\("{service}"\)\s*\.\s*(\w+)\(', text)
            variables = re.findall(rf'(\w+)\s*=\s*[\w.]+\.client\("{service}"\)\s*$', text,
                                   re.MULTILINE)
            assert uses == len(chained) + len(variables), (
                f"{path}: a {service} client is used in a way this test cannot follow")
            called.update(chained)
            for variable in variables:
                called.update(re.findall(rf"\b{variable}\.(\w+)\(", text))
            assert not re.search(rf'call\(\w+(\.\w+)?, "{service}"', text), path
        model = botocore.session.Session().get_service_model(service)
        names = {botocore.xform_name(op): op for op in model.operation_names}
        assert called, service
        assert {names[method] for method in called} <= kept
