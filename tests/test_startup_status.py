"""What `status` creates and calls to find the service's URL, and what AWS clients cost.

EC2 is asked (and its large client created) only when a running task's network
interface does not carry its public address, as on AWS and in the sandbox.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from pipectl.aws.session import AwsSession, AwsSettings
from pipectl.runs.endpoint import service_url

CLUSTER, SERVICE = "web", "hello-web"
TASK = "arn:aws:ecs:us-east-1:123456789012:task/web/0123456789abcdef0123456789abcdef"
ENI = "eni-0123456789abcdef0"
ELB = "arn:aws:elasticloadbalancing:us-east-1:123456789012"
TARGET_GROUP = f"{ELB}:targetgroup/web/0123456789abcdef"
BALANCER = f"{ELB}:loadbalancer/app/web/0123456789abcdef"


class StubbedClients:
    """Real botocore clients whose answers come from Stubber; records what was created."""

    def __init__(self, answers: dict[str, list[tuple[str, dict[str, Any], dict[str, Any]]]]):
        self.answers = answers
        self.created: list[str] = []
        self.stubbers: list[Stubber] = []
        self._clients: dict[str, Any] = {}
        self._session = botocore.session.Session()

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self.created.append(service)
            client = self._session.create_client(
                service, region_name="us-east-1", aws_access_key_id="testing",
                aws_secret_access_key="testing")
            stubber = Stubber(client)
            for operation, response, params in self.answers.get(service, []):
                stubber.add_response(operation, response, params)
            stubber.activate()
            self.stubbers.append(stubber)
            self._clients[service] = client
        return self._clients[service]

    def assert_all_answered(self) -> None:
        for stubber in self.stubbers:
            stubber.assert_no_pending_responses()


def service_doc(*, assign_public_ip: str | None = "ENABLED",
                target_group: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"serviceName": SERVICE, "status": "ACTIVE", "runningCount": 1,
                           "loadBalancers": []}
    if assign_public_ip is not None:
        doc["networkConfiguration"] = {"awsvpcConfiguration": {
            "subnets": ["subnet-0123456789abcdef0"], "assignPublicIp": assign_public_ip}}
    if target_group:
        doc["loadBalancers"] = [{"targetGroupArn": target_group, "containerName": "web",
                                 "containerPort": 8080}]
    return doc


def task_answers(details: list[dict[str, str]]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [
        ("list_tasks", {"taskArns": [TASK]},
         {"cluster": CLUSTER, "serviceName": SERVICE, "desiredStatus": "RUNNING",
          "maxResults": 10}),
        ("describe_tasks", {"tasks": [{"taskArn": TASK, "lastStatus": "RUNNING", "attachments": [
            {"type": "ElasticNetworkInterface", "status": "ATTACHED", "details": details}]}]},
         {"cluster": CLUSTER, "tasks": [TASK]}),
    ]


AWS_ATTACHMENT = [  # what ECS reports for a Fargate task: no public address
    {"name": "subnetId", "value": "subnet-0123456789abcdef0"},
    {"name": "networkInterfaceId", "value": ENI},
    {"name": "privateIPv4Address", "value": "10.0.1.23"},
]


@pytest.mark.parametrize(("port", "url"), [(80, "http://203.0.113.7"),
                                           (8080, "http://203.0.113.7:8080")])
def test_a_task_without_its_public_address_is_looked_up_in_ec2(port: int, url: str) -> None:
    clients = StubbedClients({
        "ecs": task_answers(AWS_ATTACHMENT),
        "ec2": [("describe_network_interfaces",
                 {"NetworkInterfaces": [{"NetworkInterfaceId": ENI,
                                         "Association": {"PublicIp": "203.0.113.7"}}]},
                 {"NetworkInterfaceIds": [ENI]})],
    })
    assert service_url(clients, CLUSTER, service_doc(), port) == url
    assert clients.created == ["ecs", "ec2"]
    clients.assert_all_answered()


def test_no_running_task_means_no_ec2_client() -> None:
    clients = StubbedClients({"ecs": [
        ("list_tasks", {"taskArns": []}, {"cluster": CLUSTER, "serviceName": SERVICE,
                                          "desiredStatus": "RUNNING", "maxResults": 10})]})
    assert service_url(clients, CLUSTER, service_doc(), 80) is None
    assert clients.created == ["ecs"]
    clients.assert_all_answered()


def test_tasks_without_public_ips_have_no_url_and_cost_no_call() -> None:
    clients = StubbedClients({})
    assert service_url(clients, CLUSTER, service_doc(assign_public_ip="DISABLED"), 80) is None
    assert clients.created == []


def test_a_service_behind_a_load_balancer_answers_on_its_dns_name_without_ecs_or_ec2() -> None:
    clients = StubbedClients({"elbv2": [
        ("describe_target_groups",
         {"TargetGroups": [{"TargetGroupArn": TARGET_GROUP, "LoadBalancerArns": [BALANCER]}]},
         {"TargetGroupArns": [TARGET_GROUP]}),
        ("describe_load_balancers",
         {"LoadBalancers": [{"LoadBalancerArn": BALANCER,
                             "DNSName": "web-123.us-east-1.elb.amazonaws.com"}]},
         {"LoadBalancerArns": [BALANCER]}),
    ]})
    doc = service_doc(assign_public_ip=None, target_group=TARGET_GROUP)
    assert service_url(clients, CLUSTER, doc, 8080) == "http://web-123.us-east-1.elb.amazonaws.com"
    assert clients.created == ["elbv2"]
    clients.assert_all_answered()


def test_the_aws_session_makes_botocore_clients_once_and_counts_their_calls() -> None:
    session = AwsSession(AwsSettings(region="eu-west-2"))
    ecs = session.client("ecs")
    assert session.client("ecs") is ecs
    assert session.region == "eu-west-2" and ecs.meta.region_name == "eu-west-2"
    with Stubber(ecs) as stubber:
        stubber.add_response("list_clusters", {"clusterArns": []}, {})
        ecs.list_clusters()
    assert session.counter.counts == {"ecs:ListClusters": 1}


def test_aws_clients_do_not_import_boto3() -> None:
    code = ("import sys; from pipectl.aws.session import AwsSession, AwsSettings; "
            "AwsSession(AwsSettings(region='us-east-1')).client('codepipeline'); "
            "print('boto3' in sys.modules, 's3transfer' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.split() == ["False", "False"]


def test_status_imports_none_of_the_watch_s_model() -> None:
    """`status` shows stages, a run and a service: building the watch loop's dataclasses
    (runs.model, runs.exit_status), the spec model (pydantic) or rich is start-up time
    it would pay for nothing (the speed target is in bench/)."""
    code = ("import sys; import pipectl.runs.status, pipectl.ui.status_view, "
            "pipectl.spec.partial, pipectl.cli.cmd_status; "
            "print(sorted(m for m in ('pipectl.runs.model', 'pipectl.runs.exit_status', "
            "'pydantic', 'rich', 'boto3') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_a_load_balancer_answer_without_its_lists_means_no_url() -> None:
    """The model requires neither TargetGroups nor LoadBalancers in an answer."""
    clients = StubbedClients({"elbv2": [
        ("describe_target_groups", {}, {"TargetGroupArns": [TARGET_GROUP]})]})
    doc = service_doc(assign_public_ip=None, target_group=TARGET_GROUP)
    assert service_url(clients, CLUSTER, doc, 8080) is None
    clients = StubbedClients({"elbv2": [
        ("describe_target_groups",
         {"TargetGroups": [{"TargetGroupArn": TARGET_GROUP, "LoadBalancerArns": [BALANCER]}]},
         {"TargetGroupArns": [TARGET_GROUP]}),
        ("describe_load_balancers", {}, {"LoadBalancerArns": [BALANCER]})]})
    assert service_url(clients, CLUSTER, doc, 8080) is None
    clients.assert_all_answered()
