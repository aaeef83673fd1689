"""Does the buildspec's imagedefinitions.json name the container the spec deploys?

The ECS deploy action looks each ``name`` of imagedefinitions.json up among the
containers of the service's task definition and fails the deploy when one is
missing. A literal name is compared with ``deploy.container`` as written; a variable
is followed to where it is set: the CodeBuild project pipectl creates (CONTAINER_NAME
and build.env, which win over the buildspec, as CodeBuild documents), else the
buildspec's env.variables or a command that assigns it a literal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipectl.buildspec.imagedefs import assigned_values, container_names
from pipectl.buildspec.model import Buildspec
from pipectl.errors import Finding

if TYPE_CHECKING:
    from pipectl.spec.load import SpecDocument


def container_name_findings(spec_doc: SpecDocument, buildspec: Buildspec) -> list[Finding]:
    spec = spec_doc.spec
    wanted = spec.deploy.container
    project = {"CONTAINER_NAME": wanted, **spec.build.env}
    buildspec_values = assigned_values(buildspec)
    out: list[Finding] = []
    for name in container_names(buildspec):
        if name.literal is not None:
            value, origin = name.literal, "written in the command"
        elif name.variable in project:
            value, origin = project[name.variable], f"${name.variable}, set by the CodeBuild " \
                "project from the spec"
        elif name.variable is not None and name.variable in buildspec_values:
            value, origin = buildspec_values[name.variable], f"${name.variable}, set in the " \
                "buildspec"
        else:
            continue  # computed while the build runs: nothing to compare
        if value != wanted:
            out.append(Finding(
                "error", f"imagedefinitions.json names container '{value}' ({origin}) but "
                f"deploy.container is '{wanted}': the ECS deploy action fails to find it",
                name.location,
                hint="write the name with $CONTAINER_NAME (the project pipectl creates sets it "
                     "to deploy.container), or make the two agree",
                code="container-name"))
    return out
