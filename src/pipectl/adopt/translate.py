"""From the live resources to the spec, the task definition and the buildspec.

Everything the spec can state is stated as it is live, so that ``pipectl plan`` right
after the import shows no create, replace or delete; every live setting it cannot
state is noted with what will become of it.
"""

from __future__ import annotations

from typing import Any

from pipectl.adopt.build import build_section, image_section
from pipectl.adopt.live import LivePipeline
from pipectl.adopt.model import CHANGED_BY_CREATE, ImportedPipeline, Notes
from pipectl.adopt.rules import change_detection
from pipectl.errors import InvalidInput
from pipectl.resources.common import ADOPTED_TAG, MANAGED_TAG, Placement, tag_dict
from pipectl.resources.first_deploy import scale_up_count
from pipectl.resources.pipeline import IMAGE_DEFINITIONS_FILE
from pipectl.spec import names as rules
from pipectl.spec.deploy import DeploySettings

TASK_DEFINITION_PATH = "config/task_definition.json"
DEFAULT_DEPLOY_TIMEOUT = 60  # minutes: the ECS action's default without DeploymentTimeout
DEFAULT_PORT = 80


def imported(live: LivePipeline, notes: Notes) -> ImportedPipeline:
    placement = Placement(live.account, live.region)
    name = live.name
    spec_names = rules.DerivedNames.of(name)
    task = task_definition_document(live.task_definition)
    deploy = deploy_section(live, task, notes)
    repository = live.repository_name or spec_names.repository
    repository_uri = f"{placement.ecr_registry}/{repository}"
    build, buildspec = build_section(
        live.project, pipeline=name, container=deploy["container"],
        repository_uri=repository_uri,
        derived_role=_role_arn(placement, spec_names.codebuild_role), notes=notes)
    spec: dict[str, Any] = {"version": 1, "name": name, "region": live.region}
    tags = {k: v for k, v in live.tags.items()
            if not k.startswith(("pipectl:", "aws:"))}
    if tags:
        spec["tags"] = tags
    spec["source"] = source_section(live, notes)
    spec["build"] = build
    image = image_section(live.repository_name, live.repository, live.lifecycle_policy,
                          pipeline=name, notes=notes)
    if image:
        spec["image"] = image
    spec["deploy"] = deploy
    artifacts = artifacts_section(live, spec_names.bucket(live.account, live.region), notes)
    if artifacts:
        spec["artifacts"] = artifacts
    spec["pipeline"] = pipeline_section(live, _role_arn(placement, spec_names.pipeline_role),
                                        notes)
    _check(spec)
    return ImportedPipeline(name, spec, task, buildspec, tuple(notes.items))


def _role_arn(placement: Placement, name: str) -> str:
    return f"arn:{placement.partition}:iam::{placement.account}:role/{name}"


def _check(spec: dict[str, Any]) -> None:
    """The spec written must load: a value AWS holds that the spec refuses is a finding."""
    from pydantic import ValidationError

    from pipectl.spec.model import Spec

    try:
        Spec.model_validate(spec)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(
            f"the pipeline's {where} cannot be written to a valid spec: {first['msg']}",
            hint="change it in AWS (or report it if AWS accepts it), then import again",
        ) from None


