"""The engine's side effects, written straight into moto's backends.

Writing into moto (rather than keeping our own copies) is what makes the story
consistent: the ``aws`` CLI, pipectl and boto3 read logs, images, artifacts and
services through moto's own handlers and see what the run did.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime
from typing import Any


class BackendError(Exception):
    """A side effect could not happen (e.g. the repository or bucket is missing)."""


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


# --- CloudWatch Logs -------------------------------------------------------------


def append_log(
    account: str, region: str, group: str, stream: str, lines: list[tuple[datetime, str]]
) -> None:
    from moto.logs.models import logs_backends

    if not lines:
        return
    backend = logs_backends[account][region]
    if group not in backend.groups:
        backend.create_log_group(group, {})
    if stream not in backend.groups[group].streams:
        backend.create_log_stream(group, stream)
    events = [{"timestamp": _ms(at), "message": message} for at, message in lines]
    backend.put_log_events(group, stream, events)


def log_group_exists(account: str, region: str, group: str) -> bool:
    from moto.logs.models import logs_backends

    return group in logs_backends[account][region].groups


# --- ECR -------------------------------------------------------------------------


def image_exists(account: str, region: str, repository: str, tag: str) -> bool:
    from moto.ecr.models import ecr_backends

    repo = ecr_backends[account][region].repositories.get(repository)
    if repo is None:
        return False
    if tag.startswith("sha256:"):  # a digest reference
        return any(image.image_digest == tag for image in repo.images)
    return any(tag in (image.image_tags or []) for image in repo.images)


def image_bytes(account: str, region: str, image_uri: str) -> int:
    """The compressed size of an ECR image (its layers), 0 if the sandbox does not hold it.

    moto's imageSizeInBytes is the config blob's size; a pull moves the layers.
    """
    from moto.ecr.models import ecr_backends

    path = image_uri.split("/", 1)[1] if "/" in image_uri else image_uri
    repository, _, tag = path.partition(":")
    repo = ecr_backends[account][region].repositories.get(repository)
    for image in (repo.images if repo is not None else []):
        if tag in (image.image_tags or []):
            try:
                layers = json.loads(image.image_manifest).get("layers") or []
            except ValueError:
                return 0
            return sum(int(layer.get("size") or 0) for layer in layers)
    return 0


def repository_exists(account: str, region: str, repository: str) -> bool:
    from moto.ecr.models import ecr_backends

    return repository in ecr_backends[account][region].repositories


def put_image(account: str, region: str, repository: str, tag: str, seed: str) -> str:
    """PutImage a small, distinct manifest; return its digest."""
    from moto.ecr.models import ecr_backends

    layer = hashlib.sha256(seed.encode()).hexdigest()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1470,
                "digest": f"sha256:{hashlib.sha256(('config' + seed).encode()).hexdigest()}",
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 29123456,
                    "digest": f"sha256:{layer}",
                }
            ],
        }
    )
    digest = "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()
    try:
        ecr_backends[account][region].put_image(repository, manifest, tag, digest=digest)
    except Exception as exc:  # moto raises plain Exception for a missing repository
        raise BackendError(str(getattr(exc, "message", exc))) from exc
    return digest


# --- S3 --------------------------------------------------------------------------


def bucket_exists(account: str, bucket: str) -> bool:
    from moto.s3.models import s3_backends

    try:
        s3_backends[account]["aws"].get_bucket(bucket)
    except Exception:
        return False
    return True


def put_zip(account: str, bucket: str, key: str, files: dict[str, str]) -> None:
    from moto.s3.models import s3_backends

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    try:
        s3_backends[account]["aws"].put_object(bucket, key, buffer.getvalue())
    except Exception as exc:
        raise BackendError(
            f"The bucket {bucket} does not exist or is not reachable: "
            f"{getattr(exc, 'message', exc)}"
        ) from exc


def read_zip_member(account: str, bucket: str, key: str, name: str) -> str | None:
    from moto.s3.models import s3_backends

    try:
        obj = s3_backends[account]["aws"].get_object(bucket, key)
    except Exception:
        return None
    if obj is None:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(obj.value)) as archive:
            return archive.read(name).decode("utf-8")
    except (KeyError, zipfile.BadZipFile):
        return None


# --- ECS -------------------------------------------------------------------------


def deregistration_delay(account: str, region: str, service: Any) -> float:
    """Seconds a target group keeps a deregistered target draining (0 without a balancer).

    The service's first target group that moto knows gives the delay (300 s unless its
    ``deregistration_delay.timeout_seconds`` attribute says otherwise).
    """
    from moto.elbv2.models import elbv2_backends

    groups = elbv2_backends[account][region].target_groups
    for balancer in getattr(service, "load_balancers", None) or []:
        group = groups.get(str(balancer.get("targetGroupArn") or ""))
        if group is not None:
            try:
                return float(str(group.attributes.get("deregistration_delay.timeout_seconds", 300)))
            except (TypeError, ValueError):
                return 300.0
    return 0.0


def ecs_backend(account: str, region: str) -> Any:
    from moto.ecs.models import ecs_backends

    return ecs_backends[account][region]


def find_service(account: str, region: str, cluster: str, service: str) -> Any | None:
    backend = ecs_backend(account, region)
    cluster_name = cluster.split("/")[-1]
    found = backend.services.get(f"{cluster_name}:{service.split('/')[-1]}")
    if found is None or found.status != "ACTIVE":
        return None
    return found


def describe_task_definition(account: str, region: str, arn_or_family: str) -> Any:
    return ecs_backend(account, region).describe_task_definition(arn_or_family)


def next_revision(account: str, region: str, family: str) -> int:
    """The revision number RegisterTaskDefinition gives the family's next revision."""
    revisions = ecs_backend(account, region).task_definitions.get(family) or {}
    return max(revisions, default=0) + 1


