"""deploy.circuit_breaker, deploy.alarms, deploy.minimum_healthy_percent and
deploy.maximum_percent: validated, and sent as the service's deploymentConfiguration in
botocore's shapes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from pipectl.spec import rollout
from tests.conftest import REPO_ROOT, run_cli
from tests.resources.specs import make_spec, make_state, spec_data, write_project
from tests.resources.test_requests import validate

CREATE = {"desired_count": 2, "subnets": ["subnet-0abc1234"], "assign_public_ip": True}


def configuration(**deploy: Any) -> dict[str, Any]:
    state = make_state(make_spec(deploy=deploy))
    assert state.ecs is not None
    for request in (state.ecs.service.create_request(), state.ecs.service.update_request()):
        validate("ecs", "CreateService" if "serviceName" in request else "UpdateService",
                 request)
    return dict(state.ecs.service.update_request()["deploymentConfiguration"])


def test_alarms_a_list_of_names_roll_back_and_bounds_are_sent() -> None:
    config = configuration(alarms=["hello-web-5xx", "hello-web-p99"],
                           minimum_healthy_percent=50, maximum_percent=150)
    assert config == {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "alarms": {"alarmNames": ["hello-web-5xx", "hello-web-p99"], "enable": True,
                   "rollback": True},
        "minimumHealthyPercent": 50, "maximumPercent": 150}


def test_alarms_without_rollback_and_the_breaker_off() -> None:
    config = configuration(alarms={"names": ["hello-web-5xx"], "rollback": False},
                           circuit_breaker={"enable": False, "rollback": False})
    assert config["alarms"] == {"alarmNames": ["hello-web-5xx"], "enable": True,
                                "rollback": False}
    assert config["deploymentCircuitBreaker"] == {"enable": False, "rollback": False}


def test_a_breaker_threshold_is_sent_or_refused_as_the_installed_botocore_allows(
    in_tmp: Path,
) -> None:
    """pyproject lets boto3 be older than ECS's thresholdConfiguration, so both cases are
    real: whichever botocore is installed, validate and the request agree with its model
    (the refusal of an older one is also forced below, whatever is installed)."""
    threshold = {"type": "COUNT", "value": 5}
    write_project(in_tmp, spec=spec_data(deploy={"circuit_breaker": {"threshold": threshold}}))
    shutil.copy(REPO_ROOT / "buildspec.yml", in_tmp / "buildspec.yml")
    result = run_cli(["validate"], environ={})
    if rollout.botocore_knows_breaker_threshold():
        assert result.exit_code == 0, result.output
        config = configuration(circuit_breaker={"threshold": threshold})
        assert config["deploymentCircuitBreaker"] == {
            "enable": True, "rollback": True, "thresholdConfiguration": threshold}
    else:
        assert result.exit_code == 2, result.output
        assert "deploy.circuit_breaker.threshold" in result.output


def test_a_threshold_is_refused_by_a_botocore_that_does_not_know_it(
    monkeypatch: pytest.MonkeyPatch, in_tmp: Path,
) -> None:
    monkeypatch.setattr(rollout, "botocore_knows_breaker_threshold", lambda: False)
    data = spec_data(deploy={"circuit_breaker": {"threshold": {"type": "COUNT", "value": 5}}})
    write_project(in_tmp, spec=data)
    result = run_cli(["validate"], environ={})
    assert result.exit_code == 2
    assert "deploy.circuit_breaker.threshold" in result.output
    assert "does not know the circuit breaker's thresholdConfiguration" in result.output


@pytest.mark.parametrize(("deploy", "where", "words"), [
    ({"maximum_percent": 100}, "deploy.maximum_percent",
     "must be above deploy.minimum_healthy_percent"),
    ({"minimum_healthy_percent": 120}, "deploy.minimum_healthy_percent", "100"),
    ({"alarms": []}, "deploy.alarms", "at least 1"),
    ({"alarms": ["a", "a"]}, "deploy.alarms", "an alarm is named twice"),
    ({"circuit_breaker": {"enable": False, "rollback": True}},
     "deploy.circuit_breaker.rollback", "needs circuit_breaker.enable"),
    ({"create_service": None, "alarms": ["hello-web-5xx"]}, "deploy.alarms",
     "deploy.create_service is not set"),
])
def test_bad_rollout_settings_are_clear_errors(
    deploy: dict[str, Any], where: str, words: str, in_tmp: Path,
) -> None:
    data = spec_data(deploy=deploy)
    if deploy.get("create_service", CREATE) is None:
        data["deploy"].pop("create_service")
    write_project(in_tmp, spec=data)
    result = run_cli(["validate"], environ={})
    assert result.exit_code == 2, result.output
    assert where in result.output and words in result.output, result.output
    assert "Traceback" not in result.output
