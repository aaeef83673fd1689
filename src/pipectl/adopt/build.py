"""The build and image sections: from the CodeBuild project and the ECR repository."""

from __future__ import annotations

import json
from typing import Any, get_args

from pipectl.adopt.model import CHANGED_BY_CREATE, LEFT_AS_IS, Notes
from pipectl.plan.compare import parse_document
from pipectl.resources.project import LOCAL_CACHE_MODES
from pipectl.resources.repository import BUILD_CACHE_TAG
from pipectl.spec import names as rules
from pipectl.spec.model import ComputeType

DEFAULT_BUILDSPEC = "buildspec.yml"
DEFAULT_QUEUED_TIMEOUT = 480
DEFAULT_ENCRYPTION_KEYS = ("alias/aws/s3",)
#: Project members a spec does not hold, and whether pipectl's update would drop them.
UNHELD_PROJECT_MEMBERS = {
    "secondarySources": CHANGED_BY_CREATE,
    "secondarySourceVersions": CHANGED_BY_CREATE,
    "secondaryArtifacts": CHANGED_BY_CREATE,
    "vpcConfig": CHANGED_BY_CREATE,
    "fileSystemLocations": CHANGED_BY_CREATE,
    "buildBatchConfig": CHANGED_BY_CREATE,
    "concurrentBuildLimit": CHANGED_BY_CREATE,
    "sourceVersion": CHANGED_BY_CREATE,
}


def is_inline(buildspec: str) -> bool:
    """CodeBuild's reading of ``source.buildspec``: YAML text, or a path in the source."""
    text = buildspec.strip()
    return "\n" in text or text.startswith("version")


def build_section(project: dict[str, Any], *, pipeline: str, container: str,
                  repository_uri: str, derived_role: str,
                  notes: Notes) -> tuple[dict[str, Any], str | None]:
    """The spec's ``build`` section, and the inline buildspec if the project has one."""
    resource = f"CodeBuild project {project['name']}"
    source = project.get("source") or {}
    env = project.get("environment") or {}
    section: dict[str, Any] = {}
    if project["name"] != rules.DerivedNames.of(pipeline).project:
        section["project"] = project["name"]
    declared = str(source.get("buildspec") or "")
    inline = declared if declared and is_inline(declared) else None
    section["buildspec"] = DEFAULT_BUILDSPEC if inline is not None or not declared \
        else declared
    if inline is not None:
        section["inline_buildspec"] = True
    if source.get("type") != "CODEPIPELINE":
        notes.add(resource, "source.type", source.get("type"), CHANGED_BY_CREATE)
    if env.get("type") != "LINUX_CONTAINER":
        notes.add(resource, "environment.type", env.get("type"), CHANGED_BY_CREATE)
    section["image"] = env.get("image")
    compute = env.get("computeType")
    if compute in get_args(ComputeType):
        section["compute_type"] = compute
    else:
        notes.add(resource, "environment.computeType", compute,
                  f"{CHANGED_BY_CREATE} (to BUILD_GENERAL1_SMALL)")
    section["privileged"] = bool(env.get("privilegedMode"))
    timeout = project.get("timeoutInMinutes") or 60
    section["timeout_minutes"] = timeout
    section["cache"] = _cache(project.get("cache") or {}, resource, notes)
    section.update(_variables(env.get("environmentVariables") or [], container,
                              repository_uri, resource, notes))
    role = project.get("serviceRole")
    if role and role != derived_role:
        section["role_arn"] = role
    _unheld(project, resource, notes)
    return section, inline


def _cache(cache: dict[str, Any], resource: str, notes: Notes) -> str:
    kind = cache.get("type") or "NO_CACHE"
    if kind == "NO_CACHE":
        return "none"
    if kind == "LOCAL" and sorted(cache.get("modes") or []) == sorted(LOCAL_CACHE_MODES):
        return "local"
    notes.add(resource, "cache", cache, f"{CHANGED_BY_CREATE} (to no cache)")
    return "none"


def _variables(variables: list[dict[str, Any]], container: str, repository_uri: str,
               resource: str, notes: Notes) -> dict[str, Any]:
    """``env`` and ``secrets``; ``image_variables: false`` unless pipectl's two match."""
    by_name = {str(v["name"]): v for v in variables}
    ours = {"REPOSITORY_URI": repository_uri, "CONTAINER_NAME": container}
    image_variables = all(
        name in by_name and by_name[name].get("type", "PLAINTEXT") == "PLAINTEXT"
        and by_name[name].get("value") == value for name, value in ours.items())
    env: dict[str, str] = {}
    secrets: dict[str, str] = {}
    for name, variable in by_name.items():
        if image_variables and name in ours:
            continue
        kind = variable.get("type", "PLAINTEXT")
        value = str(variable.get("value", ""))
        where = f"environment.environmentVariables.{name}"
        if name.upper().startswith("CODEBUILD_") or not rules.ENV_VAR.match(name):
            notes.add(resource, where, value, f"{CHANGED_BY_CREATE} (removed: not a name a "
                      "spec allows)")
        elif kind == "PARAMETER_STORE":
            secrets[name] = f"ssm:{value}"
        elif kind == "SECRETS_MANAGER":
            secrets[name] = f"secretsmanager:{value}"
        elif rules.SECRET_LIKE.search(name) and value:
            notes.add(resource, where, "(a plain-text value, not shown)",
                      f"{CHANGED_BY_CREATE} (removed): a spec never holds a secret in plain "
                      f"text; store it in SSM and add build.secrets: {name}: ssm:/NAME")
        else:
            env[name] = value
    out: dict[str, Any] = {}
    if env:
        out["env"] = env
    if secrets:
        out["secrets"] = secrets
    if not image_variables:
        out["image_variables"] = False
    return out


