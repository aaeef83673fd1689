"""`pipectl validate` on buildspecs seen in real projects: lenient where CodeBuild is,
strict where a build or a deploy would break (issue: validate right about real files)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.test_validate_malformed import LAYOUT, make_project

BASE_BUILDSPEC = (Path(__file__).parent / "malformed" / "base" / "buildspec.yml").read_text()


def validate(project: Path, buildspec: str | None = None, *, image: str | None = None,
             spec_edit: tuple[str, str] | None = None) -> tuple[int, list[dict[str, Any]]]:
    make_project(project)
    if buildspec is not None:
        (project / LAYOUT["buildspec.yml"]).write_text(buildspec)
    spec_path = project / LAYOUT["pipeline.yml"]
    text = spec_path.read_text()
    if image is not None:
        text = text.replace("  buildspec: buildspec.yml\n",
                            f"  buildspec: buildspec.yml\n  image: {image}\n")
    if spec_edit is not None:
        assert spec_edit[0] in text
        text = text.replace(*spec_edit)
    spec_path.write_text(text)
    result = run_cli(["validate", "-o", "json"])
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def brief(findings: list[dict[str, Any]]) -> list[tuple[str, str, int | None]]:
    return [(f["severity"], f["code"], f["line"]) for f in findings]


def test_version_0_1_is_a_warning_that_says_what_it_means(in_tmp: Path) -> None:
    text = BASE_BUILDSPEC.replace("version: 0.2", "version: 0.1").replace(
        "  build:\n    commands:\n      - docker build -t \"$REPOSITORY_URI:$IMAGE_TAG\" .\n",
        "  build:\n    commands:\n      - docker build -t \"$REPOSITORY_URI:latest\" .\n")
    text = text.replace('"$REPOSITORY_URI:$IMAGE_TAG"', '"$REPOSITORY_URI:latest"')
    code, findings = validate(in_tmp, text)
    assert code == 0, findings
    assert brief(findings) == [("warning", "version-0.1", 1)]
    assert "each command in a shell of its own" in findings[0]["message"]


def test_version_0_1_with_a_variable_carried_between_commands_is_an_error(in_tmp: Path) -> None:
    code, findings = validate(in_tmp, BASE_BUILDSPEC.replace("version: 0.2", "version: 0.1"))
    assert code == 2
    errors = [f for f in findings if f["severity"] == "error"]
    assert [(f["line"], f["message"].split(",")[0]) for f in errors] == [
        (9, "IMAGE_TAG is set by the command at line 6"),
        (12, "IMAGE_TAG is set by the command at line 6"),
        (13, "IMAGE_TAG is set by the command at line 6"),
    ]


def test_a_comment_only_command_is_a_warning(in_tmp: Path) -> None:
    text = BASE_BUILDSPEC.replace("  build:\n    commands:\n",
                                  "  build:\n    commands:\n      - # build the image\n")
    code, findings = validate(in_tmp, text)
    assert code == 0
    assert brief(findings) == [("warning", "empty-command", 9)]
    assert findings[0]["field"] == "phases.build.commands[0]"


def test_an_artifact_named_by_a_variable_is_a_warning(in_tmp: Path) -> None:
    text = BASE_BUILDSPEC.replace("    - imagedefinitions.json", "    - ${IMAGE_DEFS}")
    code, findings = validate(in_tmp, text)
    assert code == 0
    assert brief(findings) == [("warning", "unchecked-artifact", 16)]
    assert "${IMAGE_DEFS} names a file through a variable" in findings[0]["message"]
    # Written literally and wrong, it stays an error.
    code, findings = validate(in_tmp, text.replace("${IMAGE_DEFS}", "image.json"))
    assert code == 2
    assert brief(findings) == [("error", "no-image-definitions", 16)]


@pytest.mark.parametrize("value", ["ABORT", "CONTINUE", "RETRY", "RETRY-5", "RETRY-.*timeout.*",
                                   "RETRY-2-connection reset", "RETRY-0"])
def test_on_failure_values_of_the_codebuild_reference(in_tmp: Path, value: str) -> None:
    text = BASE_BUILDSPEC.replace("  build:\n", f"  build:\n    on-failure: '{value}'\n")
    code, findings = validate(in_tmp, text)
    assert (code, findings) == (0, [])


@pytest.mark.parametrize("value", ["RETRY-101", "RETRY-(", "IGNORE", "abort"])
def test_on_failure_values_codebuild_refuses(in_tmp: Path, value: str) -> None:
    text = BASE_BUILDSPEC.replace("  build:\n", f"  build:\n    on-failure: '{value}'\n")
    code, findings = validate(in_tmp, text)
    assert code == 2
    assert brief(findings) == [("error", "not-allowed", 8)]


def test_ecr_get_login_is_an_error_on_a_current_image(in_tmp: Path) -> None:
    text = BASE_BUILDSPEC.replace(
        'aws ecr get-login-password | docker login --username AWS --password-stdin '
        '"${REPOSITORY_URI%%/*}"', "$(aws ecr get-login --no-include-email --region $AWS_REGION)")
    code, findings = validate(in_tmp, text)
    assert code == 2
    assert brief(findings) == [("error", "ecr-get-login", 5)]
    assert "AWS CLI v2, which aws/codebuild/standard:7.0 ships" in findings[0]["message"]
    assert "get-login-password" in findings[0]["hint"]
    code, findings = validate(in_tmp, text, image="my.registry/builder:1")
    assert code == 0
    assert brief(findings) == [("warning", "ecr-get-login", 5)]


def test_runtime_versions_the_image_lacks(in_tmp: Path) -> None:
    text = BASE_BUILDSPEC.replace(
        "phases:\n", "phases:\n  install:\n    runtime-versions:\n      nodejs: 12\n"
        "      python: 3.12\n      docker: 18\n")
    code, findings = validate(in_tmp, text)
    assert code == 2
    assert [(f["line"], f["message"]) for f in findings] == [
        (5, "aws/codebuild/standard:7.0 has no nodejs 12: the build fails with YAML_FILE_ERROR"),
        (7, "aws/codebuild/standard:7.0 has no runtime 'docker': the build fails with "
            "YAML_FILE_ERROR"),
    ]
    assert findings[0]["hint"].startswith(
        "nodejs versions of aws/codebuild/standard:7.0: 18, 20 or latest (as of 20")
    assert "docker needs no runtime-versions entry" in findings[1]["hint"]
    # On an image that has them, the same lines are fine; on an unknown one: one note.
    code, findings = validate(in_tmp, text.replace("python: 3.12", "python: 3.9")
                              .replace("docker: 18", "docker: 19"),
                              image="aws/codebuild/amazonlinux2-aarch64-standard:2.0")
    assert (code, findings) == (0, [])
    code, findings = validate(in_tmp, text, image="public.ecr.aws/acme/builder:2")
    assert brief(findings) == [("warning", "runtimes-unchecked", 4)]


@pytest.mark.parametrize("version", ["18", "20.x", "latest", "'20'"])
def test_runtime_versions_the_image_offers(in_tmp: Path, version: str) -> None:
    text = BASE_BUILDSPEC.replace(
        "phases:\n", f"phases:\n  install:\n    runtime-versions:\n      nodejs: {version}\n"
        "      python: 3.12\n      golang: 1.20\n")
    assert validate(in_tmp, text) == (0, [])


def test_image_definitions_with_a_literal_container_name_that_differs(in_tmp: Path) -> None:
    text = BASE_BUILDSPEC.replace(
        """printf '[{"name":"%s","imageUri":"%s"}]' "$CONTAINER_NAME" """,
        """printf '[{"name":"app","imageUri":"%s"}]' """)
    code, findings = validate(in_tmp, text)
    assert code == 2
    assert brief(findings) == [("error", "container-name", 13)]
    assert findings[0]["message"] == (
        "imagedefinitions.json names container 'app' (written in the command) but "
        "deploy.container is 'web': the ECS deploy action fails to find it")


@pytest.mark.parametrize("edit", [
    # a template filled in place, as alphagov/govwifi-terraform's convert buildspec does
    """sed -i -e "s|app|$CONTAINER_APP_NAME|g" imagedefinitions.json""",
    "perl -pi -e s/app/$NAME/ imagedefinitions.json",
    "jq . defs.json > fixed.json && mv fixed.json imagedefinitions.json",
])
def test_image_definitions_rewritten_in_place_are_not_compared(in_tmp: Path, edit: str) -> None:
    written = BASE_BUILDSPEC.replace(
        """printf '[{"name":"%s","imageUri":"%s"}]' "$CONTAINER_NAME" """,
        """printf '[{"name":"app","imageUri":"%s"}]' """)
    edited = written.replace("artifacts:\n", f"      - {edit}\nartifacts:\n")
    assert edited != written
    assert validate(in_tmp, edited) == (0, [])  # the name the deploy action reads is computed
    # Read, not rewritten: the literal name still counts.
    read = written.replace("artifacts:\n", "      - sed -e s/app/web/ imagedefinitions.json\n"
                                            "artifacts:\n")
    assert brief(validate(in_tmp, read)[1]) == [("error", "container-name", 13)]


def test_image_definitions_name_from_a_variable_is_followed_to_its_value(in_tmp: Path) -> None:
    write = """printf '[{"name":"%s","imageUri":"%s"}]' "$CONTAINER_NAME" """
    via_buildspec = BASE_BUILDSPEC.replace(write, write.replace("CONTAINER_NAME", "APP")) \
        .replace("version: 0.2\n", "version: 0.2\nenv:\n  variables:\n    APP: api\n")
    code, findings = validate(in_tmp, via_buildspec)
    assert code == 2
    assert "names container 'api' ($APP, set in the buildspec)" in findings[0]["message"]
    # build.env of the spec sets it on the project, which wins over the buildspec.
    code, findings = validate(in_tmp, via_buildspec,
                              spec_edit=("    LOG_LEVEL: info\n", "    LOG_LEVEL: info\n"
                                                                  "    APP: web\n"))
    assert (code, findings) == (0, [])
    # Computed while the build runs: nothing to compare.
    computed = BASE_BUILDSPEC.replace(write, write.replace("$CONTAINER_NAME", "$(cat name)"))
    assert validate(in_tmp, computed) == (0, [])
