"""Text for `status`, `history`, `logs`, `stop`, `retry` and `rollback` (JSON is to_dict())."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipectl.runs.suggest import plain_command
from pipectl.runs.values import format_duration, image_tag, iso_time, task_definition_label

if TYPE_CHECKING:  # status and history do not pay for importing rollback and watch
    from pipectl.runs.history import RunSummary
    from pipectl.runs.rollback import RollbackPlan, RolloutDone, RolloutUpdate
    from pipectl.runs.status import StatusReport
    from pipectl.runs.suggest import Suggest
    from pipectl.ui.environment import Environment
from pipectl.ui.text import clip, first_line

#: How much of an action's message and of a commit message a status line shows.
NOTE_WIDTH = 80
SUMMARY_WIDTH = 60


def _short(revision: str | None) -> str:
    return revision[:12] if revision else "-"


def status_lines(report: StatusReport, suggest: Suggest = plain_command) -> list[str]:
    lines = [f"Pipeline {report.pipeline}"]
    for stage in report.stages:
        run = report.stage_executions.get(stage.name)
        lines.append(f"  {stage.name:<14} {stage.status:<11}" + (f" run {run}" if run else ""))
        for action in stage.actions:
            note = action.error_message or action.summary
            lines.append(f"    {action.name:<12} {action.status:<11}"
                         + (f" {clip(first_line(note), NOTE_WIDTH)}" if note else ""))
    latest = report.latest
    if latest is None:
        lines.append(f"Latest run    none yet (start one with `{suggest('run --watch')}`)")
    else:
        lines.append(f"Latest run    {latest.execution_id} {latest.status}")
        lines.append(f"  trigger     {latest.trigger or '-'}")
        summary = f" {clip(first_line(latest.revision_summary), SUMMARY_WIDTH)}" if \
            latest.revision_summary else ""
        lines.append(f"  revision    {_short(latest.revision)}{summary}")
        lines.append(f"  started     {iso_time(latest.started_at) if latest.started_at else '-'}")
        lines.append(f"  duration    {format_duration(latest.duration)}")
    service = report.service
    if not service.exists:
        lines.append(f"Service       {service.cluster}/{service.service}: not found "
                     f"(`{suggest('create')}` makes it when deploy.create_service is set)")
    else:
        lines.append(f"Service       {service.cluster}/{service.service} {service.status or ''}"
                     .rstrip())
        lines.append(f"  task def    {task_definition_label(service.task_definition) or '-'}")
        lines.append(f"  image       {service.image or '-'}"
                     + (f" (tag {image_tag(service.image)})" if service.image else ""))
        lines.append(f"  tasks       running {service.running}/{service.desired}, pending "
                     f"{service.pending}")
        lines.append(f"  rollout     {service.rollout_state or '-'}"
                     + (f": {service.rollout_reason}" if service.rollout_reason else ""))
        if service.deployment_status:
            lines.append(f"  deployment  {service.deployment_status}"
                         + (f": {service.deployment_note}" if service.deployment_note else ""))
        for event in service.events[:3]:
            lines.append(f"  event       {event}")
    unknown = "- (no running task with a public IP, no load balancer)"
    lines.append(f"URL           {report.url or unknown}")
    return lines


def history_lines(runs: list[RunSummary], suggest: Suggest = plain_command) -> list[str]:
    if not runs:
        return [f"no runs yet (start one with `{suggest('run --watch')}`)"]
    width = max(len(r.execution_id) for r in runs)
    lines = [f"{'EXECUTION ID':<{width}}  {'STATUS':<11} {'REVISION':<12}  "
             f"{'STARTED':<20}  DURATION"]
    for r in runs:
        started = iso_time(r.started_at) if r.started_at else "-"
        lines.append(f"{r.execution_id:<{width}}  {r.status:<11} {_short(r.revision):<12}  "
                     f"{started:<20}  {format_duration(r.duration)}")
    return lines


def rollback_question(plan: RollbackPlan) -> str:
    def side(arn: str, image: str | None) -> str:
        return f"{task_definition_label(arn)}" + (f" (image {image_tag(image)})" if image else "")

    why = f": {plan.why}" if plan.why else ""
    if plan.stop_arn:
        return (f"Stop the deployment of {side(plan.current, plan.current_image)} to ECS "
                f"service {plan.cluster}/{plan.service} and roll back to "
                f"{side(plan.previous, plan.previous_image)}{why}?")
    return (f"Roll back ECS service {plan.cluster}/{plan.service} from "
            f"{side(plan.current, plan.current_image)} to "
            f"{side(plan.previous, plan.previous_image)}{why}?")


def show_rollout(env: Environment, event: RolloutUpdate | RolloutDone) -> None:
    from pipectl.runs.rollback import RolloutUpdate

    if isinstance(event, RolloutUpdate):
        if env.output == "json":
            for change in event.changes:
                env.write_json(change.to_dict(), lines=True)
        else:
            for change in event.changes:
                env.write(f"{iso_time(change.at)} {change.message}")
        return
    if env.output == "json":
        env.write_json({"event": "result", "ok": event.ok, "outcome": event.outcome,
                        "reason": event.reason,
                        "task_definition": task_definition_label(
                            event.progress.task_definition if event.progress else None),
                        "stopped_reasons": list(event.progress.stopped_reasons)
                        if event.progress else []}, lines=True)
        return
    env.write(f"Rollback {'completed' if event.ok else event.outcome.upper()}: {event.reason}")
    if event.progress is not None:
        for reason in event.progress.stopped_reasons:
            env.write(f"  stopped task: {reason}")
