"""Why tasks stopped, from DescribeTasks in the form the ECS API reference documents.

ECS stops a task that fails its container health checks with stopCode
ServiceSchedulerInitiated, the code it also gives the old tasks a deployment drains:
the first is the likely cause of a failed rollout, the second says nothing.
"""

from __future__ import annotations

from pipectl.runs.reads.ecs import stopped_task_reasons
from tests.runs.world import CLUSTER, SERVICE, StubbedClients, task_def

TASK = "arn:aws:ecs:us-east-1:123456789012:task/hello-cluster/"


def test_a_failed_health_check_is_a_reason_a_drained_task_is_not() -> None:
    aws = StubbedClients()
    aws.add("ecs", "list_tasks", {"taskArns": [TASK + "1", TASK + "2", TASK + "3"]},
            {"cluster": CLUSTER, "serviceName": SERVICE, "desiredStatus": "STOPPED",
             "maxResults": 5})
    aws.add("ecs", "describe_tasks", {"tasks": [
        {"taskArn": TASK + "1", "lastStatus": "STOPPED", "taskDefinitionArn": task_def(8),
         "stopCode": "ServiceSchedulerInitiated",
         "stoppedReason": "Task failed container health checks",
         "containers": [{"name": "web", "lastStatus": "STOPPED", "healthStatus": "UNHEALTHY",
                         "exitCode": 137}]},
        {"taskArn": TASK + "2", "lastStatus": "STOPPED", "taskDefinitionArn": task_def(7),
         "stopCode": "ServiceSchedulerInitiated",
         "stoppedReason": "Scaling activity initiated by (deployment ecs-svc/3)"},
        {"taskArn": TASK + "3", "lastStatus": "STOPPED", "taskDefinitionArn": task_def(7),
         "stopCode": "UserInitiated", "stoppedReason": "Task stopped by user"},
    ], "failures": []})

    reasons = stopped_task_reasons(aws, CLUSTER, SERVICE)

    assert reasons == ("Task failed container health checks",)
    aws.assert_all_used()
