"""The security checks use the drills' sandbox and project fixtures, and spec variants."""

from pathlib import Path

import pytest

from pipectl.resources.desired import DesiredState
from tests.drills.conftest import (  # noqa: F401 - fixtures, found by name
    call_hooks,
    project,
    quick_retries,
    sandbox,
    shared_service_models,
)
from tests.security.variants import VARIANTS, build_state


@pytest.fixture(params=sorted(VARIANTS))
def state(request: pytest.FixtureRequest, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> DesiredState:
    """The desired state of each spec variant (what ``create`` would write)."""
    monkeypatch.chdir(tmp_path)
    return build_state(tmp_path, VARIANTS[request.param])
