#!/usr/bin/env python3
"""Regenerate src/pipectl/buildspec/runtimes.json from the CodeBuild images' runtimes.yml.

Each current CodeBuild image lists the runtime-versions it offers in a runtimes.yml in
https://github.com/aws/aws-codebuild-docker-images. This script reads the newest
commit of each file (GitHub's API), takes the runtime names and version keys as
written (YAML would read 3.10 as 3.1), notes whether the image installs other versions
("default" entry), and writes the data with today's date and the commits it used.

Usage: python scripts/update_codebuild_runtimes.py [--check]
  --check: exit 1 if the stored data differs from what the images publish now.
Exit 2 when GitHub cannot be read (offline, rate-limited, a file moved): nothing is written.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

import yaml

REPOSITORY = "aws/aws-codebuild-docker-images"
OUTPUT = Path(__file__).resolve().parents[1] / "src" / "pipectl" / "buildspec" / "runtimes.json"
#: The image names CodeBuild projects use -> their runtimes.yml in the repository.
IMAGES = {
    "aws/codebuild/standard:5.0": "ubuntu/standard/5.0/runtimes.yml",
    "aws/codebuild/standard:6.0": "ubuntu/standard/6.0/runtimes.yml",
    "aws/codebuild/standard:7.0": "ubuntu/standard/7.0/runtimes.yml",
    "aws/codebuild/amazonlinux2-x86_64-standard:4.0": "al2/x86_64/standard/4.0/runtimes.yml",
    "aws/codebuild/amazonlinux2-x86_64-standard:5.0": "al2/x86_64/standard/5.0/runtimes.yml",
    "aws/codebuild/amazonlinux2-aarch64-standard:2.0": "al2/aarch64/standard/2.0/runtimes.yml",
    "aws/codebuild/amazonlinux2-aarch64-standard:3.0": "al2/aarch64/standard/3.0/runtimes.yml",
}


def fetch(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "pipectl-runtimes-update"})
    with urllib.request.urlopen(request, timeout=30) as response:
        data: bytes = response.read()
        return data


def latest_commit(path: str) -> str:
    url = f"https://api.github.com/repos/{REPOSITORY}/commits?path={path}&per_page=1"
    commits: list[dict[str, Any]] = json.loads(fetch(url))
    return str(commits[0]["sha"])


def runtimes(text: str) -> dict[str, dict[str, Any]]:
    """Runtime -> versions as written, read from the YAML nodes (not the values)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    out: dict[str, dict[str, Any]] = {}
    top = {k.value: v for k, v in root.value}
    for name_node, body in top["runtimes"].value:
        versions_node = {k.value: v for k, v in body.value}["versions"]
        keys = [k.value for k, _ in versions_node.value]
        out[name_node.value] = {"versions": [k for k in keys if k != "default"],
                                "default": "default" in keys}
    return out


def generate() -> dict[str, Any]:
    images: dict[str, Any] = {}
    for image, path in IMAGES.items():
        commit = latest_commit(path)
        text = fetch(f"https://raw.githubusercontent.com/{REPOSITORY}/{commit}/{path}")
        images[image] = {"path": path, "commit": commit,
                         "runtimes": runtimes(text.decode("utf-8"))}
    return {
        "source": f"https://github.com/{REPOSITORY}",
        "taken": datetime.date.today().isoformat(),
        "note": "runtime-versions each CodeBuild image offers, from its runtimes.yml; "
                "regenerate with scripts/update_codebuild_runtimes.py",
        "images": images,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    try:
        fresh = generate()
    except (OSError, ValueError, LookupError) as exc:  # offline, rate-limited, moved files
        print(f"cannot read the images' runtimes.yml from GitHub: {exc}", file=sys.stderr)
        return 2
    if args.check:
        stored = json.loads(OUTPUT.read_text())
        same = {k: v["runtimes"] for k, v in stored["images"].items()} == \
            {k: v["runtimes"] for k, v in fresh["images"].items()}
        print("up to date" if same else "the images publish other runtimes: regenerate")
        return 0 if same else 1
    OUTPUT.write_text(json.dumps(fresh, indent=2) + "\n")
    print(f"wrote {OUTPUT} ({len(fresh['images'])} images, {fresh['taken']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
