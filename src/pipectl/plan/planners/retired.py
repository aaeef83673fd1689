"""pipectl's own EventBridge rule and role, once an existing rule starts the runs.

With ``source.change_detection: existing`` the spec says a rule pipectl does not manage
starts the pipeline; pipectl's ``<name>-source-change`` (with its role ``<name>-events``),
made before the key was set, would start a second run on every change. The plan deletes
them, and only them: what carries pipectl's tag for this pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipectl.aws.session import AwsSession
from pipectl.plan.planners.events import EventRulePlanner
from pipectl.plan.planners.iam import RolePlanner
from pipectl.resources.events import SourceRule
from pipectl.resources.roles import Role

if TYPE_CHECKING:
    from pipectl.resources.desired import DesiredState

WHY = ("source.change_detection: existing: another rule starts the runs, and this one of "
       "pipectl's would start a second run on every change")


class RetiredRulePlanner(EventRulePlanner):
    kind = "events-rule-retired"
    retired = True
    retired_note = WHY

    def targets(self, state: DesiredState) -> list[SourceRule]:
        retired = state.retired_source_events
        return [retired.rule] if retired else []

    def warning(self, aws: AwsSession, desired: SourceRule) -> str:
        return ""  # the rule is going: which others start the pipeline does not matter


class RetiredRolePlanner(RolePlanner):
    kind = "iam-role-retired"
    retired = True
    retired_note = f"{WHY}; this role was that rule's"

    def targets(self, state: DesiredState) -> list[Role]:
        retired = state.retired_source_events
        return [retired.role] if retired else []
