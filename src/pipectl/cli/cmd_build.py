"""``pipectl build --local``: run the buildspec on this machine and show it phase by phase."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipectl.cli.context import DEFAULT_CONFIG, AppContext
from pipectl.cli.options import get_app, output_option
from pipectl.errors import Finding, InvalidInput, RunFailed
from pipectl.spec.names import ACCOUNT_ID, ENV_VAR
from pipectl.spec.secrets import short_quote

if TYPE_CHECKING:
    from pipectl.buildspec.model import Buildspec
    from pipectl.localbuild.events import BuildFinished
    from pipectl.spec.model import Spec


@click.command("build")
@click.option("--local", is_flag=True,
              help="Run the build on this machine (required: the only mode for now).")
@click.option("--buildspec", "buildspec_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The buildspec.  [default: the spec's build.buildspec, else buildspec.yml, "
                   "in the source directory]")
@click.option("--env", "env_pairs", multiple=True, metavar="NAME=VALUE",
              help="A variable for this build; wins over the spec and the buildspec. "
                   "Repeatable.")
@click.option("--source-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("."), show_default=True,
              help="The checkout to build; commands run there.")
@output_option
@click.pass_context
def command(
    ctx: click.Context,
    local: bool,
    buildspec_path: Path | None,
    env_pairs: tuple[str, ...],
    source_dir: Path,
) -> None:
    """Run the buildspec's phases on this machine, the way CodeBuild does.

    One shell runs the whole build, so a variable set or a `cd` in one command is
    seen by the next. Phases, `on-failure`, `finally` and `env.variables` behave as
    in CodeBuild, with CodeBuild's variables set (CODEBUILD_RESOLVED_SOURCE_VERSION is
    the source directory's git HEAD). REPOSITORY_URI and CONTAINER_NAME come from the
    spec, as pipectl's CodeBuild project sets them; the account in REPOSITORY_URI is
    000000000000 unless you pass --env AWS_ACCOUNT_ID=... (or --env REPOSITORY_URI=...).
    pipectl calls no AWS API; the buildspec's own commands run as written. A buildspec
    in the source directory is never read through a link that leads out of it (exit 2).

    Each output line is prefixed with its phase; at the end, the files that
    artifacts.files names must exist. Exit 1 when a phase fails (the phase and the
    command are named), 2 when the buildspec is invalid.

    \b
    Example:
      pipectl build --local
      pipectl build --local --env AWS_ACCOUNT_ID=123456789012
      pipectl build --local --env CODEBUILD_RESOLVED_SOURCE_VERSION= -o json
    """
    from pipectl.localbuild.environment import (
        PLACEHOLDER_ACCOUNT,
        Project,
        build_environment,
        codebuild_variables,
        git_commit,
        project_from_spec,
    )
    from pipectl.localbuild.runner import LocalBuild, run_build
    from pipectl.ui.build_view import render_build_event

    app = get_app(ctx)
    if not local:
        raise InvalidInput(
            "pipectl build runs only on this machine for now: add --local",
            hint="to build in CodeBuild, start a pipeline run: `pipectl run --watch`",
        )
    overrides = parse_env_pairs(env_pairs)
    spec = _spec_if_any(app)
    region = _region(app, spec, overrides)
    account = overrides.get("AWS_ACCOUNT_ID", PLACEHOLDER_ACCOUNT)
    if not ACCOUNT_ID.match(account):
        # It becomes part of REPOSITORY_URI, which every docker and aws command expands.
        raise InvalidInput(f"--env AWS_ACCOUNT_ID must be 12 digits, not {short_quote(account)}",
                           hint="for example: --env AWS_ACCOUNT_ID=123456789012")
    project = project_from_spec(spec, region, account) if spec else Project(region=region)

    source = source_dir.resolve()
    declared = spec.build.buildspec if spec else "buildspec.yml"
    buildspec, warnings, shown = _buildspec(buildspec_path, source_dir, declared)

    environ = app.env.environ
    codebuild = codebuild_variables(project, source, git_commit(source, environ))
    environment = build_environment(environ, codebuild, buildspec.variables, project.variables,
                                    overrides)
    env = app.env
    for warning in warnings:
        env.note(f"note: {warning.location}: {warning.message}")
    if spec is None:
        env.note(f"note: no spec at {app.config_path}: REPOSITORY_URI and CONTAINER_NAME are "
                 "set only if you pass them with --env")
    elif account == PLACEHOLDER_ACCOUNT and "REPOSITORY_URI" not in overrides \
            and env.output == "text":
        env.note(f"note: REPOSITORY_URI={project.variables['REPOSITORY_URI']} (placeholder "
                 "account; --env AWS_ACCOUNT_ID=... sets yours)")

    build = LocalBuild(buildspec=buildspec, source_dir=source, environment=environment,
                       secret_names=project.secret_names)
    final: BuildFinished | None = None
    for event in run_build(build):
        final = render_build_event(env, event) or final
    if final is None or not final.succeeded:
        raise _failure(final, shown)


def _buildspec(given: Path | None, source_dir: Path, declared: str
               ) -> tuple[Buildspec, list[Finding], str]:
    """The buildspec to run, its warnings and its name in messages.

    One in the source directory (the spec's, or a --buildspec path there) is read as
    validate and the sandbox read it: never through a link that leads out of the
    directory. A --buildspec path outside it is the user's own choice of file.
    """
    import os

    from pipectl.buildspec.reader import load_buildspec, load_source_buildspec

    if given is None:
        shown = str(source_dir / declared)
        return (*load_source_buildspec(source_dir, declared, shown), shown)
    root, path = Path(os.path.abspath(source_dir)), Path(os.path.abspath(given))
    if path.is_relative_to(root):
        return (*load_source_buildspec(source_dir, str(path.relative_to(root)), str(given)),
                str(given))
    return (*load_buildspec(given, display=str(given)), str(given))


def parse_env_pairs(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not ENV_VAR.match(name):
            raise InvalidInput(f"--env {pair!r} is not NAME=VALUE",
                               hint="for example: --env AWS_ACCOUNT_ID=123456789012")
        out[name] = value
    return out


def _spec_if_any(app: AppContext) -> Spec | None:
    """The spec, if there is one: a build needs none, but an explicit -c must exist."""
    if app.config_path == DEFAULT_CONFIG and not app.config_path.exists():
        return None
    return app.spec()


def _region(app: AppContext, spec: Spec | None, overrides: dict[str, str]) -> str:
    from pipectl.localbuild.environment import DEFAULT_REGION

    spec_region = spec.region if spec else None
    if spec_region and app.region and spec_region != app.region:
        raise InvalidInput(
            f"the spec says region {spec_region} but --region/AWS_REGION says {app.region}",
            hint="drop one of them, or make them agree",
        )
    return (overrides.get("AWS_DEFAULT_REGION") or overrides.get("AWS_REGION") or spec_region
            or app.region or app.env.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION)


def _failure(final: BuildFinished | None, buildspec: str) -> RunFailed:
    from pipectl.localbuild.runner import UPLOAD_ARTIFACTS
    from pipectl.ui.build_view import summary

    hint = "fix it, then run `pipectl build --local` again; the output above shows why"
    if final is None:
        return RunFailed("the build ended without a result", hint=hint)
    phase = final.failed_phase or "?"
    if phase == UPLOAD_ARTIFACTS:
        return RunFailed(
            "the build failed in phase upload_artifacts: artifacts.files matched no file",
            hint="the build must write the files its artifacts name (imagedefinitions.json "
                 "for the ECS deploy)",
        )
    where = f" ({buildspec}:{final.failed_line})" if final.failed_line else ""
    command = summary(final.failed_command or "")
    return RunFailed(
        f"the build failed in phase {phase}: `{command}`{where} exited with status "
        f"{final.exit_code}",
        hint=hint,
    )
