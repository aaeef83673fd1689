"""`pipectl build --local` on the repository's own buildspec.yml, with stand-in aws and docker.

The stand-ins record every call (argv as JSON, plus what docker login read on stdin) and
answer as the real tools would. Each test builds a temporary copy of the repository's
files, so nothing is ever written into the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_cli

REGISTRY = "000000000000.dkr.ecr.us-east-1.amazonaws.com"
REPOSITORY_URI = f"{REGISTRY}/hello-web"

AWS_STUB = """\
import json, os, sys
with open(os.environ["STUB_LOG"], "a") as log:
    log.write(json.dumps({"tool": "aws", "argv": sys.argv[1:]}) + "\\n")
if os.environ.get("STUB_FAIL") == "login":
    sys.stderr.write("An error occurred (AccessDeniedException) when calling the "
                     "GetAuthorizationToken operation: not authorized\\n")
    sys.exit(255)
if sys.argv[1:3] == ["ecr", "get-login-password"]:
    print("fake-ecr-password")
"""

DOCKER_STUB = """\
import json, os, sys
args = sys.argv[1:]
entry = {"tool": "docker", "argv": args}
if args[:1] == ["login"]:
    entry["stdin"] = sys.stdin.read()
with open(os.environ["STUB_LOG"], "a") as log:
    log.write(json.dumps(entry) + "\\n")
fail = os.environ.get("STUB_FAIL")
if args[:1] == ["login"]:
    if not entry["stdin"]:
        sys.stderr.write("Error: Cannot perform an interactive login from a non TTY device\\n")
        sys.exit(1)
    print("Login Succeeded")
elif args[:2] == ["manifest", "inspect"]:
    if os.environ.get("STUB_EXISTING") != args[2]:
        sys.stderr.write("no such manifest: " + args[2] + "\\n")
        sys.exit(1)
    print("{}")
elif args[:2] == ["buildx", "inspect"]:
    sys.stderr.write("ERROR: no builder \\"pipectl\\" found\\n")
    sys.exit(1)
elif args[:2] == ["buildx", "create"]:
    print("pipectl")
elif args[:2] == ["buildx", "build"]:
    if fail == "build":
        sys.stderr.write("ERROR: failed to solve: process \\"/bin/sh -c exit 1\\" did not "
                         "complete successfully: exit code: 1\\n")
        sys.exit(1)
    print("#8 exporting to docker image format done")
elif args[:1] == ["push"]:
    if fail == "push":
        sys.stderr.write("tag invalid: the image tag already exists\\n")
        sys.exit(1)
    print("latest: digest: sha256:" + "0" * 64 + " size: 1234")
