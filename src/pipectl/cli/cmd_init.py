"""`pipectl init`: scaffold the spec, task definition, buildspec and Dockerfile."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from pipectl.cli.options import get_app, output_option
from pipectl.errors import InvalidInput
from pipectl.ui.environment import Environment

MAX_ATTEMPTS = 3


@click.command("init")
@click.option("--name", help="Pipeline name, prefix of every derived name.  [default: the "
              "directory name]")
@click.option("--region", "init_region", metavar="REGION",
              help="AWS region.  [default: --region/AWS_REGION/AWS_DEFAULT_REGION, else us-east-1]")
@click.option("--github-repo", metavar="OWNER/REPO",
              help="Source repository on GitHub.  [default: the origin remote, if on GitHub]")
@click.option("--connection-arn", metavar="ARN", help="CodeConnections connection to GitHub.")
@click.option("--branch", default="main", show_default=True, help="Branch that triggers runs.")
@click.option("--repository", help="ECR repository.  [default: the name]")
@click.option("--cluster", help="ECS cluster.  [default: the name]")
@click.option("--service", help="ECS service.  [default: the name]")
@click.option("--container", default="web", show_default=True,
              help="Container that gets each new image.")
@click.option("--port", type=click.IntRange(1, 65535), default=80, show_default=True,
              help="Port the container serves on.")
@click.option("--subnet", "subnets", multiple=True, metavar="SUBNET_ID",
              help="Subnet for the Fargate service (repeat for more).")
@click.option("--security-group", "security_groups", multiple=True, metavar="SG_ID",
              help="Security group for the Fargate service (repeat for more).")
@click.option("--execution-role-arn", metavar="ARN", help="Task execution role.")
@click.option("--create-service/--no-create-service", default=True, show_default=True,
              help="Let `pipectl create` make the cluster and a Fargate service.")
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
@click.option("--no-input", is_flag=True, help="Never ask, even at a terminal.")
@output_option
@click.pass_context
def command(
    ctx: click.Context,
    name: str | None,
    init_region: str | None,
    github_repo: str | None,
    connection_arn: str | None,
    branch: str,
    repository: str | None,
    cluster: str | None,
    service: str | None,
    container: str,
    port: int,
    subnets: tuple[str, ...],
    security_groups: tuple[str, ...],
    execution_role_arn: str | None,
    create_service: bool,
    force: bool,
    no_input: bool,
) -> None:
    """Scaffold pipeline.yml, task_definition.json, buildspec.yml and Dockerfile.

    Writes config/pipeline.yml (or the -c path), config/task_definition.json,
    buildspec.yml, and the Dockerfile with what it copies, in the current directory.
    Files that exist are left alone unless --force; a symbolic link is never written
    through (exit 2, nothing written). At a terminal it asks for the name, region,
    GitHub repository and connection it was not given; otherwise it never asks, and
    values it does not know become placeholders marked REPLACE, which pass `pipectl
    validate` and which `pipectl create` needs replaced.

    \b
    Example:
      pipectl init
      pipectl init --name hello-web --github-repo acme/hello-web \\
          --connection-arn arn:aws:codeconnections:us-east-1:123456789012:connection/abc
    """
    from pipectl import scaffolding

    app = get_app(ctx)
    env = app.env
    cwd = Path.cwd()
    region = init_region or app.region or env.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    detected_repo = scaffolding.detect_github_repository(cwd)
    if env.stdin_isatty and not no_input:
        ask = _Prompter(env)
        env.note("New pipeline (Enter keeps the [default]; blank leaves a placeholder).")
        name = name or ask("Pipeline name", scaffolding.default_name(cwd),
                           _check_answer("name"))
        region = init_region or ask("AWS region", region, _check_answer("region"))
        github_repo = github_repo or ask("GitHub repository (owner/repo)", detected_repo or "",
                                         _check_answer("github_repository"))
        connection_arn = connection_arn or ask("CodeConnections connection ARN", "",
                                               _check_answer("connection_arn"))
    values = scaffolding.InitValues(
        name=name or scaffolding.default_name(cwd),
        region=region,
        github_repository=github_repo or detected_repo,
        connection_arn=connection_arn or None,
        branch=branch,
        repository=repository,
        cluster=cluster,
        service=service,
        container=container,
        port=port,
        create_service=create_service,
        subnets=subnets,
        security_groups=security_groups,
        execution_role_arn=execution_role_arn,
    )
    files = scaffolding.plan_files(values, app.config_path)
    results = scaffolding.write_files(files, cwd, force=force)
    if env.output == "json":
        env.write_json([r.to_dict() for r in results])
        return
    width = max(len(r.action) for r in results)
    for result in results:
        kept = " (exists; --force overwrites it)" if result.action == "skipped" else ""
        env.write(f"{result.action:<{width}}  {result.path}{kept}")
    port_note = scaffolding.port_mismatch(values)
    if port_note and any(r.path == "Dockerfile" and r.action != "skipped" for r in results):
        env.write(f"note: {port_note}")
    to_replace = [f"{r.path}: {', '.join(r.placeholders)}" for r in results if r.placeholders]
    if to_replace:
        env.write("replace before `pipectl create` (marked REPLACE): " + "; ".join(to_replace))
    env.write("next: pipectl validate")


def _check_answer(field: str) -> Callable[[str], None]:
    """Validate one answer as the matching option is validated (blank: a placeholder)."""

    def check(value: str) -> None:
        from pipectl import scaffolding

        if not value and field in ("github_repository", "connection_arn"):
            return
        base = scaffolding.InitValues(name="placeholder", region="us-east-1")
        changes: dict[str, Any] = {field: value}
        scaffolding.check_values(dataclasses.replace(base, **changes))

    return check


class _Prompter:
    """Asks on stderr and reads the environment's stdin (so tests can feed answers).

    Reading stops at end of input: the remaining questions take their defaults.
    """

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.closed = False

    def __call__(self, label: str, default: str, check: Callable[[str], None]) -> str:
        for _ in range(MAX_ATTEMPTS):
            if self.closed:
                return default
            shown = f" [{default}]" if default else ""
            self.env.stderr.write(f"{label}{shown}: ")
            self.env.stderr.flush()
            line = self.env.stdin.readline()
            if not line:
                self.closed = True
                self.env.stderr.write("\n")
                return default
            answer = line.strip() or default
            try:
                check(answer)
            except InvalidInput as exc:
                reason = exc.message.split(": ", 1)[-1]
                self.env.stderr.write(f"  {reason}" + (f" ({exc.hint})" if exc.hint else "")
                                      + "\n")
                continue
            return answer
        raise InvalidInput(f"no valid answer for {label.lower()} after {MAX_ATTEMPTS} tries",
                           hint="pass it as an option; see `pipectl init --help`")
