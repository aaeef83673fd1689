"""botocore's model, read without botocore's loader, is the model botocore's loader reads."""

from __future__ import annotations

import subprocess
import sys

from pipectl.spec.service_model import input_shape, load_service_model


def test_the_model_read_directly_equals_the_loaders() -> None:
    from botocore.loaders import Loader

    assert load_service_model("ecs") == Loader().load_service_model("ecs", "service-2")


def test_the_register_task_definition_input_shape() -> None:
    name, shapes = input_shape("ecs", "RegisterTaskDefinition")
    assert name == "RegisterTaskDefinitionRequest"
    assert shapes[name]["required"] == ["family", "containerDefinitions"]
    assert "awsvpc" in shapes["NetworkMode"]["enum"]


def test_reading_the_model_imports_no_botocore() -> None:
    code = ("import sys; from pipectl.spec.service_model import load_service_model; "
            "load_service_model('ecs'); print('botocore' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
