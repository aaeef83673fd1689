"""The Source action: a commit of the sandbox's own making, zipped into the artifact
bucket, with the variables a CodeStar connection's action exports."""

from __future__ import annotations

import hashlib
from datetime import datetime

from pipectl.sandbox import backends
from pipectl.sandbox.codepipeline import access as action_access
from pipectl.sandbox.codepipeline.access import ActionRefused
from pipectl.sandbox.codepipeline.actions.base import (
    Done,
    fail,
    new_output_artifacts,
    publish_variables,
)
from pipectl.sandbox.codepipeline.model import ActionRun, Execution, runs_of
from pipectl.sandbox.runtime import Runtime

SOURCE_SECONDS = 3.0


class SourceAction:
    """Hands the next stages a commit of its own making, a few seconds later."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def run(self, execution: Execution, action: ActionRun, at: datetime, done: Done) -> None:
        self.runtime.scheduler.after(
            at, SOURCE_SECONDS, lambda due: self._source(execution, action, due, done)
        )

    def _source(self, execution: Execution, action: ActionRun, at: datetime, done: Done) -> None:
        if action.status != "InProgress":
            return
        config = action.resolved_configuration
        runs = runs_of(execution)
        runs.revision_count += 1
        override = execution.source_overrides.get(action.name)
        revision = (
            override or hashlib.sha1(f"{execution.pipeline}:{execution.id}".encode()).hexdigest()
        )
        repository = (
            config.get("FullRepositoryId")
            or config.get("RepositoryName")
            or config.get("S3Bucket", "source")
        )
        branch = config.get("BranchName", "main")
        message = f"Update {execution.pipeline} (sandbox commit {runs.revision_count})"
        if not execution.bucket or not backends.bucket_exists(execution.account, execution.bucket):
            fail(
                action,
                at,
                "JobFailed",
                f"The artifact bucket {execution.bucket or '(none)'} does not exist",
            )
            done(at)
            return
        outputs = new_output_artifacts(execution, action)
        try:
            assert action.caller is not None
            provider = str((action.definition.get("actionTypeId") or {}).get("provider"))
            action_access.source(action.caller, provider, config)
            action_access.write_artifacts(action.caller, [o["s3location"] for o in outputs])
        except ActionRefused as refused:
            fail(action, at, "JobFailed", str(refused))
            done(at)
            return
        try:
            for output in outputs:
                backends.put_zip(
                    execution.account,
                    output["s3location"]["bucket"],
                    output["s3location"]["key"],
                    {"README.md": f"{repository}@{revision}\n"},
                )
        except backends.BackendError as exc:
            fail(action, at, "JobFailed", str(exc))
            done(at)
            return
        url = f"https://github.com/{repository}/commit/{revision}"
        action.status = "Succeeded"
        action.summary = message
        action.external_id = revision
        action.external_url = url
        action.external_summary = message
        action.output_artifacts = outputs
        action.output_variables = {
            "CommitId": revision,
            "CommitMessage": message,
            "BranchName": branch,
            "FullRepositoryName": repository,
            "AuthorDate": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ProviderType": "GitHub",
        }
        if "ConnectionArn" in config:
            action.output_variables["ConnectionArn"] = config["ConnectionArn"]
        publish_variables(execution, action)
        for output in outputs:
            execution.revisions.append(
                {
                    "name": output["name"],
                    "actionName": action.name,
                    "revisionId": revision,
                    "revisionSummary": message,
                    "created": at,
                    "revisionUrl": url,
                }
            )
        done(at)
