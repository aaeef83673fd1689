"""A pipeline's recent history in the response shapes AWS documents, served through
botocore's Stubber (which checks every response against the service model).

``World`` describes the runs (phase durations, rollout timings, logs, the service's
configuration); ``World.script`` answers each call as it is made, so reads made from
several threads still get their own responses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pipectl.insights.evidence import Target
from tests.runs.world import ErrorReply, StubbedClients

T0 = 1_800_000_000.0
ACCOUNT = "123456789012"
PIPELINE = "hello-web"
PROJECT = "hello-web-build"
CLUSTER = "hello-cluster"
SERVICE = "hello-web"
REPOSITORY = "hello-web"
TARGET = Target(PIPELINE, PROJECT, REPOSITORY, CLUSTER, SERVICE, "web")
TG_ARN = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/hello-web/0123456789abcdef"
PHASES = ("SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD",
          "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING")

COLD_LOG = (
    "#0 building with \"pipectl\" instance using docker-container driver",
    "#1 [internal] load build definition from Dockerfile",
    "#5 [base 1/4] FROM public.ecr.aws/nginx/nginx:1.27-alpine",
    "#6 [base 2/4] RUN apk add --no-cache curl",
    "#7 [base 3/4] COPY app/ /usr/share/nginx/html/",
    "#8 [base 4/4] RUN nginx -t",
)
WARM_LOG = (*COLD_LOG[:2], "#5 [base 1/4] FROM public.ecr.aws/nginx/nginx:1.27-alpine",
            "#5 CACHED", "#6 [base 2/4] RUN apk add --no-cache curl", "#6 CACHED",
            "#7 [base 3/4] COPY app/ /usr/share/nginx/html/", "#7 CACHED",
            "#8 [base 4/4] RUN nginx -t")


def at(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(T0 + seconds, tz=dt.timezone.utc)


@dataclass
class RunSpec:
    """One run: seconds of each build phase, the rollout's timings, the build log."""

    status: str = "Succeeded"
    revision: str = ""
    wait: float = 1.0  # execution start -> first action
    source: float = 3.0
    phases: dict[str, float] = field(default_factory=lambda: {
        "SUBMITTED": 1, "QUEUED": 1, "PROVISIONING": 15, "DOWNLOAD_SOURCE": 3,
        "INSTALL": 1, "PRE_BUILD": 5, "BUILD": 40, "POST_BUILD": 8,
        "UPLOAD_ARTIFACTS": 1, "FINALIZING": 1})
    placement: float = 5.0
    pull: float = 6.0
    start: float = 2.0
    healthy: float = 10.0
    drain: float = 5.0
    steady: float = 3.0
    log: tuple[str, ...] = WARM_LOG