"""


@dataclass
class Checkout:
    root: Path
    log: Path
    environ: dict[str, str]

    def calls(self) -> list[dict[str, object]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def argvs(self, tool: str) -> list[list[str]]:
        return [c["argv"] for c in self.calls() if c["tool"] == tool]  # type: ignore[misc]


def _write_stub(directory: Path, name: str, body: str) -> None:
    path = directory / name
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root, capture_output=True, text=True, check=True,
    )
    return result.stdout.strip()


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Checkout]:
    """A copy of the files a build needs, with stand-in aws and docker first on PATH."""
    root = tmp_path / "checkout"
    (root / "config").mkdir(parents=True)
    (root / "app").mkdir()
    for name in ("buildspec.yml", "Dockerfile", ".dockerignore", "config/pipeline.yml",
                 "config/task_definition.json", "app/default.conf.template"):
        shutil.copyfile(REPO_ROOT / name, root / name)
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    _write_stub(stubs, "aws", AWS_STUB)
    _write_stub(stubs, "docker", DOCKER_STUB)
    log = tmp_path / "calls.jsonl"
    environ = dict(os.environ)
    environ["PATH"] = f"{stubs}{os.pathsep}{environ.get('PATH', '')}"
    environ["STUB_LOG"] = str(log)
    environ["GIT_CEILING_DIRECTORIES"] = str(tmp_path)  # a git checkout only if the test makes one
    for name in ("STUB_FAIL", "STUB_EXISTING", "AWS_REGION", "PIPECTL_CONFIG", "REPOSITORY_URI",
                 "CONTAINER_NAME"):
        environ.pop(name, None)
    monkeypatch.chdir(root)
    yield Checkout(root, log, environ)


def _commit(checkout: Checkout) -> str:
    _git(checkout.root, "init", "-q")
    _git(checkout.root, "add", ".")
    _git(checkout.root, "commit", "-q", "-m", "the reference pipeline")
    return _git(checkout.root, "rev-parse", "HEAD")


def test_builds_logs_in_pushes_and_writes_image_definitions(checkout: Checkout) -> None:
    commit = _commit(checkout)
    tag = commit[:7]
    image = f"{REPOSITORY_URI}:{tag}"

    result = run_cli(["build", "--local"], environ=checkout.environ)

    assert result.exit_code == 0, result.output
    assert checkout.argvs("aws") == [["ecr", "get-login-password", "--region", "us-east-1"]]
    docker = checkout.argvs("docker")
    assert docker[0] == ["login", "--username", "AWS", "--password-stdin", REGISTRY]
    login = next(c for c in checkout.calls() if c["argv"] == docker[0])
    assert login["stdin"] == "fake-ecr-password\n"  # the password went through the pipe
    assert ["manifest", "inspect", image] in docker
    assert ["buildx", "create", "--name", "pipectl", "--driver", "docker-container",
            "--driver-opt", "image=mirror.gcr.io/moby/buildkit:buildx-stable-1"] in docker
    build = next(a for a in docker if a[:2] == ["buildx", "build"])
    assert build == [
        "buildx", "build",
        "--builder", "pipectl",
        "--build-arg", f"COMMIT={commit}",
        "--cache-from", f"type=registry,ref={REPOSITORY_URI}:buildcache",
        "--cache-to", "type=registry,mode=max,image-manifest=true,oci-mediatypes=true,"
                      f"ignore-error=true,ref={REPOSITORY_URI}:buildcache",
        "--tag", image,
        "--load",
        ".",
    ]
    assert docker[-1] == ["push", image]
    assert docker.index(build) < docker.index(["push", image])
    assert (checkout.root / "imagedefinitions.json").read_text() == (
        f'[{{"name":"web","imageUri":"{image}"}}]\n'
    )
    assert "[pre_build] Login Succeeded" in result.stdout
    assert f"[post_build] [{{\"name\":\"web\",\"imageUri\":\"{image}\"}}]" in result.stdout
    assert "[upload_artifacts] artifact imagedefinitions.json" in result.stdout
    assert f"exported IMAGE_TAG={tag}" in result.stdout


def test_account_from_env_names_the_real_registry(checkout: Checkout) -> None:
    _commit(checkout)
    result = run_cli(["build", "--local", "--env", "AWS_ACCOUNT_ID=123456789012"],
                     environ=checkout.environ)
    assert result.exit_code == 0, result.output
    registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    assert checkout.argvs("docker")[0][-1] == registry
    definitions = json.loads((checkout.root / "imagedefinitions.json").read_text())
    assert definitions[0]["imageUri"].startswith(f"{registry}/hello-web:")


def test_without_a_commit_the_tag_falls_back_to_the_build_number(checkout: Checkout) -> None:
    # Not a git checkout: CODEBUILD_RESOLVED_SOURCE_VERSION is empty, as for an S3 source.
    result = run_cli(["build", "--local"], environ=checkout.environ)
    assert result.exit_code == 0, result.output
    image = f"{REPOSITORY_URI}:build-1"
    assert ["push", image] in checkout.argvs("docker")
    build = next(a for a in checkout.argvs("docker") if a[:2] == ["buildx", "build"])
    assert "COMMIT=build-1" in build
    assert json.loads((checkout.root / "imagedefinitions.json").read_text()) == [
        {"name": "web", "imageUri": image}
    ]


def test_a_failing_docker_build_stops_in_the_build_phase(checkout: Checkout) -> None:
    _commit(checkout)
    checkout.environ["STUB_FAIL"] = "build"

    result = run_cli(["build", "--local"], environ=checkout.environ)

    assert result.exit_code == 1
    assert "[build] ERROR: failed to solve" in result.stdout
    assert "[build] phase failed" in result.stdout
    assert "[post_build] skipped: build failed" in result.stdout
    assert "failed in phase build" in result.stderr
    assert "docker buildx build" in result.stderr
    assert "buildspec.yml:" in result.stderr
    assert not any(a[:1] == ["push"] for a in checkout.argvs("docker"))
    assert not (checkout.root / "imagedefinitions.json").exists()
    assert "Traceback" not in result.output


def test_a_failed_login_stops_in_pre_build(checkout: Checkout) -> None:
    checkout.environ["STUB_FAIL"] = "login"
    result = run_cli(["build", "--local"], environ=checkout.environ)
    assert result.exit_code == 1
    assert "[pre_build] An error occurred (AccessDeniedException)" in result.stdout
    assert "[build] skipped: pre_build failed" in result.stdout
    assert "failed in phase pre_build" in result.stderr
    assert "aws ecr get-login-password" in result.stderr
    assert not any(a[:2] == ["buildx", "build"] for a in checkout.argvs("docker"))


def test_a_failing_push_stops_in_post_build_without_image_definitions(
    checkout: Checkout,
) -> None:
    checkout.environ["STUB_FAIL"] = "push"
    result = run_cli(["build", "--local"], environ=checkout.environ)
    assert result.exit_code == 1
    assert "failed in phase post_build" in result.stderr
    assert "docker push" in result.stderr
    assert not (checkout.root / "imagedefinitions.json").exists()


def test_an_image_already_built_for_the_commit_is_reused(checkout: Checkout) -> None:
    commit = _commit(checkout)
    image = f"{REPOSITORY_URI}:{commit[:7]}"
    checkout.environ["STUB_EXISTING"] = image

    result = run_cli(["build", "--local"], environ=checkout.environ)

    assert result.exit_code == 0, result.output
    docker = checkout.argvs("docker")
    assert not any(a[:2] == ["buildx", "build"] or a[:1] == ["push"] for a in docker)
    assert f"{image} is in the repository already" in result.stdout
    assert json.loads((checkout.root / "imagedefinitions.json").read_text()) == [
        {"name": "web", "imageUri": image}
    ]


def test_json_output_is_one_event_per_line(checkout: Checkout) -> None:
    commit = _commit(checkout)
    result = run_cli(["build", "--local", "-o", "json"], environ=checkout.environ)
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    started = [e["phase"] for e in events if e["event"] == "phase_started"]
    assert started == ["pre_build", "build", "post_build"]
    assert {"event": "output", "phase": "pre_build", "text": "Login Succeeded"} in events
    final = events[-1]
    assert final["event"] == "build_finished"
    assert final["succeeded"] is True
    assert final["exported"]["IMAGE_TAG"] == commit[:7]
    artifacts = next(e for e in events if e["event"] == "artifacts_checked")
    assert artifacts["found"] == ["imagedefinitions.json"]


def test_without_a_spec_the_buildspec_says_what_is_missing(checkout: Checkout) -> None:
    (checkout.root / "config" / "pipeline.yml").unlink()
    result = run_cli(["build", "--local"], environ=checkout.environ)
    assert result.exit_code == 1
    assert "[pre_build] REPOSITORY_URI is not set" in result.stdout
    assert "[pre_build] CONTAINER_NAME is not set" in result.stdout
    assert "failed in phase pre_build: `for name in REPOSITORY_URI" in result.stderr
    assert checkout.calls() == []


def test_variables_from_env_option_stand_in_for_the_spec(checkout: Checkout) -> None:
    (checkout.root / "config" / "pipeline.yml").unlink()
    uri = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/api"
    result = run_cli(["build", "--local", "--env", f"REPOSITORY_URI={uri}",
                      "--env", "CONTAINER_NAME=api", "--env", "AWS_DEFAULT_REGION=eu-west-1"],
                     environ=checkout.environ)
    assert result.exit_code == 0, result.output
    assert checkout.argvs("aws") == [["ecr", "get-login-password", "--region", "eu-west-1"]]
    assert checkout.argvs("docker")[0][-1] == "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
    assert json.loads((checkout.root / "imagedefinitions.json").read_text()) == [
        {"name": "api", "imageUri": f"{uri}:build-1"}
    ]


def test_the_specs_build_env_overrides_the_buildspecs_variables(checkout: Checkout) -> None:
    spec = checkout.root / "config" / "pipeline.yml"
    mirror = "123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/buildkit:v0.23"
    text = spec.read_text()
    assert "  cache: local\n" in text
    spec.write_text(text.replace("  cache: local\n",
                                 f"  cache: local\n  env:\n    BUILDKIT_IMAGE: {mirror}\n"))
    result = run_cli(["build", "--local"], environ=checkout.environ)
    assert result.exit_code == 0, result.output
    create = next(a for a in checkout.argvs("docker") if a[:2] == ["buildx", "create"])
    assert create[-1] == f"image={mirror}"


def test_an_account_id_that_is_not_12_digits_is_refused_before_any_command(
    checkout: Checkout,
) -> None:
    for account in ("12345", "123456789012; rm -rf ~", "*"):
        result = run_cli(["build", "--local", "--env", f"AWS_ACCOUNT_ID={account}"],
                         environ=checkout.environ)
        assert result.exit_code == 2, result.output
        assert "AWS_ACCOUNT_ID must be 12 digits" in result.stderr
    assert checkout.calls() == []


def test_the_reference_buildspec_writes_no_forged_image_definitions(checkout: Checkout) -> None:
    _commit(checkout)
    forged = 'web","imageUri":"evil.example/backdoor:1'
    result = run_cli(["build", "--local", "--env", f"CONTAINER_NAME={forged}"],
                     environ=checkout.environ)
    assert result.exit_code == 1, result.output
    assert "not writing imagedefinitions.json" in result.output
    assert not (checkout.root / "imagedefinitions.json").exists()
