"""Under ``CI=true`` a skipped test fails the run: CI exists to run every test, and a skip
(a tool CI forgot to install, a condition that no longer holds) would otherwise pass green.

A pytest plugin: tests/conftest.py registers it; `pytest -p tests.ci_gate` loads it alone
(tests/test_ci_gate.py runs a small session that way). It acts in the process that
reports the session, so with pytest-xdist in the controller, which sees every worker's
skips.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.system_tools import under_ci

PLUGIN_NAME = "pipectl-ci-gate"


@dataclass
class SkipsFailCI:
    """Collects every skipped test (and skipped module) and fails the session on them."""

    skipped: list[tuple[str, str]] = field(default_factory=list)

    def _note(self, report: pytest.CollectReport | pytest.TestReport) -> None:
        # An xfail is reported as skipped too, but the test ran: only real skips count.
        if report.skipped and not hasattr(report, "wasxfail"):
            self.skipped.append((report.nodeid or "(collection)", _reason(report)))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._note(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._note(report)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.skipped and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.skipped:
            return
        terminalreporter.write_sep(
            "=", f"CI=true: {len(self.skipped)} skipped, and no test may skip in CI",
            red=True, bold=True)
        for nodeid, reason in self.skipped:
            terminalreporter.write_line(f"SKIPPED IN CI {nodeid}: {reason}")


def _reason(report: pytest.CollectReport | pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_configure(config: pytest.Config) -> None:
    # xdist's workers report to the controller, which registers the plugin for them all.
    if under_ci() and not hasattr(config, "workerinput") and not config.pluginmanager.has_plugin(
            PLUGIN_NAME):
        config.pluginmanager.register(SkipsFailCI(), PLUGIN_NAME)
