"""The CodeBuild build action: starts a build of the project it names, follows it, and
succeeds or fails with it."""

from __future__ import annotations

import json
from datetime import datetime

from pipectl.sandbox.codebuild.access import CannotAssume
from pipectl.sandbox.codebuild.build import ArtifactTarget, Build
from pipectl.sandbox.codebuild.phases import PHASE_ORDER
from pipectl.sandbox.codebuild.runner import BuildRunner
from pipectl.sandbox.codepipeline import access as action_access
from pipectl.sandbox.codepipeline.access import ActionRefused
from pipectl.sandbox.codepipeline.actions.base import (
    Done,
    fail,
    new_output_artifacts,
    publish_variables,
)
from pipectl.sandbox.codepipeline.model import ActionRun, Execution
from pipectl.sandbox.runtime import Runtime


class CodeBuildAction:
    """Starts a build of the project the action names and ends with it."""

    def __init__(self, runtime: Runtime, builds: BuildRunner) -> None:
        self.runtime = runtime
        self.builds = builds

    def run(self, execution: Execution, action: ActionRun, at: datetime, done: Done) -> None:
        from pipectl.sandbox.codebuild.projects import get_project

        config = action.resolved_configuration
        project = get_project(execution.account, execution.region, config.get("ProjectName", ""))
        if project is None:
            fail(
                action,
                at,
                "JobFailed",
                f"Error calling startBuild: Project cannot be found: arn:aws:codebuild:"
                f"{execution.region}:{execution.account}:project/{config.get('ProjectName')}",
            )
            self.runtime.scheduler.at(at, done)
            return
        try:
            assert action.caller is not None
            action_access.start_build(action.caller, str(project["name"]))
        except ActionRefused as refused:
            fail(action, at, "JobFailed", str(refused))
            self.runtime.scheduler.at(at, done)
            return
        outputs = new_output_artifacts(execution, action)
        target = None
        if outputs:
            location = outputs[0]["s3location"]
            target = ArtifactTarget(location["bucket"], location["key"], outputs[0]["name"])
        try:
            overrides = json.loads(config.get("EnvironmentVariables", "[]") or "[]")
        except ValueError:
            overrides = []
        revision = execution.revisions[0]["revisionId"] if execution.revisions else ""
        try:
            build = self.builds.start(
                account=execution.account,
                region=execution.region,
                project=project,
                at=at,
                source_version=revision,
                initiator=f"codepipeline/{execution.pipeline}",
                artifact=target,
                overrides=overrides if isinstance(overrides, list) else [],
                source_location=(action.input_artifacts[0]["s3location"]
                                 if action.input_artifacts else None),
            )
        except CannotAssume as refused:
            fail(action, at, "JobFailed", f"Error calling startBuild: {refused}")
            self.runtime.scheduler.at(at, done)
            return
        action.external_id = build.id
        action.external_url = (
            f"https://console.aws.amazon.com/codebuild/home?region={execution.region}"
            f"#/builds/{build.id}/view/new"
        )
        action.progress = lambda: int(
            100 * PHASE_ORDER.index(build.current_phase) / (len(PHASE_ORDER) - 1)
        )

        def finished(build: Build, due: datetime) -> None:
            if action.status != "InProgress":
                return  # abandoned
            if build.status == "SUCCEEDED":
                action.status = "Succeeded"
                action.output_artifacts = outputs
                action.output_variables = dict(build.exported)
                publish_variables(execution, action)
            elif build.status == "STOPPED":
                fail(action, due, "JobFailed", "Build terminated with state: STOPPED")
            else:
                fail(
                    action,
                    due,
                    "JobFailed",
                    f"Build terminated with state: {build.status}. Phase: {build.failed_phase}, "
                    f"Code: {build.failure_code}, Message: {build.failure_message}",
                )
            done(due)

        build.on_done.append(finished)
