"""The ECS (rolling update) deploy action: a new task definition revision with the
images of ``imagedefinitions.json``, a rollout of the service, and the wait for it."""

from __future__ import annotations

import json
from datetime import datetime

from pipectl.sandbox import backends
from pipectl.sandbox.codepipeline import access as action_access
from pipectl.sandbox.codepipeline.access import ActionRefused
from pipectl.sandbox.codepipeline.actions import base
from pipectl.sandbox.codepipeline.actions.base import Done
from pipectl.sandbox.codepipeline.model import ActionRun, Execution
from pipectl.sandbox.ecs.deployments import Deployments
from pipectl.sandbox.ecs.rollout import LAUNCH_AFTER, Rollout
from pipectl.sandbox.runtime import Runtime

# When the deploy action first looks at the tasks of its rollout (ListTasks, DescribeTasks).
WATCH_TASKS_AFTER = LAUNCH_AFTER + 1.0
DEFAULT_DEPLOY_TIMEOUT_MINUTES = 60


class EcsDeployAction:
    """Rolls the service out with the images the build wrote, and waits for ECS."""

    def __init__(self, runtime: Runtime, deployments: Deployments) -> None:
        self.runtime = runtime
        self.deployments = deployments

    def run(self, execution: Execution, action: ActionRun, at: datetime, done: Done) -> None:
        config = action.resolved_configuration
        cluster, service_name = config.get("ClusterName", ""), config.get("ServiceName", "")
        file_name = config.get("FileName") or "imagedefinitions.json"

        def fail(message: str) -> None:
            base.fail(action, at, "JobFailed", message)
            self.runtime.scheduler.at(at, done)

        caller = action.caller
        assert caller is not None
        try:
            action_access.read_artifacts(caller, [a["s3location"] for a in action.input_artifacts])
            action_access.describe_service(caller, cluster, service_name)
        except ActionRefused as refused:
            fail(str(refused))
            return
        service = backends.find_service(execution.account, execution.region, cluster, service_name)
        if service is None:
            fail(f"The Amazon ECS service '{service_name}' does not exist in cluster '{cluster}'.")
            return
        text = None
        for artifact in action.input_artifacts:
            location = artifact["s3location"]
            text = backends.read_zip_member(
                execution.account, location["bucket"], location["key"], file_name
            )
            if text is not None:
                break
        if text is None:
            fail(
                f"Invalid action configuration: Exception while trying to read the image "
                f"artifact file {file_name} from the artifact bucket"
            )
            return
        try:
            images = {str(i["name"]): str(i["imageUri"]) for i in json.loads(text)}
        except (ValueError, KeyError, TypeError):
            fail(f"Invalid action configuration: {file_name} is not a valid image definitions file")
            return
        current = backends.describe_task_definition(
            execution.account, execution.region, service.task_definition
        )
        names = {c.get("name") for c in current.container_definitions}
        unknown = [n for n in images if n not in names]
        if unknown:
            fail(f"Invalid action configuration: The AWS ECS container {unknown[0]} does not exist")
            return
        try:
            action_access.register_revision(
                caller, current.family,
                backends.next_revision(execution.account, execution.region, current.family),
                current.tags, backends.task_roles(current),
            )
            action_access.update_service(caller, cluster, service_name)
        except ActionRefused as refused:
            fail(str(refused))
            return
        revision = backends.register_revision_with_images(
            execution.account, execution.region, current.arn, images
        )
        service.task_definition = revision.arn
        fault = self.runtime.faults.take_deploy_fault(service.name)
        rollout = self.deployments.start(
            execution.account, execution.region, service, at, fault=fault
        )
        action.external_id = rollout.id
        action.external_url = (
            f"https://console.aws.amazon.com/ecs/v2/clusters/{cluster}/services/"
            f"{service_name}/deployments?region={execution.region}"
        )
        action.summary = f"Deploying {revision.arn.rsplit('/', 1)[-1]} to {service_name}"
        minutes = int(config.get("DeploymentTimeout") or DEFAULT_DEPLOY_TIMEOUT_MINUTES)

        def rolled(rollout: Rollout, due: datetime) -> None:
            if action.status == "InProgress" and rollout.engine_error:
                base.fail(action, due, "JobFailed", rollout.engine_error)
                done(due)
                return
            if action.status != "InProgress" or rollout.state != "COMPLETED":
                return  # FAILED: CodePipeline waits for the timeout, as on AWS
            action.status = "Succeeded"
            action.summary = f"Deployed {revision.arn.rsplit('/', 1)[-1]} to {service_name}"
            done(due)

        def timed_out(due: datetime) -> None:
            if action.status != "InProgress":
                return
            base.fail(
                action,
                due,
                "JobFailed",
                f"The Amazon ECS deployment {rollout.id} of service {service_name} did not "
                f"complete within {minutes} minutes: "
                f"{rollout.deployment.get('rolloutStateReason')}",
            )
            done(due)

        def watch_tasks(due: datetime) -> None:
            if action.status != "InProgress":
                return
            tasks = [arn for arn, task in self.deployments.tasks.items()
                     if task["startedBy"] == rollout.id]
            try:
                action_access.watch_tasks(caller, cluster, tasks)
            except ActionRefused as refused:
                base.fail(action, due, "JobFailed", str(refused))
                done(due)

        rollout.on_done.append(rolled)
        action.timeout = self.runtime.scheduler.after(at, minutes * 60, timed_out)
        self.runtime.scheduler.after(at, WATCH_TASKS_AFTER, watch_tasks)