def source_section(live: LivePipeline, notes: Notes) -> dict[str, Any]:
    action = live.actions.source
    provider = live.actions.source_provider
    config = dict(action.get("configuration") or {})
    resource = f"CodePipeline pipeline {live.name}"
    where = f"stages[0].actions.{action.get('name')}.configuration"
    held: tuple[str, ...]
    if provider == "CodeStarSourceConnection":
        section: dict[str, Any] = {
            "provider": "github", "connection_arn": config.get("ConnectionArn"),
            "repository": config.get("FullRepositoryId"), "branch": config.get("BranchName"),
            "detect_changes": str(config.get("DetectChanges", "true")).lower() == "true",
        }
        held = ("ConnectionArn", "FullRepositoryId", "BranchName", "DetectChanges")
        _expect(config, "OutputArtifactFormat", "CODE_ZIP", resource, where, notes)
    elif provider == "CodeCommit":
        section = {"provider": "codecommit", "repository": config.get("RepositoryName"),
                   "branch": config.get("BranchName")}
        held = ("RepositoryName", "BranchName")
        _expect(config, "OutputArtifactFormat", "CODE_ZIP", resource, where, notes)
        _expect(config, "PollForSourceChanges", "false", resource, where, notes, default="true")
    else:
        section = {"provider": "s3", "bucket": config.get("S3Bucket"),
                   "key": config.get("S3ObjectKey")}
        held = ("S3Bucket", "S3ObjectKey")
        _expect(config, "PollForSourceChanges", "false", resource, where, notes, default="true")
    for key in sorted(set(config) - set(held) - {"OutputArtifactFormat",
                                                  "PollForSourceChanges"}):
        notes.add(resource, f"{where}.{key}", config[key], CHANGED_BY_CREATE)
    section.update(change_detection(live, provider, notes))
    return section


def _expect(config: dict[str, Any], key: str, want: str, resource: str, where: str,
            notes: Notes, *, default: str | None = None) -> None:
    value = config.get(key, default)
    if value is not None and str(value).lower() != want.lower():
        notes.add(resource, f"{where}.{key}", value,
                  f"{CHANGED_BY_CREATE} (a pipectl pipeline sets {want})")


def task_definition_document(described: dict[str, Any]) -> dict[str, Any]:
    """DescribeTaskDefinition's output as RegisterTaskDefinition's input (as validate and
    create read a task definition file; the tags are pipectl's to set)."""
    from pipectl.spec.taskdef_input import normalise

    document = normalise({k: v for k, v in described.items() if k != "tags"}).data
    return dict(document)


def _container(live: LivePipeline, task: dict[str, Any], notes: Notes) -> dict[str, Any]:
    containers = [c for c in task.get("containerDefinitions") or [] if isinstance(c, dict)]
    variables = (live.project.get("environment") or {}).get("environmentVariables") or []
    named = next((str(v.get("value")) for v in variables if v.get("name") == "CONTAINER_NAME"),
                 None)
    by_name = {str(c.get("name")): c for c in containers}
    if named in by_name:
        return by_name[named]
    if len(containers) == 1:
        return containers[0]
    repository = live.repository_name
    for container in containers:
        image = str(container.get("image") or "")
        if repository and (f"/{repository}:" in image or image.endswith(f"/{repository}")):
            return container
    chosen = containers[0] if containers else {"name": "web"}
    notes.add(f"ECS task definition {task.get('family')}", "containerDefinitions",
              sorted(by_name), f"no sign of which container runs the built image; "
              f"deploy.container is {chosen.get('name')}: check it")
    return chosen


def deploy_section(live: LivePipeline, task: dict[str, Any], notes: Notes) -> dict[str, Any]:
    config = dict(live.actions.deploy.get("configuration") or {})
    container = _container(live, task, notes)
    resource = f"CodePipeline pipeline {live.name}"
    where = f"stages[2].actions.{live.actions.deploy.get('name')}.configuration"
    ports = [m.get("containerPort") for m in container.get("portMappings") or []
             if isinstance(m, dict) and m.get("containerPort")]
    section: dict[str, Any] = {
        "cluster": config.get("ClusterName"),
        "service": config.get("ServiceName"),
        "container": container.get("name"),
        "task_definition": TASK_DEFINITION_PATH,
        "timeout_minutes": int(config.get("DeploymentTimeout") or DEFAULT_DEPLOY_TIMEOUT),
        "port": int(ports[0] or DEFAULT_PORT) if ports else DEFAULT_PORT,
    }
    if not ports:
        notes.add(f"ECS task definition {task.get('family')}",
                  f"containerDefinitions.{container.get('name')}.portMappings", None,
                  f"the container maps no port; deploy.port is {DEFAULT_PORT}: set it (and map "
                  "it) to the port the service answers on")
    _expect(config, "FileName", IMAGE_DEFINITIONS_FILE, resource, where, notes)
    for key in sorted(set(config) - {"ClusterName", "ServiceName", "FileName",
                                     "DeploymentTimeout"}):
        notes.add(resource, f"{where}.{key}", config[key], CHANGED_BY_CREATE)
    created = created_service(live)
    if created is not None:
        section["create_service"] = created
        section.update(rollout_settings(live, notes))
        section.update(log_retention(live, notes))
    return section


