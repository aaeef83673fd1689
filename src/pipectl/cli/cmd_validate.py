"""`pipectl validate`: offline checks of the spec, buildspec and task definition."""

from __future__ import annotations

import click

from pipectl.cli.options import get_app, output_option
from pipectl.errors import ExitStatus, Finding
from pipectl.ui.environment import Environment


@click.command("validate")
@output_option
@click.pass_context
def command(ctx: click.Context) -> int:
    """Check the spec, the buildspec and the task definition offline.

    Reads the spec (-c, default config/pipeline.yml), the buildspec named by
    build.buildspec and the task definition named by deploy.task_definition (paths
    relative to the repository root), checks each against its rules (the task
    definition against ECS RegisterTaskDefinition from botocore's model), then how
    they fit together. Makes no AWS call. Exit 0 when there are no errors
    (warnings allowed), 2 when there are.

    \b
    Example:
      pipectl validate
      pipectl -c config/staging.yml validate -o json
    """
    from pipectl.spec.checks import validate_project

    app = get_app(ctx)
    report = validate_project(app.config_path, app.env.environ)
    if app.env.output == "json":
        app.env.write_json([f.to_dict() for f in report.findings])
    else:
        _render(app.env, report.errors, report.warnings, report.checked, report.summary)
    return ExitStatus.INVALID_INPUT if report.errors else ExitStatus.SUCCESS


def _render(env: Environment, errors: list[Finding], warnings: list[Finding],
            checked: list[str], summary: str | None) -> None:
    for title, findings in (("errors", errors), ("warnings", warnings)):
        if not findings:
            continue
        env.write(f"{title} ({len(findings)}):")
        for finding in findings:
            env.write(f"  {finding}")
            if finding.hint:
                env.write(f"    hint: {finding.hint}")
    files = ", ".join(checked)
    if errors:
        counted = _count(len(errors), "error") + _where(errors) + (
            f", {_count(len(warnings), 'warning')}" if warnings else "")
        env.write(f"invalid: {counted}; checked {files}")
        return
    with_warnings = f" with {_count(len(warnings), 'warning')}" if warnings else ""
    env.write(f"ok{with_warnings}: checked {files}" + (f"; {summary}" if summary else ""))


def _where(errors: list[Finding]) -> str:
    """`` in a.yml`` or `` (2 in a.yml, 1 in buildspec.yml)``: the files that have them."""
    per_file: dict[str, int] = {}
    for finding in errors:
        name = finding.location.file if finding.location else "the spec"
        per_file[name] = per_file.get(name, 0) + 1
    if len(per_file) == 1:
        return f" in {next(iter(per_file))}"
    return " (" + ", ".join(f"{n} in {name}" for name, n in per_file.items()) + ")"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
