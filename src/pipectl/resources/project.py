"""The CodeBuild project that builds and pushes the image."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipectl.resources.common import Placement, tag_list

LOCAL_CACHE_MODES = ("LOCAL_DOCKER_LAYER_CACHE", "LOCAL_SOURCE_CACHE")


@dataclass(frozen=True)
class EnvVar:
    name: str
    value: str
    type: str  # PLAINTEXT | PARAMETER_STORE | SECRETS_MANAGER

    def to_api(self) -> dict[str, str]:
        return {"name": self.name, "value": self.value, "type": self.type}


def env_vars(
    repository_uri: str, container: str, env: dict[str, str], secrets: dict[str, str],
    *, image_variables: bool = True,
) -> tuple[EnvVar, ...]:
    """The contract with the buildspec: REPOSITORY_URI, CONTAINER_NAME, then the spec's.

    ``image_variables`` off: a buildspec (often one made in the console) that names its
    repository and container itself gets only the spec's variables.
    """
    out = [
        EnvVar("REPOSITORY_URI", repository_uri, "PLAINTEXT"),
        EnvVar("CONTAINER_NAME", container, "PLAINTEXT"),
    ] if image_variables else []
    out += [EnvVar(k, v, "PLAINTEXT") for k, v in sorted(env.items())]
    for name, ref in sorted(secrets.items()):
        store, _, target = ref.partition(":")
        out.append(EnvVar(name, target, "PARAMETER_STORE" if store == "ssm" else "SECRETS_MANAGER"))
    return tuple(out)


@dataclass(frozen=True)
class BuildProject:
    name: str
    placement: Placement
    pipeline: str
    buildspec: str
    image: str
    compute_type: str
    privileged: bool
    timeout_minutes: int
    local_cache: bool
    service_role_arn: str
    environment_variables: tuple[EnvVar, ...]
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return self.placement.arn("codebuild", f"project/{self.name}")

    @property
    def log_group(self) -> str:
        return f"/aws/codebuild/{self.name}"

    @property
    def cache(self) -> dict[str, Any]:
        if self.local_cache:
            return {"type": "LOCAL", "modes": list(LOCAL_CACHE_MODES)}
        return {"type": "NO_CACHE"}

    def request(self) -> dict[str, Any]:
        """CreateProject's input; UpdateProject takes the same members."""
        # AWS ignores `location` for CODEPIPELINE sources and artifacts (CodePipeline
        # hands the build its input); moto insists on one, so name the pipeline.
        return {
            "name": self.name,
            "description": f"Builds the image for pipeline {self.pipeline} (managed by pipectl)",
            "source": {"type": "CODEPIPELINE", "buildspec": self.buildspec,
                       "location": self.pipeline},
            "artifacts": {"type": "CODEPIPELINE", "location": self.pipeline},
            "environment": {
                "type": "LINUX_CONTAINER",
                "image": self.image,
                "computeType": self.compute_type,
                "privilegedMode": self.privileged,
                "environmentVariables": [v.to_api() for v in self.environment_variables],
            },
            "serviceRole": self.service_role_arn,
            "timeoutInMinutes": self.timeout_minutes,
            "cache": self.cache,
            "logsConfig": {"cloudWatchLogs": {"status": "ENABLED"}},
            "tags": tag_list(self.tags, "key", "value"),
        }

    def tags_request(self, tags: dict[str, str]) -> dict[str, Any]:
        """UpdateProject that changes the tags only (CodeBuild has no TagResource)."""
        return {"name": self.name, "tags": tag_list(tags, "key", "value")}
