"""The EventBridge rules that start the pipeline, and what the spec says of them.

The console gives a CodeCommit or S3 source a rule of its own (``codepipeline-<repo>-
<branch>-...-rule``, role ``cwe-role-<region>-<pipeline>``). pipectl would make its own
``<name>-source-change`` beside it, and every change would start two runs: the spec says
``source.change_detection: existing`` instead, so pipectl makes none and leaves the
console's alone. A connection (github) source starts its runs itself: a rule there can
only start extra runs, and a spec cannot describe it.
"""

from __future__ import annotations

from typing import Any

from pipectl.adopt.live import LivePipeline
from pipectl.adopt.model import LEFT_AS_IS, Notes
from pipectl.spec.names import DerivedNames

EXISTING = "existing"


def change_detection(live: LivePipeline, provider: str, notes: Notes) -> dict[str, Any]:
    """``{"change_detection": "existing"}`` when another rule starts the runs of a
    CodeCommit or S3 source; each rule found is reported."""
    own = DerivedNames.of(live.name).source_rule
    others = [r for r in live.source_rules if r != own]
    if not others:
        return {}
    if provider == "CodeStarSourceConnection":
        why = ("the connection starts a run on every push, and this rule starts extra runs "
               "on its own events; remove its target if they are not wanted")
        section: dict[str, Any] = {}
    elif own in live.source_rules:
        # pipectl's rule is there too: both start runs. The spec keeps pipectl's (it
        # manages it); the user chooses which one goes.
        why = (f"pipectl's rule {own} starts this pipeline too, so each change starts two "
               "runs; delete this rule, or delete pipectl's (and its role) and set "
               "source.change_detection: existing")
        section = {}
    else:
        why = ("it starts the pipeline on a change of its source; the spec says "
               "source.change_detection: existing, so pipectl makes no rule of its own and "
               "never changes or deletes this one")
        section = {"change_detection": EXISTING}
    for rule in others:
        notes.add(f"EventBridge rule {rule}", "targets", live.arn, f"{LEFT_AS_IS}: {why}")
    return section
