"""The `insights --html` page as a person sees it: headless Chromium opens the file,
offline, and takes a screenshot; the page rendered (not blank), the waterfall's bars
are on it, the browser logged no console message and the page asked the network for
nothing.

Chromium comes from Debian's packages (`apt-get install chromium`); without it the test
skips outside CI and fails under CI=true. The screenshot and the page are kept as test
artifacts (tests/artifacts.py: `test-artifacts/`, or PIPECTL_TEST_ARTIFACTS), whether the
checks pass or not; the session's summary prints the folder.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from pipectl.aws.session import AwsSession
from pipectl.ui.insights_html import COLORS
from tests import artifacts
from tests.conftest import run_cli
from tests.insights.world import RunSpec, World
from tests.runs.conftest import SPEC
from tests.system_tools import require_tool
from tests.ui.png import Pixel, read_png

WINDOW = (1280, 1400)
LEGEND_SWATCH = 12 * 12  # the legend shows each colour too: the bars must add to it
# Quiet the browser's own traffic (updates, sync, accounts), so that what the net log
# shows is the page's; every request is also sent to a proxy where nothing listens.
QUIET = ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-default-apps", "--disable-domain-reliability",
         "--disable-client-side-phishing-detection",
         "--disable-features=Translate,OptimizationHints,MediaRouter",
         "--proxy-server=127.0.0.1:9", "--enable-logging=stderr", "--v=0")


def screenshot(chromium: str, page: Path, out: Path) -> tuple[list[str], list[str]]:
    """Open ``page`` and save a PNG; (console lines, URLs the page requested)."""
    net_log = out.with_suffix(".netlog.json")
    done = subprocess.run(
        [chromium, *QUIET, f"--user-data-dir={out.parent / (out.stem + '-profile')}",
         f"--log-net-log={net_log}", f"--screenshot={out}",
         f"--window-size={WINDOW[0]},{WINDOW[1]}", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and out.exists(), done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return console, page_requests(net_log)


def page_requests(net_log: Path) -> list[str]:
    """URLs requested on behalf of a file:// page (not the browser's own traffic)."""
    try:
        events = json.loads(net_log.read_text()).get("events", [])
    except (OSError, ValueError):
        return []
    found = []
    for event in events:
        params = event.get("params") or {}
        url = str(params.get("url") or "")
        if "file://" in str(params.get("network_isolation_key") or "") and not url.startswith(
                ("file:", "data:")):
            found.append(url)
    return sorted(set(found))


def hex_rgb(color: str) -> Pixel:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def near(pixel: Pixel, color: Pixel, tolerance: int = 4) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, color, strict=True))


@pytest.fixture
def chromium() -> str:
    return require_tool("chromium", "chromium-browser", "google-chrome")


def test_the_browser_check_sees_console_messages_and_requests(
    chromium: str, tmp_path: Path
) -> None:
    """The checks below can fail: a page that logs and fetches is caught by both."""
    page = tmp_path / "noisy.html"
    page.write_text('<!DOCTYPE html><html><body><p>x</p><img src="http://example.com/a.png">'
                    '<script>console.error("broken")</script></body></html>')
    console, requests = screenshot(chromium, page, tmp_path / "noisy.png")
    assert any('"broken"' in line for line in console)
    assert requests == ["http://example.com/a.png"]


def test_the_insights_page_renders_its_waterfall_offline(
    chromium: str, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (in_tmp / "config").mkdir()
    (in_tmp / "config" / "pipeline.yml").write_text(SPEC)
    world = World([RunSpec(), RunSpec(pull=30.0), RunSpec(phases={**RunSpec().phases,
                                                                   "BUILD": 90})])
    monkeypatch.setattr(AwsSession, "client", lambda self, service: world.clients.client(service))
    result = run_cli(["insights", "--runs", "3", "--html", "insights.html"])
    assert result.exit_code == 0, result.output

    shot = in_tmp / "insights.png"
    console, requests = screenshot(chromium, in_tmp / "insights.html", shot)
    artifacts.keep("insights-page.html", in_tmp / "insights.html")
    print(f"\nscreenshot of the insights page: {artifacts.keep('insights-page.png', shot)}")
    assert console == [], console
    assert requests == [], requests

    width, height, pixels = read_png(shot)
    assert (width, height) == WINDOW
    colors = Counter(pixels)
    white = colors.get((255, 255, 255), 0)
    assert len(colors) > 50, "the page looks blank"
    assert white < 0.97 * len(pixels), "the page is almost all white"
    # The waterfall's bars: each kind of step drew in its colour (an action, build phases,
    # rollout steps, gaps), as solid areas rather than a stray pixel.
    for kind in ("action", "phase", "rollout", "gap"):
        wanted = hex_rgb(COLORS[kind])
        painted = sum(n for color, n in colors.items() if near(color, wanted))
        assert painted > LEGEND_SWATCH + 60, f"no {kind} bar on the screenshot"
