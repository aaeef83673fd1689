"""The options object every command receives: global flags, the spec, the AWS session.

Built once by the group callback; the spec is read and AWS clients are created only
when a command asks for them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipectl.errors import InvalidInput
from pipectl.ui.environment import Environment

if TYPE_CHECKING:
    from pipectl.aws.session import AwsSession
    from pipectl.spec.model import Spec
    from pipectl.spec.partial import PartialSpec

DEFAULT_CONFIG = Path("config/pipeline.yml")
SANDBOX_REGION = "us-east-1"


@dataclass
class AppContext:
    env: Environment
    config_path: Path
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    sandbox: bool = False
    _spec: Spec | None = field(default=None, repr=False)
    _partial: PartialSpec | None = field(default=None, repr=False)
    aws_session: AwsSession | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls,
        *,
        env: Environment,
        config: Path | None,
        profile: str | None,
        region: str | None,
        endpoint_url: str | None,
        sandbox: bool,
    ) -> AppContext:
        if sandbox:
            from pipectl.sandbox.state import require_running_endpoint

            sandbox_url = require_running_endpoint(env.environ)
            if endpoint_url and endpoint_url.rstrip("/") != sandbox_url.rstrip("/"):
                raise InvalidInput(
                    f"--sandbox and --endpoint-url {endpoint_url} disagree",
                    hint="use one of them",
                )
            endpoint_url = sandbox_url
            # Dummy credentials, so nothing can ever reach real AWS with real keys.
            for key, value in sandbox_credentials().items():
                os.environ[key] = value
            profile = None
            region = region or SANDBOX_REGION
            os.environ.pop("AWS_PROFILE", None)
        return cls(
            env=env,
            config_path=config or DEFAULT_CONFIG,
            profile=profile,
            region=region,
            endpoint_url=endpoint_url,
            sandbox=sandbox,
        )

    def spec(self) -> Spec:
        """The validated spec (read once). Raises SpecError with every finding."""
        if self._spec is None:
            from pipectl.spec.load import load_spec

            self._spec = load_spec(self.config_path, environ=self.env.environ)
        return self._spec

    def partial_spec(self) -> PartialSpec:
        """The spec for a read-only command: only the fields it reads are checked, each
        on first use, and the model is not built (see :mod:`pipectl.spec.partial`)."""
        if self._partial is None:
            from pipectl.spec.partial import PartialSpec

            self._partial = PartialSpec.read(self.config_path, self.env.environ)
        return self._partial

    def aws(self, spec_region: str | None = None) -> AwsSession:
        """The AWS session, in the spec's region unless the user chose one."""
        if self.aws_session is None:
            from pipectl.aws.session import AwsSession, AwsSettings

            if spec_region and self.region and spec_region != self.region:
                raise InvalidInput(
                    f"the spec says region {spec_region} but --region/AWS_REGION says "
                    f"{self.region}",
                    hint="drop one of them, or make them agree",
                )
            self.aws_session = AwsSession(
                AwsSettings(
                    profile=self.profile,
                    region=spec_region or self.region,
                    endpoint_url=self.endpoint_url,
                )
            )
        return self.aws_session


def sandbox_credentials() -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }
