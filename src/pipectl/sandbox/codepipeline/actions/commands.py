"""The Commands action (category Compute, provider Commands): its shell commands run as
the pipeline's role, their output goes to the pipeline's log group, and the first
command that fails fails the action with its error.

On AWS the commands run in CodeBuild-managed compute with the AWS CLI. Here they run in
the sandbox's small shell (:mod:`pipectl.sandbox.shell`), and ``aws`` is the sandbox's:
``aws ecs describe-services`` and ``aws ecs update-service`` (what pipectl's ScaleUp
action calls, :mod:`pipectl.resources.first_deploy`), each authorized against the
role's policies as the real call would be, with ``--query`` (JMESPath) and
``--output text|json`` as the AWS CLI prints them. Any other command fails as a missing
one does in ``sh``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipectl.sandbox import backends
from pipectl.sandbox.codepipeline import access as action_access
from pipectl.sandbox.codepipeline.access import ActionRefused
from pipectl.sandbox.codepipeline.actions.base import Done, fail
from pipectl.sandbox.codepipeline.model import ActionRun, Execution
from pipectl.sandbox.ecs.deployments import Deployments
from pipectl.sandbox.ecs.handlers import ecs_handlers
from pipectl.sandbox.permissions import AccessDenied, Caller, authorize_log_writes
from pipectl.sandbox.protocol import ApiError
from pipectl.sandbox.runtime import Runtime
from pipectl.sandbox.shell import Shell

#: Nominal seconds CodeBuild-managed compute takes to start and run the commands.
COMMANDS_SECONDS = 20.0
#: The AWS CLI's exit status for a service error, and for a command it does not know.
CLI_SERVICE_ERROR = 254
CLI_USAGE_ERROR = 252

Handler = Callable[[str, str, dict[str, Any]], dict[str, Any]]


@dataclass
class CommandsResult:
    output: list[str] = field(default_factory=list)
    #: The action's error message when a command failed, else None.
    error: str | None = None


def log_group(pipeline: str) -> str:
    return f"/aws/codepipeline/{pipeline}"


def log_access(caller: Caller, pipeline: str, stream: str) -> str | None:
    """Whether the role may write the action's log (AWS's Commands action reference
    lists these three calls on the pipeline's log group); the refusal, as an error."""
    group = log_group(pipeline)
    try:
        authorize_log_writes(caller, group, stream,
                             backends.log_group_exists(caller.account, caller.region, group))
    except AccessDenied as denied:
        return (f"Insufficient permissions: The provided role does not have sufficient "
                f"permissions to write the action's logs to {group}. {denied.message}")
    return None


def run_commands(caller: Caller, commands: list[str], ecs_update: Handler) -> CommandsResult:
    """Each command in its turn, in one shell (variables carry over), until one fails."""
    cli = SandboxCli(caller, ecs_update)
    shell = Shell(cli.run)
    result = CommandsResult()
    for command in commands:
        result.output.append(f"Running command {command}")
        status = shell.run(command)
        result.output.extend(shell.stdout + shell.stderr)
        reason = shell.stderr[-1] if shell.stderr else ""
        shell.stdout.clear()
        shell.stderr.clear()
        if status != 0:
            result.error = (f"Error while executing command: {command}. Reason: exit status "
                            f"{status}" + (f": {reason}" if reason else ""))
            break
    return result


def write_log(caller: Caller, pipeline: str, stream: str, at: datetime,
              lines: list[str]) -> None:
    backends.append_log(caller.account, caller.region, log_group(pipeline), stream,
                        [(at, line) for line in lines])


