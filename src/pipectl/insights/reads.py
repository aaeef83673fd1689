"""Read the last runs and what they touched: few calls, batched, parallel by service.

Three independent lines of reads run at once, one per group of services, so that no
client is used from two threads: CodePipeline then CodeBuild then CloudWatch Logs
(the runs, their builds, the logs of the latest builds), ECS (the service, its tasks,
its task definition and load balancer), and ECR (the images). Per N runs that is:
one ListPipelineExecutions page per 100 runs, one ListActionExecutions page per 100
action executions (all runs at once, not one call per run), one BatchGetBuilds per
100 builds, and a fixed number of ECS, ECR and log reads.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from pipectl.aws.errors import aws_call
from pipectl.aws.log_events import read_log_page
from pipectl.aws.paging import pages
from pipectl.insights.evidence import Doc, Evidence, Target
from pipectl.runs.reads import Clients
from pipectl.runs.reads.codepipeline import recent_executions
from pipectl.runs.values import epoch

#: Build logs read for cache hits: the latest builds are what the cache state is now.
LOGGED_BUILDS = 5
#: Lines of a build log read (one GetLogEvents page from the head holds a docker build).
LOG_LINES = 1000
MAX_PAGES = 50


def gather(clients: Clients, target: Target, runs: int) -> Evidence:
    evidence = Evidence(target=target)
    jobs: list[Callable[[], None]] = [
        lambda: _pipeline_side(clients, evidence, runs),
        lambda: _ecs_side(clients, evidence),
        lambda: _ecr_side(clients, evidence),
    ]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()
    return evidence


# --- CodePipeline -> CodeBuild -> Logs ------------------------------------------------


def _pipeline_side(clients: Clients, evidence: Evidence, runs: int) -> None:
    target = evidence.target
    codepipeline = clients.client("codepipeline")
    with aws_call("codepipeline:GetPipeline", resource=target.pipeline):
        evidence.pipeline = codepipeline.get_pipeline(name=target.pipeline)["pipeline"]
    evidence.executions = recent_executions(clients, target.pipeline, runs)
    if not evidence.executions:
        return
    evidence.actions = action_executions(clients, target.pipeline, evidence.executions)
    build_ids = [
        str(result["externalExecutionId"])
        for details in evidence.actions.values()
        for detail in details
        if ((detail.get("input") or {}).get("actionTypeId") or {}).get("provider") == "CodeBuild"
        and (result := (detail.get("output") or {}).get("executionResult") or {})
        .get("externalExecutionId")
    ]
    evidence.project = _project(clients, target.project)
    evidence.builds = builds(clients, build_ids)
    latest = sorted(evidence.builds.values(), key=lambda b: epoch(b.get("startTime")) or 0.0,
                    reverse=True)[:LOGGED_BUILDS]
    for build in latest:
        logs = build.get("logs") or {}
        if logs.get("groupName") and logs.get("streamName"):
            evidence.build_logs[build["id"]] = _log_head(
                clients, str(logs["groupName"]), str(logs["streamName"]))


def action_executions(
    clients: Clients, pipeline: str, executions: list[Doc]
) -> dict[str, list[Doc]]:
    """Every action execution of these runs, from the pipeline-wide listing.

    Unfiltered, ListActionExecutions pages through all of the pipeline's action
    executions, newest first: a page of 100 covers ~30 runs of three actions, so N runs
    cost N/30 calls instead of N. Paging stops once it is past the oldest run wanted.
    """
    wanted = {str(e["pipelineExecutionId"]) for e in executions}
    oldest = min((epoch(e.get("startTime")) or 0.0) for e in executions)
    found: dict[str, list[Doc]] = {key: [] for key in wanted}
    for response in pages(clients.client("codepipeline").list_action_executions,
                          {"pipelineName": pipeline, "maxResults": 100},
                          operation="codepipeline:ListActionExecutions", resource=pipeline,
                          max_pages=MAX_PAGES):
        page = response.get("actionExecutionDetails", [])
        for detail in page:
            if detail.get("pipelineExecutionId") in wanted:
                found[str(detail["pipelineExecutionId"])].append(detail)
        starts = [epoch(d.get("startTime")) for d in page]
        if starts and all(s is not None and s < oldest for s in starts):
            break
    for details in found.values():
        details.sort(key=lambda d: epoch(d.get("startTime")) or 0.0)
    return found


def builds(clients: Clients, build_ids: list[str]) -> dict[str, Doc]:
    """BatchGetBuilds, 100 ids a call."""
    ids = list(dict.fromkeys(build_ids))
    found: dict[str, Doc] = {}
    client = clients.client("codebuild")
    for start in range(0, len(ids), 100):
        chunk = ids[start:start + 100]
        with aws_call("codebuild:BatchGetBuilds", resource=f"{len(chunk)} builds"):
            response = client.batch_get_builds(ids=chunk)
        for build in response.get("builds", []):
            found[str(build["id"])] = build
    return found


def _project(clients: Clients, project: str) -> Doc | None:
    with aws_call("codebuild:BatchGetProjects", resource=project):
        response = clients.client("codebuild").batch_get_projects(names=[project])
    projects = response.get("projects") or []
    return dict(projects[0]) if projects else None


def _log_head(clients: Clients, group: str, stream: str) -> tuple[str, ...]:
    page = read_log_page(clients.client("logs"), group, stream, from_head=True,
                         limit=LOG_LINES)
    return page.lines if page else ()  # expired or never written: no evidence, no error


# --- ECS (and the load balancer's target groups) ---------------------------------------


def _ecs_side(clients: Clients, evidence: Evidence) -> None:
    target = evidence.target
    ecs = clients.client("ecs")
    with aws_call("ecs:DescribeServices", resource=f"{target.cluster}/{target.service}"):
        response = ecs.describe_services(cluster=target.cluster, services=[target.service])
    found = [s for s in response.get("services", []) if s.get("status") != "INACTIVE"]
    if not found:
        return
    evidence.service = found[0]
    arns: list[str] = []
    for status in ("RUNNING", "STOPPED"):
        for page in pages(ecs.list_tasks,
                          {"cluster": target.cluster, "serviceName": target.service,
                           "desiredStatus": status, "maxResults": 100},
                          operation="ecs:ListTasks",
                          resource=f"{target.cluster}/{target.service}", max_pages=MAX_PAGES):
            arns.extend(page.get("taskArns", []))
    for start in range(0, len(arns), 100):
        with aws_call("ecs:DescribeTasks", resource=f"{target.cluster}/{target.service}"):
            described = ecs.describe_tasks(cluster=target.cluster, tasks=arns[start:start + 100])
        evidence.tasks.extend(described.get("tasks", []))
    definition = evidence.service.get("taskDefinition")
    if definition:
        with aws_call("ecs:DescribeTaskDefinition", resource=str(definition)):
            evidence.task_definition = ecs.describe_task_definition(
                taskDefinition=definition)["taskDefinition"]
    groups = [lb["targetGroupArn"] for lb in evidence.service.get("loadBalancers") or []
              if lb.get("targetGroupArn")]
    if groups:
        evidence.target_groups = target_groups(clients, groups)


def target_groups(clients: Clients, arns: list[str]) -> list[Doc]:
    elbv2 = clients.client("elbv2")
    with aws_call("elasticloadbalancing:DescribeTargetGroups", resource=", ".join(arns)):
        groups = elbv2.describe_target_groups(TargetGroupArns=arns).get("TargetGroups", [])
    result = []
    for group in groups:
        with aws_call("elasticloadbalancing:DescribeTargetGroupAttributes",
                      resource=group["TargetGroupArn"]):
            attributes = elbv2.describe_target_group_attributes(
                TargetGroupArn=group["TargetGroupArn"]).get("Attributes", [])
        result.append({**group, "attributes": {a["Key"]: a["Value"] for a in attributes}})
    return result


# --- ECR ------------------------------------------------------------------------------------


def _ecr_side(clients: Clients, evidence: Evidence) -> None:
    from pipectl.errors import AwsError

    repository = evidence.target.repository
    try:
        for page in pages(clients.client("ecr").describe_images,
                          {"repositoryName": repository, "maxResults": 1000},
                          operation="ecr:DescribeImages", resource=repository,
                          max_pages=MAX_PAGES):
            evidence.images.extend(page.get("imageDetails", []))
    except AwsError as exc:
        if exc.code != "RepositoryNotFoundException":
            raise
        # No repository yet: no images to weigh.
