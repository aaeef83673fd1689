"""Draw what ``pipectl import`` wrote and what the spec could not hold."""

from __future__ import annotations

from pipectl.adopt.files import WrittenFile
from pipectl.adopt.model import ImportedPipeline
from pipectl.ui.environment import Environment


def render_import(env: Environment, result: ImportedPipeline, files: list[WrittenFile],
                  next_commands: list[str]) -> None:
    """``next_commands``: validate, plan and create, as the user would type them here."""
    if env.output == "json":
        env.write_json({
            "ok": True,
            "pipeline": result.pipeline,
            "files": [f.to_dict() for f in files],
            "warnings": [w.to_dict() for w in result.warnings],
        })
        return
    width = max(len(f.action) for f in files)
    env.write(f"Imported pipeline {result.pipeline}:")
    for written in files:
        env.write(f"  {written.action:<{width}}  {written.path}  ({written.what})")
    if result.warnings:
        env.write()
        env.write(f"{len(result.warnings)} live settings the spec cannot hold:")
        for warning in result.warnings:
            _warn(env, f"  warning: {warning}")
    env.write()
    validate, plan, create = next_commands
    env.write(f"next: `{validate}`, then `{plan}` (pipectl only adds its tags), then "
              f"`{create}` to adopt the resources")


def _warn(env: Environment, line: str) -> None:
    if env.rich_output and env.color:
        from rich.text import Text

        env.console().print(Text(line, style="yellow"))
    else:
        env.write(line)
