"""What plan, create, update and destroy share: from the context to a plan, and applying it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipectl.errors import ExitStatus, Interrupted, PipectlError

if TYPE_CHECKING:
    from pipectl.aws.session import AwsSession
    from pipectl.cli.context import AppContext
    from pipectl.plan.model import Plan
    from pipectl.resources.desired import DesiredState


@dataclass(frozen=True)
class Loaded:
    aws: AwsSession
    state: DesiredState


def load(app: AppContext) -> Loaded:
    from pipectl.plan.target import build_desired_state

    spec = app.spec()
    aws = app.aws(spec.region)
    return Loaded(aws, build_desired_state(spec, aws, app.config_path))


def current_plan(app: AppContext) -> tuple[Loaded, Plan]:
    from pipectl.plan.planner import make_plan

    loaded = load(app)
    return loaded, make_plan(loaded.aws, loaded.state)


def apply(app: AppContext, loaded: Loaded, plan: Plan, *, verb: str) -> int:
    """Apply ``plan``, drawing progress; say how to resume if it stops half-way."""
    from pipectl.plan.executor import ApplyContext, apply_plan
    from pipectl.ui.plan_view import render_progress, step_label, summary

    env = app.env
    ctx = ApplyContext(loaded.aws)
    total = len(plan.pending)
    applied: list[dict[str, Any]] = []
    current = None
    try:
        for event in apply_plan(plan, ctx):
            current = event.step
            render_progress(env, event)
            if event.done:
                applied.append(event.step.to_dict())
    except KeyboardInterrupt:
        where = f" while applying {step_label(current)}" if current else ""
        raise Interrupted(
            f"interrupted{where}: {len(applied)} of {total} changes were applied",
            hint=f"re-run `pipectl {verb}`: it reads what exists and converges the rest",
        ) from None
    except PipectlError:
        env.note(f"stopped after {len(applied)} of {total} changes; fix the cause and re-run "
                 f"`pipectl {verb}`: it converges from where it stopped")
        raise
    if env.output == "json":
        env.write_json({"ok": True, "pipeline": plan.pipeline, "applied": applied,
                        "plan": plan.to_dict()})
    else:
        env.write(f"Done: {summary(plan, done=True)}.")
    return ExitStatus.SUCCESS


def converge(app: AppContext, *, verb: str, require_pipeline: bool) -> int:
    """``create`` and ``update``: plan, then apply unless nothing differs."""
    from pipectl.errors import NotFound
    from pipectl.plan.model import Action
    from pipectl.ui.plan_view import render_plan

    env = app.env
    loaded, plan = current_plan(app)
    pipeline = plan.step("codepipeline")
    if require_pipeline and pipeline.action is Action.CREATE:
        raise NotFound(
            f"pipeline {pipeline.name} does not exist",
            operation="codepipeline:GetPipeline", resource=pipeline.name,
            hint=f"create it with `{app.suggest('create')}`",
        )
    if not plan.has_changes:
        if env.output == "json":
            env.write_json({"ok": True, "pipeline": plan.pipeline, "applied": [],
                            "plan": plan.to_dict()})
        else:
            env.write(f"Nothing to change: the {len(plan.steps)} resources of pipeline "
                      f"{plan.pipeline} match the spec.")
        return ExitStatus.SUCCESS
    if env.output != "json":
        render_plan(env, plan, heading=verb.capitalize(), footer=False)
    return apply(app, loaded, plan, verb=verb)
