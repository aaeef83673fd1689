"""The phases a CodeBuild build walks through, in order, and how long each takes.

The one list of them: the runner walks it, a pipeline's Build action reports its progress
along it, and the fault injector accepts the phases of it that can fail.
"""

from __future__ import annotations

# Nominal seconds each phase takes (multiplied by the time scale).
PHASE_SECONDS: dict[str, float] = {
    "SUBMITTED": 0.5,
    "QUEUED": 1.0,
    "PROVISIONING": 5.0,
    "DOWNLOAD_SOURCE": 2.0,
    "INSTALL": 1.0,
    "PRE_BUILD": 3.0,
    "BUILD": 10.0,
    "POST_BUILD": 4.0,
    "UPLOAD_ARTIFACTS": 1.0,
    "FINALIZING": 1.0,
}
PHASE_ORDER = (
    "SUBMITTED",
    "QUEUED",
    "PROVISIONING",
    "DOWNLOAD_SOURCE",
    "INSTALL",
    "PRE_BUILD",
    "BUILD",
    "POST_BUILD",
    "UPLOAD_ARTIFACTS",
    "FINALIZING",
    "COMPLETED",
)
COMMAND_PHASES = ("INSTALL", "PRE_BUILD", "BUILD", "POST_BUILD")
# The phases an injected fault can fail: SUBMITTED, QUEUED, FINALIZING and COMPLETED
# never fail on AWS.
FAULTABLE_PHASES = PHASE_ORDER[PHASE_ORDER.index("PROVISIONING"):PHASE_ORDER.index("FINALIZING")]
