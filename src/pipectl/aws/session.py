"""Create AWS clients with pipectl's profile, region, endpoint and retry settings.

The clients are botocore's (what boto3's ``client()`` returns too): botocore is imported
here, lazily, on first use, so ``pipectl --help``, ``validate`` and ``init`` never pay
for it, and boto3 itself is not imported at all: its import adds s3transfer and
multiprocessing, tens of milliseconds that no pipectl command uses. Every API call
is counted by operation so that ``-v`` can show what a command cost and tests can
assert that a no-op ``create`` mutates nothing.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: Operation-name prefixes that only read. Anything else is treated as mutating.
READ_PREFIXES = ("Get", "List", "Describe", "BatchGet", "Head", "Lookup", "Filter")

DEFAULT_RETRY_MODE = "standard"
DEFAULT_MAX_ATTEMPTS = 6


def is_read_operation(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES)


@dataclass
class CallCounter:
    """Thread-safe count of API calls, keyed ``service:Operation``."""

    counts: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, service: str, operation: str) -> None:
        with self._lock:
            self.counts[f"{service}:{operation}"] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def mutating(self) -> dict[str, int]:
        return {
            key: n
            for key, n in sorted(self.counts.items())
            if not is_read_operation(key.split(":", 1)[1])
        }


@dataclass(frozen=True)
class AwsSettings:
    """What the user chose on the command line or in the environment."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None


class AwsSession:
    """Creates and caches one client per service; counts every call."""

    def __init__(self, settings: AwsSettings, counter: CallCounter | None = None) -> None:
        self.settings = settings
        self.counter = counter or CallCounter()
        self._clients: dict[str, Any] = {}
        # Clients are created one at a time: creating them in parallel threads is slower
        # (measured: client creation is CPU work under the GIL), and botocore does not
        # promise that one session may create clients from several threads at once.
        self._lock = threading.RLock()
        self._session: Any = None
        self._account_id: str | None = None

    def _boto_session(self) -> Any:
        with self._lock:
            if self._session is None:
                import botocore.session

                session = botocore.session.Session()
                self._use_trimming_loader(session)
                if self.settings.profile is not None:
                    session.set_config_variable("profile", self.settings.profile)
                if self.settings.region is not None:
                    session.set_config_variable("region", self.settings.region)
                self._session = session
            return self._session

    @staticmethod
    def _use_trimming_loader(session: Any) -> None:
        """botocore's loader as botocore builds it (``AWS_DATA_PATH`` included), but one
        that trims large models to the operations pipectl calls (see aws.models)."""

        def create() -> Any:
            from pipectl.aws.models import TrimmingLoader, cache_directory

            data_path = session.get_config_variable("data_path")
            extra = None if data_path is None else [
                os.path.expanduser(os.path.expandvars(p)) for p in data_path.split(os.pathsep)]
            return TrimmingLoader(cache_directory(os.environ), extra_search_paths=extra)

        session.lazy_register_component("data_loader", create)

    @property
    def region(self) -> str:
        region = self._boto_session().get_config_variable("region")
        if not region:
            from pipectl.errors import InvalidInput

            raise InvalidInput(
                "no AWS region is set",
                hint="set `region:` in the spec, pass --region, or export AWS_REGION",
            )
        return str(region)

    def client(self, service: str) -> Any:
        # A client already made is returned without the lock, so that a thread creating
        # another one never holds up threads whose clients exist.
        made = self._clients.get(service)
        if made is not None:
            return made
        with self._lock:
            cached = self._clients.get(service)
            if cached is None:
                cached = self._clients[service] = self._create_client(service)
            return cached

    def _create_client(self, service: str) -> Any:
        from botocore.config import Config

        config = Config(
            retries={
                "mode": os.environ.get("AWS_RETRY_MODE", DEFAULT_RETRY_MODE),
                "total_max_attempts": int(
                    os.environ.get("AWS_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)
                ),
            },
            connect_timeout=5,
            read_timeout=30,
            max_pool_connections=20,
            user_agent_extra="pipectl",
        )
        client = self._boto_session().create_client(
            service,
            region_name=self.region,
            endpoint_url=self.settings.endpoint_url,
            config=config,
        )
        name = client.meta.service_model.service_name

        def count(model: Any, **_: Any) -> None:
            self.counter.record(name, model.name)

        client.meta.events.register("before-call.*.*", count)
        return client

    def account_id(self) -> str:
        if self._account_id is None:
            from pipectl.aws.errors import aws_call

            with aws_call("sts:GetCallerIdentity"):
                ident = self.client("sts").get_caller_identity()
            self._account_id = str(ident["Account"])
        return self._account_id
