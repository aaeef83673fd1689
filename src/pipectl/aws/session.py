"""Create boto3 clients with pipectl's profile, region, endpoint and retry settings.

boto3 is imported here, lazily, on first use: ``pipectl --help``, ``validate`` and
``init`` never pay for it. Every API call is counted by operation so that ``-v``
can show what a command cost and tests can assert that a no-op ``create`` mutates
nothing.
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
        self._lock = threading.Lock()
        self._session: Any = None
        self._account_id: str | None = None

    def _boto_session(self) -> Any:
        if self._session is None:
            import boto3

            self._session = boto3.session.Session(
                profile_name=self.settings.profile, region_name=self.settings.region
            )
        return self._session

    @property
    def region(self) -> str:
        region = self._boto_session().region_name
        if not region:
            from pipectl.errors import InvalidInput

            raise InvalidInput(
                "no AWS region is set",
                hint="set `region:` in the spec, pass --region, or export AWS_REGION",
            )
        return str(region)

    def client(self, service: str) -> Any:
        with self._lock:
            cached = self._clients.get(service)
            if cached is not None:
                return cached
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
            client = self._boto_session().client(
                service,
                region_name=self.region,
                endpoint_url=self.settings.endpoint_url,
                config=config,
            )
            name = client.meta.service_model.service_name

            def count(model: Any, **_: Any) -> None:
                self.counter.record(name, model.name)

            client.meta.events.register("before-call.*.*", count)
            self._clients[service] = client
            return client

    def account_id(self) -> str:
        if self._account_id is None:
            from pipectl.aws.errors import aws_call

            with aws_call("sts:GetCallerIdentity"):
                ident = self.client("sts").get_caller_identity()
            self._account_id = str(ident["Account"])
        return self._account_id
