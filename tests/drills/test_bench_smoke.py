"""The benchmark still runs: ``bench/run.py --quick`` end to end (one of everything)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT


def test_quick_bench_measures_everything_and_writes_the_report(tmp_path: Path) -> None:
    report = tmp_path / "benchmarks.md"
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "run.py"), "--quick", "--output", str(report)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    text = report.read_text()
    assert text == done.stdout.rstrip("\n") + "\n"
    for section in ("## Machine", "## Targets", "## Start-up", "## AWS calls",
                    "## `pipectl list` as pipelines grow", "## `pipectl insights --runs 5`"):
        assert section in text
    for command in ("`python -c pass`", "`aws --version`", "`pipectl --help`",
                    "`pipectl validate`", "`aws codepipeline get-pipeline-state`"):
        assert command in text
    # The one target that does not depend on the machine: a no-op create mutates nothing.
    assert "| no-op `create` | 0 mutating calls | 0 mutating of" in text
    assert "calls a minute" in text
    assert "codepipeline:ListActionExecutions" in text  # insights' calls, by operation
    assert str(tmp_path) not in text  # no paths of this machine in the report
