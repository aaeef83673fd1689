"""Everything ``pipectl validate`` checks in a buildspec on its own (the cross-checks
with the spec and the task definition live in pipectl.spec.checks)."""

from __future__ import annotations

from pathlib import Path

from pipectl.buildspec.checks import image_findings
from pipectl.buildspec.imagedefs import artifact_findings
from pipectl.buildspec.model import Buildspec, Command
from pipectl.buildspec.reader import errors, load_buildspec_file
from pipectl.buildspec.rules import assigned_names, referenced_names, uses_docker
from pipectl.errors import Finding


def check_buildspec(path: Path, display: str, image: str | None
                    ) -> tuple[Buildspec | None, list[Finding]]:
    """Read the buildspec and check it for a pipectl pipeline built on ``image``."""
    buildspec, findings = load_buildspec_file(path, display)
    if buildspec is None or buildspec.source is None:
        return None, findings
    has_artifacts = ("artifacts",) in buildspec.source.keys
    if buildspec.phases is not None and ("phases",) in buildspec.source.values \
            and not buildspec.commands() and not errors(findings):
        # CodeBuild runs such a build (it does nothing); a pipeline needs an image from it.
        findings.append(Finding(
            "error", "no phase has any commands", buildspec.source.locate(("phases",)),
            hint="pre_build logs in to ECR, build runs docker build, post_build pushes and "
                 "writes imagedefinitions.json", code="buildspec"))
    findings += artifact_findings(buildspec, has_artifacts)
    findings += lost_variable_findings(buildspec)
    if image is not None:
        findings += image_findings(buildspec, image)
    return buildspec, findings


def first_docker_command(buildspec: Buildspec) -> Command | None:
    return next((c for c in buildspec.commands() if uses_docker(c.text)), None)


def lost_variable_findings(buildspec: Buildspec) -> list[Finding]:
    """Version 0.1: a variable one command sets is empty in the next (a new shell each)."""
    if buildspec.one_shell:
        return []
    out: list[Finding] = []
    set_at: dict[str, Command] = {}
    for command in buildspec.commands():
        own = assigned_names(command.text)
        for name in sorted(referenced_names(command.text) - own - set(buildspec.variables)):
            earlier = set_at.get(name)
            if earlier is not None:
                out.append(Finding(
                    "error", f"{name} is set by the command at line {earlier.line}, but "
                    "buildspec version 0.1 runs each command in a new shell: it is empty here",
                    command.location, hint="use version: 0.2 (one shell for the whole build), "
                    "or set and use it in one command", code="version-0.1"))
        for name in own:
            set_at.setdefault(name, command)
    return out
