"""The options object every command receives: global flags, the spec, the AWS session.

Built once by the group callback; the spec is read and AWS clients are created only
when a command asks for them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipectl.clock import SYSTEM_CLOCK, Clock
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
    #: Where ``region`` came from, for messages: ``--region`` or ``AWS_REGION``.
    region_source: str = "--region"
    endpoint_url: str | None = None
    sandbox: bool = False
    #: The global options given on the command line that say which pipeline, where
    #: (``--sandbox``, ``-c``, ``--region``, ``--profile``, ``--endpoint-url``).
    where_args: tuple[str, ...] = ()
    #: The one clock every command hands to the domain (a fake one in tests).
    clock: Clock = field(default_factory=lambda: SYSTEM_CLOCK)
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
        region_source: str = "--region",
        where_args: tuple[str, ...] = (),
    ) -> AppContext:
        if sandbox:
            from pipectl.sandbox.state import require_running_endpoint

            sandbox_url, token = require_running_endpoint(env.environ)
            if endpoint_url and endpoint_url.rstrip("/") != sandbox_url.rstrip("/"):
                raise InvalidInput(
                    f"--sandbox and --endpoint-url {endpoint_url} disagree",
                    hint="use one of them",
                )
            endpoint_url = sandbox_url
            # The sandbox's token as credentials, so nothing can ever reach real AWS with
            # real keys (and no real session token goes to the sandbox either).
            for key, value in sandbox_credentials(token).items():
                os.environ[key] = value
            for key in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
                os.environ.pop(key, None)
            profile = None
            os.environ.pop("AWS_PROFILE", None)
        return cls(
            env=env,
            config_path=config or DEFAULT_CONFIG,
            profile=profile,
            region=region,
            region_source=region_source,
            where_args=where_args,
            clock=env.clock or SYSTEM_CLOCK,
            endpoint_url=endpoint_url,
            sandbox=sandbox,
        )

    def suggest(self, command: str) -> str:
        """A command to suggest to the user (``watch ID``), with the global options in
        effect, so that it acts on the same pipeline and endpoint as printed."""
        return suggested_command(command, self.where_args)

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

            # The sandbox serves every region: there only --region itself can disagree
            # (AWS_REGION may well be the one `sandbox start` exported).
            chosen = self.region if not self.sandbox or self.region_source == "--region" else None
            if spec_region and chosen and spec_region != chosen:
                where = spec_line(self.config_path, "region")
                raise InvalidInput(
                    f"the spec ({where}) says region {spec_region} but {self.region_source} "
                    f"says {self.region}",
                    hint=f"drop one of them, or make them agree (the spec's region is used "
                         f"when {self.region_source} is not set)",
                )
            region = spec_region or self.region
            if region is None and self.sandbox:
                # The sandbox serves every region; the user's default one if they have it.
                region = self.env.environ.get("AWS_DEFAULT_REGION") or SANDBOX_REGION
            self.aws_session = AwsSession(
                AwsSettings(profile=self.profile, region=region, endpoint_url=self.endpoint_url)
            )
        return self.aws_session


def suggested_command(command: str, where_args: tuple[str, ...] = ()) -> str:
    """``pipectl [where_args] command``, each option value quoted for a POSIX shell."""
    import shlex

    from pipectl.aws.redact import without_userinfo

    # An --endpoint-url's user and password stay out of every hint.
    return " ".join(["pipectl", *(shlex.quote(without_userinfo(arg)) for arg in where_args),
                     command])


def with_global_options(text: str, where_args: tuple[str, ...]) -> str:
    """Every `pipectl COMMAND` in ``text`` (domain code names commands, not options) as
    `pipectl --sandbox COMMAND`: with the global options in effect, so it works as printed.
    A command already rendered with its options is left alone, and so is `pipectl
    sandbox ...`: it acts on no pipeline and no endpoint."""
    import re

    if not where_args:
        return text
    prefix = suggested_command("", where_args).rstrip() + " "
    return re.sub(r"`pipectl (?=[a-z])(?!sandbox\b)", lambda _: "`" + prefix, text)


def spec_line(path: Path, key: str) -> str:
    """``file:line`` of a top-level key of the spec (just the file if it is not found)."""
    import re

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return str(path)
    pattern = re.compile(rf"^{re.escape(key)}\s*:")
    for number, line in enumerate(lines, start=1):
        if pattern.match(line):
            return f"{path}:{number}"
    return str(path)


def sandbox_credentials(token: str) -> dict[str, str]:
    """The sandbox lets in the holder of its token, sent as the access key id."""
    return {"AWS_ACCESS_KEY_ID": token, "AWS_SECRET_ACCESS_KEY": "sandbox"}
