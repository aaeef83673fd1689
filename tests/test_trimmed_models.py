"""botocore's loader doing less: trimmed EC2/ELB models, no scan of every service.

The clients pipectl makes must build and validate requests exactly as botocore's own do,
for every operation pipectl calls; the trimmed model is cached and reused.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import botocore.loaders
import botocore.regions
import botocore.session
import pytest
from botocore.exceptions import ParamValidationError
from botocore.stub import Stubber

from pipectl.aws.models import (
    ENDPOINT_PREFIXES,
    OPERATIONS_USED,
    TrimmingLoader,
    trim_model,
    without_documentation,
)
from pipectl.aws.session import AwsSession, AwsSettings

SRC = Path(__file__).resolve().parent.parent / "src" / "pipectl"


def stock_model(service: str) -> Any:
    return botocore.loaders.Loader().load_service_model(service, "service-2")


def undocumented(node: Any, key: str = "") -> Any:
    """``node`` less every ``documentation`` entry that is not a member's name."""
    if isinstance(node, dict):
        return {k: undocumented(v, k) for k, v in node.items()
                if k != "documentation" or key == "members"}
        # (under "members" the keys are member names)
    if isinstance(node, list):
        return [undocumented(v) for v in node]
    return node


@pytest.mark.parametrize("service", sorted(OPERATIONS_USED))
def test_a_trimmed_model_keeps_each_used_operation_as_botocore_defines_it(
    service: str, tmp_path: Path
) -> None:
    full = undocumented(stock_model(service))
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
def test_other_models_load_as_botocore_loads_them_less_their_documentation(
    service: str, tmp_path: Path
) -> None:
    # s3 has sdk-extras: they are applied as botocore applies them.
    stock = stock_model(service)
    expected = undocumented(stock)
    if "clientContextParams" in stock:  # the client's settings, not the API's: kept as is
        expected["clientContextParams"] = stock["clientContextParams"]
    for _ in range(2):  # made, then read from the cache
        loaded = TrimmingLoader(tmp_path).load_service_model(service, "service-2")
        assert loaded == expected
        api = {"operations": loaded["operations"], "shapes": loaded["shapes"]}
        assert '"documentation"' not in json.dumps(api)
    [cached] = (tmp_path / "botocore-models").glob(f"{service}-*.json")
    assert cached.stat().st_size < len(json.dumps(stock)) / 2


def test_a_member_named_documentation_is_a_member_and_stays() -> None:
    model = {"documentation": "<p>The service.</p>", "metadata": {"protocol": "json"},
             "operations": {"Put": {"name": "Put", "documentation": "<p>Puts.</p>",
                                    "input": {"shape": "PutInput", "documentation": "x"},
                                    "errors": [{"shape": "Oops", "documentation": "y"}]}},
             "shapes": {"PutInput": {"type": "structure", "documentation": "<p>In.</p>",
                                     "members": {"documentation": {"shape": "Text",
                                                                   "documentation": "z"}}},
                        "Text": {"type": "string"},
                        "Oops": {"type": "structure", "members": {}, "exception": True}}}
    assert without_documentation(model) == {
        "metadata": {"protocol": "json"},
        "operations": {"Put": {"name": "Put", "input": {"shape": "PutInput"},
                               "errors": [{"shape": "Oops"}]}},
        "shapes": {"PutInput": {"type": "structure",
                                "members": {"documentation": {"shape": "Text"}}},
                   "Text": {"type": "string"},
                   "Oops": {"type": "structure", "members": {}, "exception": True}}}


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


def test_a_new_cache_file_replaces_the_copies_made_for_an_older_key(tmp_path: Path) -> None:
    # A botocore upgrade changes the key: the copy of the old model is dropped, not kept
    # for ever beside the new one; other models' copies stay.
    models = tmp_path / "botocore-models"
    models.mkdir()
    version = botocore.loaders.Loader().determine_latest_version("ec2", "service-2")
    older = models / f"ec2-{version}-0123456789abcdef0123.json"
    other = models / "ecs-2014-11-13-0123456789abcdef0123.json"
    for path in (older, other):
        path.write_text("{}")
    TrimmingLoader(tmp_path).load_service_model("ec2", "service-2")
    kept = sorted(path.name for path in models.iterdir())
    assert other.name in kept and older.name not in kept
    assert len(kept) == 2


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


# --- endpoints.json ---------------------------------------------------------------------

REGIONS = ("us-east-1", "eu-west-2", "cn-north-1", "us-gov-west-1", "us-iso-east-1")


def stock_resolver() -> Any:
    return botocore.regions.EndpointResolver(botocore.loaders.Loader().load_data("endpoints"))


def trimmed_resolver(cache: Path) -> Any:
    endpoints, path = TrimmingLoader(cache).load_data_with_path("endpoints")
    assert botocore.loaders.Loader().is_builtin_path(path)  # botocore knows it for its own
    return botocore.regions.EndpointResolver(endpoints, uses_builtin_data=True)


@pytest.mark.parametrize("prefix", [*sorted(ENDPOINT_PREFIXES), "sqs", "dynamodb"])
def test_every_service_resolves_as_with_botocore_s_whole_endpoints_file(
    prefix: str, tmp_path: Path
) -> None:
    stock, trimmed = stock_resolver(), trimmed_resolver(tmp_path)
    for region in (*REGIONS, None):
        for fips in (False, True):
            expected = _resolved(stock, prefix, region, fips)
            assert _resolved(trimmed, prefix, region, fips) == expected, (prefix, region)
    assert trimmed.get_available_endpoints(prefix) == stock.get_available_endpoints(prefix)
    assert trimmed.get_service_endpoints_data(prefix) == \
        stock.get_service_endpoints_data(prefix)


def _resolved(resolver: Any, prefix: str, region: str | None, fips: bool) -> Any:
    try:
        return resolver.construct_endpoint(prefix, region, use_fips_endpoint=fips)
    except Exception as exc:  # the same refusal either way
        return type(exc).__name__


def test_the_trimmed_endpoints_are_small_cached_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoints, _ = TrimmingLoader(tmp_path).load_data_with_path("endpoints")
    [cached] = (tmp_path / "botocore-models").glob("endpoints-*.json")
    assert cached.stat().st_size < 150_000  # botocore's whole file is about 1.2 MB
    assert dict.keys(endpoints["partitions"][0]["services"]) <= ENDPOINT_PREFIXES

    read: list[str] = []
    original = botocore.loaders.JSONFileLoader.load_file

    def spy(self: Any, path: str) -> Any:
        read.append(path)
        return original(self, path)

    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "load_file", spy)
    again, _ = TrimmingLoader(tmp_path).load_data_with_path("endpoints")
    assert "iam" in again["partitions"][0]["services"]
    assert read == []  # from the cache, not from botocore's file
    assert "sqs" in again["partitions"][0]["services"]  # a service not kept: read whole
    assert [p.rsplit("/", 1)[-1] for p in read] == ["endpoints"]


def test_clients_of_the_session_reach_the_endpoints_botocore_s_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPECTL_CACHE_DIR", str(tmp_path))
    session = AwsSession(AwsSettings(region="eu-west-2"))
    stock = botocore.session.Session()
    for service in ("iam", "s3", "ecs", "sqs"):
        ours = session.client(service)
        theirs = stock.create_client(service, region_name="eu-west-2")
        assert ours.meta.endpoint_url == theirs.meta.endpoint_url, service
        assert ours.meta.config.signature_version == theirs.meta.config.signature_version


def test_every_service_pipectl_makes_a_client_for_has_its_endpoints_kept() -> None:
    """Read the code: each service named to a client (or to the planners' calls)."""
    named: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "sandbox" in path.parts:
            continue
        text = path.read_text()
        named.update(re.findall(r'client\("([a-z0-9-]+)"\)', text))
        named.update(re.findall(r'\b(?:call|read)\(\w+(?:\.\w+)?, "([a-z0-9-]+)", "[A-Z]', text))
    session = botocore.session.Session()
    assert {"codepipeline", "ecs", "ec2", "iam", "s3"} <= named
    assert {session.get_service_model(name).endpoint_prefix for name in named} <= \
        ENDPOINT_PREFIXES
