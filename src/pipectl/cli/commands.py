"""What the top-level help shows: the command table, the global options, the group's text.

Plain data, importing nothing: the click group (``pipectl.cli.group``) is built from it,
and so is the help that ``pipectl --help`` prints without importing click
(``pipectl.cli.fast_help``). A test asserts that both print the same bytes.
"""

from __future__ import annotations

PROG = "pipectl"

# name -> (module, one-line help). The help is here so that listing commands imports none.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("pipectl.cli.cmd_init", "Scaffold spec, task definition, buildspec, Dockerfile."),
    "validate": ("pipectl.cli.cmd_validate", "Check spec, buildspec and task definition offline."),
    "schema": ("pipectl.cli.cmd_schema", "Print the JSON Schema of the spec (for editors)."),
    "plan": ("pipectl.cli.cmd_plan", "Show what create/update would change, field by field."),
    "create": ("pipectl.cli.cmd_create", "Create what is missing and converge the rest."),
    "update": ("pipectl.cli.cmd_update", "Converge an existing pipeline to the spec."),
    "destroy": ("pipectl.cli.cmd_destroy", "Delete what pipectl created for this pipeline."),
    "run": ("pipectl.cli.cmd_run", "Start a pipeline run; --watch follows it to the end."),
    "watch": ("pipectl.cli.cmd_watch", "Follow a run live (default: the latest)."),
    "status": ("pipectl.cli.cmd_status", "Stages, latest run, ECS service and its URL."),
    "history": ("pipectl.cli.cmd_history", "Recent runs."),
    "list": ("pipectl.cli.cmd_list", "Every pipeline pipectl manages in the region."),
    "insights": ("pipectl.cli.cmd_insights",
                 "Where runs' time and money go, and what would make them faster."),
    "logs": ("pipectl.cli.cmd_logs", "CodeBuild logs of a build (default: the latest)."),
    "stop": ("pipectl.cli.cmd_stop", "Stop the running execution."),
    "retry": ("pipectl.cli.cmd_retry", "Retry the failed stage (failed actions only)."),
    "rollback": ("pipectl.cli.cmd_rollback", "Put the service back on its last good revision."),
    "build": ("pipectl.cli.cmd_build", "Run the buildspec's phases on this machine (--local)."),
    "import": ("pipectl.cli.cmd_import", "Write the spec of a pipeline that exists, to adopt it."),
    "sandbox": ("pipectl.cli.cmd_sandbox", "A local AWS endpoint where pipelines really run."),
}

#: Commands that change something (AWS, files, the sandbox): when the reader of stdout
#: goes away (``| head``) they finish their work anyway; the others stop quietly.
MUTATING_COMMANDS = frozenset(
    {"init", "create", "update", "destroy", "run", "stop", "retry", "rollback", "sandbox"})

# The group's help, as click shows it (no leading indentation, so click's cleandoc keeps it).
GROUP_HELP = """Create, run and watch a CodeBuild -> ECS pipeline on AWS CodePipeline.

Global options may also follow the command name (pipectl status --sandbox).

\b
Exit codes:
  0 success; 1 the run or deployment failed; 2 invalid input;
  3 AWS refused or failed, or nothing to act on; 4 timed out;
  5 plan --detailed-exitcode found changes; 130 interrupted.

\b
Example:
  pipectl validate
  pipectl create
  pipectl run --watch
  pipectl status
"""

USAGE_ARGS = "[OPTIONS] COMMAND [ARGS]..."

HELP_OPTION_NAMES = ("-h", "--help")
HELP_OPTION_HELP = "Show this message and exit."
VERSION_OPTION_HELP = "Show the version and exit."
MAX_CONTENT_WIDTH = 100

# The global options in the order help lists them: name -> (flags, metavar, help).
# The click group takes flags, metavar and help from here; only behaviour (types,
# environment variables, defaults) is declared there.
GLOBAL_OPTIONS: dict[str, tuple[tuple[str, ...], str | None, str]] = {
    "config": (("-c", "--config"), "FILE",
               "The pipeline spec.  [default: config/pipeline.yml; env PIPECTL_CONFIG]"),
    "profile": (("--profile",), "TEXT", "AWS profile.  [env AWS_PROFILE]"),
    "region": (("--region",), "TEXT", "AWS region.  [env AWS_REGION]"),
    "endpoint_url": (("--endpoint-url",), "URL",
                     "Send every AWS call to this endpoint.  [env AWS_ENDPOINT_URL]"),
    "sandbox": (("--sandbox",), None,
                "Use the local sandbox started by `pipectl sandbox start` (with its token as "
                "credentials: nothing reaches real AWS)."),
    "output": (("-o", "--output"), "[text|json]", "Output format.  [default: text]"),
    "no_color": (("--no-color",), None, "No colours (also: NO_COLOR)."),
    "verbose": (("-v", "--verbose"), None, "More detail; shows the AWS calls made."),
    "debug": (("--debug",), None, "Show tracebacks."),
    "version": (("--version",), None, VERSION_OPTION_HELP),
}