def task_roles(definition: Any) -> list[str]:
    """The roles a revision's tasks run with, which registering a copy of it passes."""
    roles = (getattr(definition, "execution_role_arn", None),
             getattr(definition, "task_role_arn", None))
    return [str(role) for role in roles if role]


def register_revision_with_images(
    account: str, region: str, current_arn: str, images: dict[str, str]
) -> Any:
    """RegisterTaskDefinition: the current revision with the given containers' images."""
    backend = ecs_backend(account, region)
    current = backend.describe_task_definition(current_arn)
    containers = []
    for container in current.container_definitions:
        updated = dict(container)
        if updated.get("name") in images:
            updated["image"] = images[updated["name"]]
        containers.append(updated)
    return backend.register_task_definition(
        family=current.family,
        container_definitions=containers,
        volumes=current.volumes,
        network_mode=current.network_mode,
        tags=current.tags or None,
        placement_constraints=current.placement_constraints,
        requires_compatibilities=current.requires_compatibilities,
        cpu=current.cpu,
        memory=current.memory,
        task_role_arn=getattr(current, "task_role_arn", None),
        execution_role_arn=getattr(current, "execution_role_arn", None),
        proxy_configuration=current.proxy_configuration,
        inference_accelerators=current.inference_accelerators,
        runtime_platform=current.runtime_platform,
        ipc_mode=current.ipc_mode,
        pid_mode=current.pid_mode,
        ephemeral_storage=current.ephemeral_storage,
    )


# --- EC2 (the network a Fargate task lands in) -------------------------------------


def ensure_network(account: str, region: str, subnets: list[str], groups: list[str]) -> None:
    """Make the subnets and security groups a service names exist in moto's EC2.

    A sandbox has no VPC of yours: the ids in your spec (placeholders or real ones)
    are taken as given, in the default VPC, so the service can be created.
    """
    from moto.ec2.models import ec2_backends

    ec2 = ec2_backends[account][region]
    vpc = ec2.default_vpc or next(iter(ec2.vpcs.values()), None)
    if vpc is None:
        return
    known_subnets = {s.id for zone in ec2.subnets.values() for s in zone.values()}
    for index, subnet_id in enumerate(subnets):
        if subnet_id in known_subnets:
            continue
        made = ec2.create_subnet(
            vpc_id=vpc.id,
            cidr_block=f"172.31.{200 + index % 50}.0/24",
            availability_zone=f"{region}a",
        )
        zone = ec2.subnets[made.availability_zone]
        zone.pop(made.id, None)
        made.id = subnet_id
        zone[subnet_id] = made
    for group_id in groups:
        if group_id in ec2.groups.get(vpc.id, {}):
            continue
        group = ec2.create_security_group(
            name=f"sandbox-{group_id}", description="pipectl sandbox", vpc_id=vpc.id
        )
        ec2.groups[vpc.id].pop(group.id, None)
        group.id = group_id
        ec2.groups[vpc.id][group_id] = group


def create_task_eni(
    account: str, region: str, subnet_id: str, groups: list[str], public_ip: str | None
) -> Any:
    from moto.ec2.models import ec2_backends

    ec2 = ec2_backends[account][region]
    eni = ec2.create_network_interface(
        subnet=subnet_id,
        private_ip_address=[],
        group_ids=groups,
        description="arn:aws:ecs:sandbox:attachment",
    )
    eni.status = "in-use"
    eni.device_index = 1
    if public_ip:
        eni.public_ip = public_ip
    return eni


def private_dns_name(eni: Any) -> str:
    """The ENI's private DNS name. moto sets one only in a VPC with DNS hostnames on (its
    default VPC), not in one made with ``aws ec2 create-vpc``: name it as EC2 does."""
    name = getattr(eni, "private_dns_name", None)
    if name:
        return str(name)
    region = eni.subnet.availability_zone[:-1] if getattr(eni, "subnet", None) else ""
    host = "ip-" + str(eni.private_ip_address).replace(".", "-")
    return f"{host}.ec2.internal" if region == "us-east-1" else f"{host}.{region}.compute.internal"