def log_retention(live: LivePipeline, notes: Notes) -> dict[str, Any]:
    """deploy.log_retention_days, from the task's log group where it is not the default."""
    if not live.log_retention:
        return {}
    # The spec holds one retention: the first group's; create sets it on the others.
    retention = next(iter(live.log_retention.values()))
    for group, kept in live.log_retention.items():
        if kept != retention:
            notes.add(f"CloudWatch log group {group}", "retentionInDays", kept,
                      CHANGED_BY_CREATE)
    default = DeploySettings.model_fields["log_retention_days"].default
    return {} if retention == default else {"log_retention_days": retention}


def rollout_settings(live: LivePipeline, notes: Notes) -> dict[str, Any]:
    """deploy.circuit_breaker, alarms and percents of a service pipectl created, where they
    differ from the spec's defaults (an endpoint that reports none leaves the defaults)."""
    config = live.service.get("deploymentConfiguration")
    if not config:
        return {}
    out: dict[str, Any] = {}
    breaker = config.get("deploymentCircuitBreaker") or {}
    state = {"enable": bool(breaker.get("enable")), "rollback": bool(breaker.get("rollback"))}
    if state != {"enable": True, "rollback": True}:
        out["circuit_breaker"] = state
    if breaker.get("thresholdConfiguration"):
        notes.add(f"ECS service {live.service.get('serviceName')}",
                  "deploymentConfiguration.deploymentCircuitBreaker.thresholdConfiguration",
                  breaker["thresholdConfiguration"], CHANGED_BY_CREATE)
    alarms = config.get("alarms") or {}
    if alarms.get("enable") and alarms.get("alarmNames"):
        out["alarms"] = {"names": list(alarms["alarmNames"]),
                         "rollback": bool(alarms.get("rollback"))}
    for key, spec_key, default in (("minimumHealthyPercent", "minimum_healthy_percent", 100),
                                   ("maximumPercent", "maximum_percent", 200)):
        if config.get(key, default) != default:
            out[spec_key] = config[key]
    return out


def created_service(live: LivePipeline) -> dict[str, Any] | None:
    """``create_service`` for a service pipectl created (and so manages); else None.

    A service made elsewhere stays its owner's: the spec only names it.
    """
    service = live.service
    tags = tag_dict(service.get("tags"), "key", "value")
    if tags.get(MANAGED_TAG) != live.name or ADOPTED_TAG in tags:
        return None
    vpc = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    if not vpc.get("subnets"):
        return None
    count = service.get("desiredCount", 1)
    if count == 0:
        # Waiting for the pipeline's first run, whose ScaleUp action raises it.
        count = scale_up_count(live.declaration) or 0
    section: dict[str, Any] = {"desired_count": count, "subnets": list(vpc["subnets"])}
    if vpc.get("securityGroups"):
        section["security_groups"] = list(vpc["securityGroups"])
    section["assign_public_ip"] = vpc.get("assignPublicIp") == "ENABLED"
    return section


