"""Checks that depend on the build image: ``runtime-versions`` and ``aws ecr get-login``."""

from __future__ import annotations

from pipectl.buildspec.model import Buildspec
from pipectl.buildspec.rules import uses_get_login
from pipectl.buildspec.runtimes import image_runtimes, known_images, taken_on
from pipectl.errors import Finding

_LOGIN_FIX = ("aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login "
              "--username AWS --password-stdin ${REPOSITORY_URI%%/*}")


def image_findings(buildspec: Buildspec, image: str) -> list[Finding]:
    """What the build image ``image`` would refuse in ``buildspec``."""
    runtimes = image_runtimes(image)
    out: list[Finding] = []
    for command in buildspec.commands():
        if uses_get_login(command.text):
            if runtimes is not None:
                out.append(Finding(
                    "error", f"`aws ecr get-login` does not exist in AWS CLI v2, which {image} "
                    "ships: the command fails", command.location,
                    hint=f"log in with: {_LOGIN_FIX}", code="ecr-get-login"))
            else:
                out.append(Finding(
                    "warning", "`aws ecr get-login` exists only in AWS CLI v1 (every current "
                    f"CodeBuild image ships v2); pipectl does not know what {image} ships",
                    command.location, hint=f"log in with: {_LOGIN_FIX}", code="ecr-get-login"))
    install = buildspec.phase("install")
    if install is None or not install.runtime_versions:
        return out
    source = buildspec.source
    assert source is not None
    path = ("phases", "install", "runtime-versions")
    if runtimes is None:
        out.append(Finding(
            "warning", f"runtime-versions not checked: pipectl knows the runtimes of "
            f"{len(known_images())} current CodeBuild images, not of {image}",
            source.locate(path, prefer_key=True),
            hint="the build fails with YAML_FILE_ERROR if the image lacks one",
            code="runtimes-unchecked"))
        return out
    for name, version in install.runtime_versions.items():
        runtime = runtimes.runtimes.get(str(name))
        where = source.locate((*path, name))
        if runtime is None:
            offered = ", ".join(sorted(runtimes.runtimes))
            out.append(Finding(
                "error", f"{image} has no runtime '{name}': the build fails with "
                "YAML_FILE_ERROR", where,
                hint=f"{image} offers: {offered} (as of {taken_on()})"
                + ("; docker needs no runtime-versions entry, privileged mode runs it"
                   if name == "docker" else ""), code="runtime-version"))
        elif not runtime.offers(version):
            out.append(Finding(
                "error", f"{image} has no {name} {version}: the build fails with "
                "YAML_FILE_ERROR", where,
                hint=f"{name} versions of {image}: {', '.join(runtime.versions)} or latest "
                f"(as of {taken_on()})", code="runtime-version"))
    return out
