"""Write an imported pipeline's files: all or none, never overwriting one without ``force``,
never through a symbolic link (see pipectl.safe_files)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipectl.adopt.model import ImportedPipeline
from pipectl.errors import InvalidInput
from pipectl.safe_files import refuse_links, write_file


@dataclass(frozen=True)
class WrittenFile:
    path: str
    action: str  # "written" | "overwritten"
    what: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "action": self.action, "what": self.what}


def _literal(value: Any) -> Any:
    """Values as the spec reads them: ``$`` starts a variable there, ``$$`` is a ``$``."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {k: _literal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_literal(v) for v in value]
    return value


def spec_text(result: ImportedPipeline) -> str:
    import yaml

    header = (f"# The pipeline {result.pipeline} as it was in AWS, written by `pipectl import "
              f"{result.pipeline}`.\n")
    body = yaml.safe_dump(_literal(result.spec), sort_keys=False, default_flow_style=False,
                          allow_unicode=True, width=100)
    return header + body


def planned_files(result: ImportedPipeline, spec_path: Path) -> list[tuple[Path, bytes, str]]:
    files = [
        (spec_path, spec_text(result).encode("utf-8"), "the spec"),
        (Path(str(result.spec["deploy"]["task_definition"])),
         (json.dumps(result.task_definition, indent=2, default=str) + "\n").encode("utf-8"),
         "the task definition the service runs"),
    ]
    if result.buildspec is not None:
        files.append((Path(str(result.spec["build"]["buildspec"])),
                      result.buildspec.encode("utf-8"), "the project's inline buildspec"))
    return files


def write_imported(result: ImportedPipeline, spec_path: Path, directory: Path, *,
                   force: bool) -> list[WrittenFile]:
    """Write every file, or none: existing ones are refused (exit 2) unless ``force``, and
    a symbolic link (at a file or a directory on its way) always is, before any write."""
    files = planned_files(result, spec_path)
    targets = [(p if p.is_absolute() else directory / p, p, c, w) for p, c, w in files]
    for target, shown, _, _ in targets:
        refuse_links(target, directory, str(shown), "import", overwrite=force)
    existing = [str(shown) for target, shown, _, _ in targets if os.path.lexists(target)]
    if existing and not force:
        one = len(existing) == 1
        raise InvalidInput(f"{', '.join(existing)} already {'exists' if one else 'exist'}; "
                           "import overwrites nothing",
                           hint=f"pass --force to overwrite {'it' if one else 'them'}, or run "
                                "import in another directory (or with -c another/pipeline.yml)")
    written = []
    for target, shown, content, what in targets:
        existed = os.path.lexists(target)
        write_file(target, directory, str(shown), content, "import")
        written.append(WrittenFile(str(shown), "overwritten" if existed else "written", what))
    return written