@dataclass
class World:
    runs: list[RunSpec]  # oldest first
    every: float = 3600.0  # seconds between runs
    compute_type: str = "BUILD_GENERAL1_SMALL"
    build_image: str = "aws/codebuild/standard:7.0"
    cache_type: str = "NO_CACHE"
    pipeline_type: str = "V2"
    execution_mode: str = "SUPERSEDED"
    desired: int = 2
    minimum_percent: int = 100
    maximum_percent: int = 200
    target_group: dict[str, Any] | None = None  # HealthCheckIntervalSeconds, ... + delay
    container_health_check: dict[str, Any] | None = None
    image_bytes: int = 60 * 1024**2
    ecr_error: str | None = None  # DescribeImages fails with this AWS error code
    scale_up: float | None = None  # seconds of a Commands action after the ECS one
    clients: StubbedClients = field(init=False)

    def __post_init__(self) -> None:
        for index, run in enumerate(self.runs):
            run.revision = run.revision or f"{index + 1:07x}" + "ab" * 16 + "0"
        self.clients = StubbedClients(script=self.script)
        self._timeline = [self._times(i, run) for i, run in enumerate(self.runs)]

    # --- the runs' timestamps ------------------------------------------------------

    def _times(self, index: int, run: RunSpec) -> dict[str, Any]:
        begin = index * self.every
        source_start = begin + run.wait
        build_start = source_start + run.source + 1
        phases = []
        cursor = build_start
        for name in PHASES:
            seconds = run.phases.get(name, 0)
            phases.append((name, cursor, cursor + seconds))
            cursor += seconds
        build_end = cursor
        deploy_start = build_end + 1
        placed = deploy_start + run.placement
        pulled = placed + run.pull
        running = pulled + run.start
        drain_start = running + run.healthy
        drained = drain_start + run.drain
        steady = drained + run.steady
        deploy_end = steady + 2
        return {"id": f"0000000{index:d}-1111-4222-8333-{index:012d}", "begin": begin,
                "source": (source_start, source_start + run.source),
                "build": (build_start, build_end), "phases": phases,
                "deploy": (deploy_start, deploy_end), "placed": placed, "pulled": pulled,
                "running": running, "drain": (drain_start, drained), "steady": steady,
                "end": deploy_end + 0.5, "build_id": f"{PROJECT}:0000-{index}",
                "deployment": f"ecs-svc/{1000 + index}"}

    # --- the AWS responses ---------------------------------------------------------

    def script(self, service: str, operation: str,
               params: dict[str, Any]) -> dict[str, Any] | ErrorReply:
        handler = getattr(self, f"_{service.replace('-', '_')}_{operation}")
        response: dict[str, Any] | ErrorReply = handler(params)
        return response

    def _codepipeline_GetPipeline(self, params: dict[str, Any]) -> dict[str, Any]:
        def action(name: str, category: str, provider: str) -> dict[str, Any]:
            return {"name": name, "actionTypeId": {"category": category, "owner": "AWS",
                                                   "provider": provider, "version": "1"}}
        return {"pipeline": {
            "name": PIPELINE, "roleArn": f"arn:aws:iam::{ACCOUNT}:role/hello-web-codepipeline",
            "pipelineType": self.pipeline_type, "executionMode": self.execution_mode,
            "stages": [{"name": "Source", "actions": [action("Source", "Source",
                                                             "CodeStarSourceConnection")]},
                       {"name": "Build", "actions": [action("Build", "Build", "CodeBuild")]},
                       {"name": "Deploy", "actions": [action("Deploy", "Deploy", "ECS")] + (
                           [action("ScaleUp", "Compute", "Commands")]
                           if self.scale_up is not None else [])}]}}

    def _codepipeline_ListPipelineExecutions(self, params: dict[str, Any]) -> dict[str, Any]:
        summaries = []
        for run, times in zip(self.runs, self._timeline, strict=True):
            summaries.append({
                "pipelineExecutionId": times["id"], "status": run.status,
                "startTime": at(times["begin"]), "lastUpdateTime": at(times["end"]),
                "sourceRevisions": [{"actionName": "Source", "revisionId": run.revision,
                                     "revisionSummary": "a change"}],
                "trigger": {"triggerType": "Webhook"},
                "executionMode": self.execution_mode})
        summaries.reverse()
        limit = int(params.get("maxResults") or 100)
        return {"pipelineExecutionSummaries": summaries[:limit]}

    def _codepipeline_ListActionExecutions(self, params: dict[str, Any]) -> dict[str, Any]:
        details = []
        for run, times in zip(self.runs, self._timeline, strict=True):
            def detail(stage: str, provider: str, window: tuple[float, float],
                       external: str, times: dict[str, Any] = times) -> dict[str, Any]:
                return {"pipelineExecutionId": times["id"],
                        "actionExecutionId": f"{times['id']}-{stage}", "pipelineVersion": 1,
                        "stageName": stage, "actionName": stage,
                        "startTime": at(window[0]), "lastUpdateTime": at(window[1]),
                        "status": "Succeeded",
                        "input": {"actionTypeId": {"category": stage if stage != "Deploy"
                                                   else "Deploy", "owner": "AWS",
                                                   "provider": provider, "version": "1"}},
                        "output": {"executionResult": {"externalExecutionId": external}}}
            details += [detail("Source", "CodeStarSourceConnection", times["source"],
                               run.revision),
                        detail("Build", "CodeBuild", times["build"], times["build_id"]),
                        detail("Deploy", "ECS", times["deploy"], times["deployment"])]
            if self.scale_up is not None:  # the Commands action's own CodeBuild build
                end = times["deploy"][1]
                details.append({**detail("Deploy", "Commands", (end, end + self.scale_up),
                                         f"{PROJECT}-commands:{times['id']}"),
                                "actionName": "ScaleUp",
                                "actionExecutionId": f"{times['id']}-ScaleUp",
                                "input": {"actionTypeId": {
                                    "category": "Compute", "owner": "AWS",
                                    "provider": "Commands", "version": "1"}}})
        details.sort(key=lambda d: d["startTime"], reverse=True)
        offset = int(params.get("nextToken") or 0)
        size = int(params.get("maxResults") or 100)
        page: dict[str, Any] = {"actionExecutionDetails": details[offset:offset + size]}
        if offset + size < len(details):
            page["nextToken"] = str(offset + size)
        return page

    def _codebuild_BatchGetProjects(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"projects": [{
            "name": PROJECT, "arn": f"arn:aws:codebuild:us-east-1:{ACCOUNT}:project/{PROJECT}",
            "environment": {"type": "LINUX_CONTAINER", "image": self.build_image,
                            "computeType": self.compute_type, "privilegedMode": True},
            "cache": {"type": self.cache_type}}]}

    def _codebuild_BatchGetBuilds(self, params: dict[str, Any]) -> dict[str, Any]:
        builds = []
        for times in self._timeline:
            if times["build_id"] not in params["ids"]:
                continue
            phases = [{"phaseType": name, "phaseStatus": "SUCCEEDED", "startTime": at(start),
                       "endTime": at(end), "durationInSeconds": round(end - start)}
                      for name, start, end in times["phases"]]
            phases.append({"phaseType": "COMPLETED", "startTime": at(times["build"][1])})
            stream = times["build_id"].split(":", 1)[1]
            builds.append({
                "id": times["build_id"], "buildStatus": "SUCCEEDED",
                "startTime": at(times["build"][0]), "endTime": at(times["build"][1]),
                "currentPhase": "COMPLETED", "phases": phases,
                "environment": {"type": "LINUX_CONTAINER", "image": self.build_image,
                                "computeType": self.compute_type},
                "logs": {"groupName": f"/aws/codebuild/{PROJECT}", "streamName": stream}})
        return {"builds": builds}

    def _logs_GetLogEvents(self, params: dict[str, Any]) -> dict[str, Any]:
        index = int(params["logStreamName"].rsplit("-", 1)[1])
        lines = self.runs[index].log
        return {"events": [{"timestamp": 1, "message": line, "ingestionTime": 1}
                           for line in lines], "nextForwardToken": "f/1"}

    def _ecs_DescribeServices(self, params: dict[str, Any]) -> dict[str, Any]:
        events = [{"id": f"e{i}", "createdAt": at(times["steady"]),
                   "message": f"(service {SERVICE}) has reached a steady state."}
                  for i, times in enumerate(self._timeline)]
        events.reverse()
        if not self._timeline:
            return {"services": [], "failures": []}
        latest = self._timeline[-1]
        service: dict[str, Any] = {
            "serviceName": SERVICE, "status": "ACTIVE", "desiredCount": self.desired,
            "runningCount": self.desired,
            "taskDefinition": f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/hello-web:9",
            "deploymentConfiguration": {"maximumPercent": self.maximum_percent,
                                        "minimumHealthyPercent": self.minimum_percent},
            "deployments": [{"id": latest["deployment"], "status": "PRIMARY",
                             "rolloutState": "COMPLETED"}],
            "events": events[:100]}
        if self.target_group is not None:
            service["loadBalancers"] = [{"targetGroupArn": TG_ARN, "containerName": "web",
                                         "containerPort": 80}]
        return {"services": [service], "failures": []}

    def _tasks(self) -> list[dict[str, Any]]:
        tasks = []
        for index, times in enumerate(self._timeline):
            following = self._timeline[index + 1] if index + 1 < len(self._timeline) else None
            for n in range(self.desired):
                task: dict[str, Any] = {
                    "taskArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:task/{CLUSTER}/{index:04d}{n}",
                    "startedBy": times["deployment"], "cpu": "256", "memory": "512",
                    "createdAt": at(times["placed"]), "pullStartedAt": at(times["placed"]),
                    "pullStoppedAt": at(times["pulled"]), "startedAt": at(times["running"]),
                    "lastStatus": "RUNNING", "desiredStatus": "RUNNING"}
                if following is not None:
                    task.update(lastStatus="STOPPED", desiredStatus="STOPPED",
                                stopCode="ServiceSchedulerInitiated",
                                stoppedReason="Scaling activity initiated by (deployment "
                                              f"{following['deployment']})",
                                stoppingAt=at(following["drain"][0]),
                                stoppedAt=at(following["drain"][1]))
                tasks.append(task)
        return tasks

    def _ecs_ListTasks(self, params: dict[str, Any]) -> dict[str, Any]:
        wanted = params.get("desiredStatus", "RUNNING")
        return {"taskArns": [t["taskArn"] for t in self._tasks()
                             if t["desiredStatus"] == wanted]}

    def _ecs_DescribeTasks(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"tasks": [t for t in self._tasks() if t["taskArn"] in params["tasks"]],
                "failures": []}

    def _ecs_DescribeTaskDefinition(self, params: dict[str, Any]) -> dict[str, Any]:
        container: dict[str, Any] = {"name": "web", "image": "hello-web:abc", "essential": True}
        if self.container_health_check is not None:
            container["healthCheck"] = self.container_health_check
        return {"taskDefinition": {"family": "hello-web", "revision": 9, "cpu": "256",
                                   "memory": "512", "containerDefinitions": [container]}}

    def _elbv2_DescribeTargetGroups(self, params: dict[str, Any]) -> dict[str, Any]:
        assert self.target_group is not None
        group = {k: v for k, v in self.target_group.items() if k != "delay"}
        return {"TargetGroups": [{"TargetGroupArn": TG_ARN, "TargetGroupName": "hello-web",
                                  **group}]}

    def _elbv2_DescribeTargetGroupAttributes(self, params: dict[str, Any]) -> dict[str, Any]:
        assert self.target_group is not None
        delay = str(self.target_group.get("delay", 300))
        return {"Attributes": [{"Key": "deregistration_delay.timeout_seconds",
                                "Value": delay}]}

    def _ecr_DescribeImages(self, params: dict[str, Any]) -> dict[str, Any] | ErrorReply:
        if self.ecr_error:
            return ErrorReply(self.ecr_error)
        images = []
        for run, times in zip(self.runs, self._timeline, strict=True):
            images.append({"registryId": ACCOUNT, "repositoryName": REPOSITORY,
                           "imageDigest": "sha256:" + run.revision[:8] * 8,
                           "imageTags": [run.revision[:7]],
                           "imageSizeInBytes": self.image_bytes,
                           "imagePushedAt": at(times["build"][1] - 2)})
        return {"imageDetails": images}
