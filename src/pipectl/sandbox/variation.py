"""How sandbox runs differ from one another, as real ones do, and reproducibly.

- PROVISIONING and QUEUED vary from build to build (jitter);
- a project's first docker build is slower than the later ones, which find the layer
  cache warm (and log ``#N CACHED`` for each reused layer, as BuildKit does);
- an ECS task's image pull takes longer for a bigger image;
- behind a load balancer, old tasks drain for the target group's deregistration delay.

Every draw comes from a generator seeded with the sandbox's seed (``PIPECTL_SANDBOX_SEED``,
default 0) and what is drawn for (the project and its build number), so the same runs
take the same times whatever else happens in the sandbox.
"""

from __future__ import annotations

import hashlib
import random

#: Relative spread of each jittered phase: (lowest, highest) factor of its nominal time.
JITTER: dict[str, tuple[float, float]] = {
    "QUEUED": (0.5, 2.0),
    "PROVISIONING": (0.8, 1.8),
}
#: A warm layer cache leaves this share of the BUILD phase (the layers that changed).
WARM_BUILD_SHARE = 0.4
#: Image pull: a fixed start plus the compressed size at this rate (Fargate from ECR).
PULL_BASE_S = 1.0
PULL_BYTES_PER_S = 40 * 1024**2


class Variation:
    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def _draw(self, *key: object) -> random.Random:
        digest = hashlib.sha256(repr((self.seed, *key)).encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def phase_seconds(self, nominal: float, phase: str, project: str, number: int,
                      warm: bool) -> float:
        if phase in JITTER:
            low, high = JITTER[phase]
            return nominal * self._draw(project, number, phase).uniform(low, high)
        if phase == "BUILD" and warm:
            return nominal * WARM_BUILD_SHARE
        return nominal

    @staticmethod
    def pull_seconds(image_bytes: int) -> float:
        return PULL_BASE_S + max(0, image_bytes) / PULL_BYTES_PER_S
