"""Everything insights reads from AWS, kept in the response shapes AWS documents.

The analysis works on these documents as botocore returns them, so the same code runs
on Stubber responses in tests, on the sandbox and on AWS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_DEPLOYMENT_IN_REASON = re.compile(r"\(deployment ([^)]+)\)")

Doc = dict[str, Any]


@dataclass(frozen=True)
class Target:
    """The resources of the pipeline whose runs are analysed (from the spec)."""

    pipeline: str
    project: str
    repository: str
    cluster: str
    service: str
    container: str


@dataclass
class Evidence:
    target: Target
    pipeline: Doc = field(default_factory=dict)  # GetPipeline's `pipeline`
    executions: list[Doc] = field(default_factory=list)  # summaries, newest first
    actions: dict[str, list[Doc]] = field(default_factory=dict)  # by pipelineExecutionId
    builds: dict[str, Doc] = field(default_factory=dict)  # BatchGetBuilds, by id
    build_logs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # by build id
    project: Doc | None = None  # BatchGetProjects
    service: Doc | None = None  # DescribeServices
    tasks: list[Doc] = field(default_factory=list)  # DescribeTasks of the service
    task_definition: Doc | None = None  # the service's, DescribeTaskDefinition
    images: list[Doc] = field(default_factory=list)  # ECR DescribeImages imageDetails
    target_groups: list[Doc] = field(default_factory=list)  # with an `attributes` dict
    changed_files: dict[str, tuple[str, ...]] = field(default_factory=dict)  # by revision
    image_inputs: tuple[str, ...] | None = None  # paths the image is built from
    _index: dict[str, dict[str, list[Doc]]] | None = field(default=None, repr=False)

    def _tasks_by(self) -> dict[str, dict[str, list[Doc]]]:
        """Tasks by the deployment that started them and by the one that stopped them
        (each run looks up its own: one pass over the tasks instead of one per run)."""
        if self._index is None:
            started: dict[str, list[Doc]] = {}
            stopped: dict[str, list[Doc]] = {}
            for task in self.tasks:
                started.setdefault(str(task.get("startedBy") or ""), []).append(task)
                match = _DEPLOYMENT_IN_REASON.search(str(task.get("stoppedReason") or ""))
                if match:
                    stopped.setdefault(match.group(1), []).append(task)
            self._index = {"started": started, "stopped": stopped}
        return self._index

    def tasks_started_by(self, deployment_id: str) -> list[Doc]:
        return self._tasks_by()["started"].get(deployment_id, [])

    def tasks_replaced_by(self, deployment_id: str) -> list[Doc]:
        """Older tasks that this deployment's rollout stopped."""
        return [t for t in self._tasks_by()["stopped"].get(deployment_id, [])
                if t.get("startedBy") != deployment_id]

    @property
    def pipeline_type(self) -> str:
        return str(self.pipeline.get("pipelineType") or "V1")

    @property
    def execution_mode(self) -> str:
        return str(self.pipeline.get("executionMode") or "SUPERSEDED")

    @property
    def compute_type(self) -> str | None:
        environment = (self.project or {}).get("environment") or {}
        value = environment.get("computeType")
        return str(value) if value else None

    def build_for(self, execution_id: str) -> Doc | None:
        """The CodeBuild build of a run: the Build action's external execution id."""
        for detail in self.actions.get(execution_id, []):
            provider = ((detail.get("input") or {}).get("actionTypeId") or {}).get("provider")
            result = (detail.get("output") or {}).get("executionResult") or {}
            build_id = result.get("externalExecutionId")
            if provider == "CodeBuild" and build_id in self.builds:
                return self.builds[build_id]
        return None

    def deployment_id_for(self, execution_id: str) -> str | None:
        """The ECS deployment of a run: the ECS action's external execution id."""
        for detail in self.actions.get(execution_id, []):
            provider = ((detail.get("input") or {}).get("actionTypeId") or {}).get("provider")
            result = (detail.get("output") or {}).get("executionResult") or {}
            if provider in ("ECS", "CodeDeployToECS") and result.get("externalExecutionId"):
                return str(result["externalExecutionId"])
        return None