def artifacts_section(live: LivePipeline, derived_bucket: str, notes: Notes) -> dict[str, Any]:
    store = live.declaration.get("artifactStore") or {}
    resource = f"CodePipeline pipeline {live.name}"
    if store.get("encryptionKey"):
        notes.add(resource, "artifactStore.encryptionKey", store["encryptionKey"],
                  CHANGED_BY_CREATE)
    if live.declaration.get("artifactStores"):
        notes.add(resource, "artifactStores", live.declaration["artifactStores"],
                  CHANGED_BY_CREATE)
    bucket = str(store.get("location") or "")
    section: dict[str, Any] = {}
    if bucket and bucket != derived_bucket:
        section["bucket"] = bucket
    if bucket and (live.bucket_tags.get(MANAGED_TAG) != live.name
                   or ADOPTED_TAG in live.bucket_tags):
        # Not pipectl's: used as it is, its settings its owner's.
        section["bucket"] = bucket
        section["existing"] = True
    return section


def pipeline_section(live: LivePipeline, derived_role: str, notes: Notes) -> dict[str, Any]:
    declaration = live.declaration
    section: dict[str, Any] = {
        "type": declaration.get("pipelineType") or "V1",
        "execution_mode": declaration.get("executionMode") or "SUPERSEDED",
    }
    variables = _variables(live, notes)
    if variables:
        section["variables"] = variables
    role = declaration.get("roleArn")
    if role and role != derived_role:
        section["role_arn"] = role
    triggers = _triggers(live, notes)
    if triggers:
        section["triggers"] = triggers
    return section


def _triggers(live: LivePipeline, notes: Notes) -> dict[str, Any] | None:
    """``pipeline.triggers`` from the V2 git triggers; None for AWS's default detection."""
    from pydantic import ValidationError

    from pipectl.plan.planners.codepipeline import canonical_triggers, is_default_trigger
    from pipectl.spec.triggers import Triggers

    declared = live.declaration.get("triggers") or []
    if not declared:
        return None
    branch = (live.actions.source.get("configuration") or {}).get("BranchName")
    found = canonical_triggers(live.declaration)
    if is_default_trigger(found, branch):
        return None
    resource = f"CodePipeline pipeline {live.name}"
    source_action = str(live.actions.source.get("name"))
    if len(found) != 1 or found[0].get("providerType") != "CodeStarSourceConnection" \
            or found[0].get("sourceActionName") != source_action:
        notes.add(resource, "triggers", declared, f"{CHANGED_BY_CREATE} (a spec holds the git "
                  "triggers of its one connection source only)")
        return None
    section = {
        "push": [_filter(f, ("branches", "tags", "filePaths")) for f in found[0].get("push", [])],
        "pull_request": [{**({"events": f["events"]} if f.get("events") else {}),
                          **_filter(f, ("branches", "filePaths"))}
                         for f in found[0].get("pullRequest", [])],
    }
    section = {k: v for k, v in section.items() if v}
    try:
        Triggers.model_validate(section)
    except ValidationError:
        notes.add(resource, "triggers", declared, CHANGED_BY_CREATE)
        return None
    return section


def _filter(git_filter: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    names = {"branches": "branches", "tags": "tags", "filePaths": "file_paths"}
    return {names[k]: git_filter[k] for k in keys if git_filter.get(k)}


def _variables(live: LivePipeline, notes: Notes) -> dict[str, str]:
    """``pipeline.variables``, without those a spec refuses (each noted)."""
    resource = f"CodePipeline pipeline {live.name}"
    out: dict[str, str] = {}
    for variable in live.declaration.get("variables") or []:
        name, value = str(variable["name"]), str(variable.get("defaultValue", ""))
        where = f"variables.{name}"
        if rules.SECRET_LIKE.search(name) and value:
            notes.add(resource, where, "(a plain-text default, not shown)",
                      f"{CHANGED_BY_CREATE} (removed): a spec never holds a secret in plain "
                      f"text; keep it in build.secrets: {name}: ssm:/NAME")
        elif not value:
            notes.add(resource, where, None, f"{CHANGED_BY_CREATE} (removed): a spec's "
                      "variables have a default; add one to keep it")
        else:
            out[name] = value
    return out