def _unheld(project: dict[str, Any], resource: str, notes: Notes) -> None:
    for key, why in UNHELD_PROJECT_MEMBERS.items():
        if project.get(key):
            notes.add(resource, key, project[key], why)
    logs = project.get("logsConfig") or {}
    cloudwatch = logs.get("cloudWatchLogs") or {}
    if cloudwatch.get("status", "ENABLED") != "ENABLED":
        notes.add(resource, "logsConfig.cloudWatchLogs.status", cloudwatch["status"],
                  f"{CHANGED_BY_CREATE} (to ENABLED: pipectl reads the build logs there)")
    for key in ("groupName", "streamName"):
        if cloudwatch.get(key):
            notes.add(resource, f"logsConfig.cloudWatchLogs.{key}", cloudwatch[key],
                      CHANGED_BY_CREATE)
    if (logs.get("s3Logs") or {}).get("status") == "ENABLED":
        notes.add(resource, "logsConfig.s3Logs", logs["s3Logs"], CHANGED_BY_CREATE)
    queued = project.get("queuedTimeoutInMinutes")
    if queued and queued != DEFAULT_QUEUED_TIMEOUT:
        notes.add(resource, "queuedTimeoutInMinutes", queued, CHANGED_BY_CREATE)
    key = str(project.get("encryptionKey") or "")
    if key and not key.endswith(DEFAULT_ENCRYPTION_KEYS):
        notes.add(resource, "encryptionKey", key, CHANGED_BY_CREATE)
    if (project.get("badge") or {}).get("badgeEnabled"):
        notes.add(resource, "badge.badgeEnabled", True, CHANGED_BY_CREATE)


def image_section(name: str | None, repository: dict[str, Any] | None, policy: str | None,
                  *, pipeline: str, notes: Notes) -> dict[str, Any]:
    """The spec's ``image`` section, from the repository and its lifecycle policy."""
    section: dict[str, Any] = {}
    if name is None:
        notes.add(f"CodePipeline pipeline {pipeline}", "image repository", None,
                  "neither the project's REPOSITORY_URI nor the task definition's images name "
                  "an ECR repository of this account and region; image.repository is the "
                  "default, which the next `pipectl create` creates")
        return section
    if name != rules.DerivedNames.of(pipeline).repository:
        section["repository"] = name
    resource = f"ECR repository {name}"
    if repository is None:
        notes.add(resource, "repositoryName", name,
                  "it does not exist; the next `pipectl create` creates it")
        return section
    section["scan_on_push"] = bool(
        (repository.get("imageScanningConfiguration") or {}).get("scanOnPush"))
    mutability = repository.get("imageTagMutability") or "MUTABLE"
    exclusions = repository.get("imageTagMutabilityExclusionFilters") or []
    ours = [{"filterType": "WILDCARD", "filter": BUILD_CACHE_TAG}]
    section["immutable_tags"] = mutability != "MUTABLE"
    if mutability == "IMMUTABLE" or (mutability == "IMMUTABLE_WITH_EXCLUSION"
                                     and exclusions != ours):
        notes.add(resource, "imageTagMutability", {"imageTagMutability": mutability,
                                                   "exclusions": exclusions},
                  f"{CHANGED_BY_CREATE} (to IMMUTABLE_WITH_EXCLUSION of the tag "
                  f"{BUILD_CACHE_TAG}: the build cache tag must stay rewritable)")
    section["keep_images"] = _keep_images(policy, resource, notes)
    encryption = (repository.get("encryptionConfiguration") or {}).get("encryptionType")
    if encryption and encryption != "AES256":
        notes.add(resource, "encryptionConfiguration", repository["encryptionConfiguration"])
    return section


def _keep_images(policy: str | None, resource: str, notes: Notes) -> int | None:
    """N for pipectl's own "keep the newest N" policy; None (left alone) for any other."""
    from pipectl.resources.common import Placement
    from pipectl.resources.repository import Repository

    if policy is None:
        return None
    document = parse_document(policy)
    rules_ = document.get("rules") if isinstance(document, dict) else None
    counts = [(r.get("selection") or {}).get("countNumber") for r in rules_ or []
              if isinstance(r, dict) and (r.get("selection") or {}).get("tagStatus") == "any"]
    if len(counts) == 1 and isinstance(counts[0], int) and 1 <= counts[0] <= 1000:
        # Exactly the policy pipectl writes for that count, or not pipectl's.
        ours = Repository("", Placement("", ""), scan_on_push=False, immutable_tags=False,
                          keep_images=counts[0]).lifecycle_policy
        if document == ours:
            return counts[0]
    notes.add(resource, "lifecyclePolicy", json.loads(json.dumps(document)),
              f"{LEFT_AS_IS} (image.keep_images: null)")
    return None
