"""Whether a task's image can be pulled, and what ECS says when it cannot.

An image in an ECR registry of the sandbox is there when the sandbox's ECR holds that
tag or digest (a build pushed it, or ``aws ecr put-image`` did). The sandbox has no
internet: of public registries it knows a few well-known repositories (any tag), the
ones tutorials and pipectl's reference files use. Anything else, such as the task
definition file's placeholder ``hello-web:replaced-by-each-deploy`` (Docker Hub's
``library/hello-web``, which does not exist), fails to pull as it does on AWS.
"""

from __future__ import annotations

import re

#: Public repositories the sandbox takes as pullable (any tag), by registry.
KNOWN_PUBLIC: dict[str, frozenset[str]] = {
    "docker.io": frozenset({
        "library/nginx", "library/httpd", "library/busybox", "library/alpine",
        "library/python", "library/node", "library/redis", "library/postgres",
        "library/ubuntu", "library/debian", "library/golang", "amazon/amazon-ecs-sample",
    }),
    "public.ecr.aws": frozenset({
        "nginx/nginx", "docker/library/nginx", "docker/library/httpd",
        "docker/library/busybox", "docker/library/alpine", "docker/library/python",
        "docker/library/node", "amazonlinux/amazonlinux", "ecs-sample-image/amazon-ecs-sample",
        "aws-containers/hello-app-runner",
    }),
    "mirror.gcr.io": frozenset({"library/nginx", "library/busybox", "library/alpine",
                                "moby/buildkit"}),
}
ECR_REGISTRY = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$")


def parse(image: str) -> tuple[str, str, str]:
    """(registry, repository, tag or digest) as docker reads a reference."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = "docker.io", image
    if "@" in path:
        repository, _, reference = path.partition("@")
    else:
        repository, _, reference = path.rpartition(":") if ":" in path else (path, "", "latest")
    if registry == "docker.io" and "/" not in repository:
        repository = f"library/{repository}"
    return registry, repository, reference


def full_reference(registry: str, repository: str, reference: str) -> str:
    joiner = "@" if reference.startswith("sha256:") else ":"
    return f"{registry}/{repository}{joiner}{reference}"


def pull_error(image: str) -> str | None:
    """ECS's stopped reason for a task whose image cannot be pulled, else None."""
    from pipectl.sandbox import backends

    if not image:
        return "CannotPullContainerError: invalid reference format"
    registry, repository, reference = parse(image)
    ref = full_reference(registry, repository, reference)
    retried = "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
    ecr = ECR_REGISTRY.match(registry)
    if ecr is not None:
        account, region = ecr.groups()
        if backends.image_exists(account, region, repository, reference):
            return None
        return f"{retried}failed to resolve ref {ref}: {ref}: not found"
    if repository in KNOWN_PUBLIC.get(registry, frozenset()):
        return None
    return (f"{retried}failed to resolve ref {ref}: pull access denied, repository does "
            "not exist or may require authorization: server message: insufficient_scope: "
            "authorization failed")