@dataclass
class SandboxCli:
    """``aws ecs ...`` as the role: the calls the ScaleUp action makes."""

    caller: Caller
    ecs_update: Handler

    def run(self, argv: list[str], env: Mapping[str, str]) -> tuple[int, str, str] | None:
        if not argv or argv[0] != "aws":
            return None
        service, operation = [*argv[1:3], "", ""][:2]
        options = _options(argv[3:])
        calls = {("ecs", "describe-services"): self._describe_services,
                 ("ecs", "update-service"): self._update_service}
        call = calls.get((service, operation))
        if call is None:
            return (CLI_USAGE_ERROR, "",
                    f"aws: error: the pipectl sandbox's aws runs only ecs describe-services "
                    f"and ecs update-service in a Commands action, not {service} {operation}")
        try:
            answer = call(options)
        except ApiError as exc:
            name = "".join(p.capitalize() for p in operation.split("-"))
            return (CLI_SERVICE_ERROR, "", f"An error occurred ({exc.code}) when calling the "
                                           f"{name} operation: {exc.message}")
        return 0, _printed(answer, options), ""

    def _authorize(self, action: str, cluster: str, service: str) -> None:
        try:
            self.caller.authorize(action, *action_access.ecs_service(self.caller, cluster,
                                                                     service))
        except AccessDenied as denied:
            raise ApiError("AccessDeniedException", denied.message) from None

    def _describe_services(self, options: dict[str, list[str]]) -> dict[str, Any]:
        cluster = _one(options, "cluster", "default")
        names = options.get("services") or []
        if not names:
            raise ApiError("InvalidParameterException", "Services cannot be empty.")
        found, failures = [], []
        for name in names:
            self._authorize("ecs:DescribeServices", cluster, name)
            service = backends.find_service(self.caller.account, self.caller.region,
                                            cluster, name)
            if service is None:
                failures.append({"arn": f"arn:aws:ecs:{self.caller.region}:"
                                        f"{self.caller.account}:service/{cluster}/{name}",
                                 "reason": "MISSING"})
                continue
            found.append({"serviceName": service.name, "serviceArn": service.arn,
                          "clusterArn": service.cluster_arn, "status": service.status,
                          "desiredCount": service.desired_count,
                          "runningCount": service.running_count,
                          "pendingCount": service.pending_count,
                          "taskDefinition": service.task_definition})
        return {"services": found, "failures": failures}

    def _update_service(self, options: dict[str, list[str]]) -> dict[str, Any]:
        cluster, service = _one(options, "cluster", "default"), _one(options, "service", "")
        self._authorize("ecs:UpdateService", cluster, service)
        params: dict[str, Any] = {"cluster": cluster, "service": service}
        if "desired-count" in options:
            try:
                params["desiredCount"] = int(_one(options, "desired-count", ""))
            except ValueError:
                raise ApiError("InvalidParameterException",
                               "desiredCount must be a number") from None
        return self.ecs_update(self.caller.account, self.caller.region, params)


def _options(args: list[str]) -> dict[str, list[str]]:
    options: dict[str, list[str]] = {}
    current: str | None = None
    for arg in args:
        if arg.startswith("--"):
            current = arg[2:]
            options[current] = []
        elif current is not None:
            options[current].append(arg)
    return options


def _one(options: dict[str, list[str]], name: str, default: str) -> str:
    values = options.get(name) or []
    return values[0] if values else default


def _printed(answer: dict[str, Any], options: dict[str, list[str]]) -> str:
    """What the AWS CLI prints: ``--query`` applied, then ``--output`` (json by default)."""
    import jmespath

    query = _one(options, "query", "")
    value = jmespath.search(query, answer) if query else answer
    if _one(options, "output", "json") != "text":
        return json.dumps(value, indent=4, default=str) + "\n"
    if isinstance(value, list):
        return "\t".join("None" if v is None else str(v) for v in value) + "\n"
    return ("None" if value is None else str(value)) + "\n"


class CommandsAction:
    """Runs a Commands action as the pipeline's role: the log stream first, then its
    commands once the compute has started."""

    def __init__(self, runtime: Runtime, deployments: Deployments) -> None:
        self.runtime = runtime
        # The same UpdateService the sandbox serves, so a scale-up rolls as one does.
        self.ecs_update = ecs_handlers(deployments)["ecs:UpdateService"]

    def run(self, execution: Execution, action: ActionRun, at: datetime, done: Done) -> None:
        caller = action.caller
        assert caller is not None
        stream = str(action.id)

        def finish(due: datetime, error: str | None) -> None:
            if action.status != "InProgress":
                return  # stopped meanwhile
            if error:
                fail(action, due, "JobFailed", error)
            else:
                action.status = "Succeeded"
                action.updated = due
            done(due)

        try:
            action_access.read_artifacts(caller, [a["s3location"]
                                                  for a in action.input_artifacts])
        except ActionRefused as refused:
            finish(at, str(refused))
            return
        denied = log_access(caller, execution.pipeline, stream)
        if denied is not None:
            finish(at, denied)
            return
        commands = [str(c) for c in action.definition.get("commands") or []]
        if not commands:
            finish(at, "Invalid action configuration: a Commands action needs commands")
            return

        def commands_run(due: datetime) -> None:
            if action.status != "InProgress":
                return
            result = run_commands(caller, commands, self.ecs_update)
            write_log(caller, execution.pipeline, stream, due, result.output)
            finish(due, result.error)

        self.runtime.scheduler.after(at, COMMANDS_SECONDS, commands_run)
