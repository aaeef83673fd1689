"""The runtime-versions data and the script that regenerates it agree."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from pipectl.buildspec.runtimes import image_runtimes, known_images, taken_on

SCRIPT = Path(__file__).parents[2] / "scripts" / "update_codebuild_runtimes.py"


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_codebuild_runtimes", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_data_covers_the_images_the_script_reads_and_says_when_it_was_taken() -> None:
    update = script()
    assert sorted(known_images()) == sorted(update.IMAGES)
    assert taken_on()[:2] == "20"
    data = json.loads(update.OUTPUT.read_text())
    assert all(len(entry["commit"]) == 40 for entry in data["images"].values())


def test_the_script_keeps_versions_as_written_and_notes_default_installs() -> None:
    text = ("version: 0.1\nruntimes:\n  golang:\n    versions:\n      1.20:\n"
            "        commands: [x]\n      default:\n        commands: [y]\n")
    assert script().runtimes(text) == {"golang": {"versions": ["1.20"], "default": True}}


def test_versions_are_matched_as_codebuild_reads_them() -> None:
    standard = image_runtimes("aws/codebuild/standard:7.0")
    assert standard is not None
    golang = standard.runtimes["golang"]
    assert golang.offers(1.2)  # `golang: 1.20` in YAML is the number 1.2
    assert golang.offers("1.21") and golang.offers("latest") and golang.offers("1.x")
    assert not golang.offers("1.19")
    custom = image_runtimes("aws/codebuild/amazonlinux2-aarch64-standard:3.0")
    assert custom is not None and custom.runtimes["nodejs"].offers("23")
    assert image_runtimes("aws/codebuild/standard:4.0") is None


def test_the_script_offline_says_so_and_writes_nothing(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import urllib.error

    update = script()

    def offline(url: str) -> bytes:
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(update, "fetch", offline)
    monkeypatch.setattr("sys.argv", ["update_codebuild_runtimes.py"])
    before = update.OUTPUT.read_bytes()
    assert update.main() == 2
    assert "cannot read the images' runtimes.yml from GitHub" in capsys.readouterr().err
    assert update.OUTPUT.read_bytes() == before
