"""From the command line's context to the desired state: spec, account, region, task def."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipectl.resources.common import Placement
from pipectl.resources.desired import (
    DesiredState,
    desired_state,
    load_buildspec_text,
    load_task_definition,
)

if TYPE_CHECKING:
    from pathlib import Path

    from pipectl.aws.session import AwsSession
    from pipectl.spec.model import Spec


def build_desired_state(spec: Spec, aws: AwsSession, spec_path: Path | None = None) -> DesiredState:
    """The account comes from STS, once; everything else from the spec and its files."""
    task_definition = load_task_definition(spec.deploy.task_definition, spec_path)
    buildspec = load_buildspec_text(spec.build.buildspec, spec_path) \
        if spec.build.inline_buildspec else None
    placement = Placement(aws.account_id(), aws.region)
    return desired_state(spec, placement, task_definition, buildspec)
