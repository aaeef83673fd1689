"""The layering the README's Architecture section states: which package may import which,
and that only cli/ and ui/ use click and rich. A change that crosses a line fails here
with the module and the import, so the map and the code cannot drift apart."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pipectl

SOURCE = Path(pipectl.__file__).parent
DOMAIN = {"adopt", "buildspec", "clock", "credentials", "errors", "insights", "localbuild", "plan",
          "resources", "runs", "spec"}

#: package (or top-level module) -> the pipectl packages it may import.
MAY_IMPORT: dict[str, set[str]] = {
    "errors": set(),
    "clock": set(),
    "credentials": set(),
    "spec": {"buildspec", "credentials", "errors"},
    "buildspec": {"spec", "errors"},
    "resources": {"spec", "errors"},
    "aws": {"credentials", "errors"},
    "plan": {"resources", "spec", "aws", "errors"},
    "runs": {"resources", "aws", "clock", "errors"},
    "insights": {"runs", "aws", "errors"},
    "adopt": {"plan", "resources", "spec", "aws", "safe_files", "errors"},
    "localbuild": {"buildspec", "spec", "resources", "errors"},
    "ui": DOMAIN,
    "sandbox": {"buildspec", "errors"},
    "safe_files": {"errors"},
    "scaffolding": {"spec", "safe_files", "errors"},
    "cli": DOMAIN | {"aws", "sandbox", "scaffolding", "ui"},
    "__main__": {"cli"},
    "__init__": set(),
}
#: third-party packages only these may import.
ONLY_IN = {"click": {"cli"}, "rich": {"cli", "ui"}}


def imports() -> Iterator[tuple[str, str, str]]:
    """(package of the importing module, module path, imported module) for every import,
    lazy ones inside functions and TYPE_CHECKING ones included."""
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE).parts
        package = parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield package, "/".join(parts), node.module
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    yield package, "/".join(parts), alias.name


def test_every_package_is_on_the_map() -> None:
    assert {package for package, _, _ in imports()} <= set(MAY_IMPORT)


def test_packages_import_only_what_the_map_allows() -> None:
    crossing = sorted(
        f"{where} imports {module}"
        for package, where, module in imports()
        if module.startswith("pipectl.")
        and (target := module.split(".")[1]) != package
        and target not in MAY_IMPORT[package]
    )
    assert crossing == []


def test_click_and_rich_stay_in_cli_and_ui() -> None:
    crossing = sorted(
        f"{where} imports {module}"
        for package, where, module in imports()
        if (top := module.split(".")[0]) in ONLY_IN and package not in ONLY_IN[top]
    )
    assert crossing == []


def module_imports() -> dict[str, set[str]]:
    """pipectl module -> the pipectl modules it imports (``from package import module``
    names the module), every import counted as in :func:`imports`."""
    modules = {}
    for path in SOURCE.rglob("*.py"):
        parts = ("pipectl", *path.relative_to(SOURCE).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules
                           else node.module for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def test_no_module_imports_itself_back() -> None:
    """No import cycle, TYPE_CHECKING and lazy imports included: a cycle is two modules
    that cannot be understood (or split) one without the other."""
    graph = module_imports()
    cycles = []
    for start in sorted(graph):
        # Depth-first from each module; a path that comes back to it is a cycle.
        stack = [(start, [start])]
        seen: set[str] = set()
        while stack:
            name, path = stack.pop()
            for target in sorted(graph[name]):
                if target == start:
                    cycles.append(" -> ".join([*path, start]))
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, [*path, target]))
    assert cycles == []


def test_no_module_is_over_400_lines() -> None:
    """The README's limit: a module that grows past it has two jobs and is split."""
    long = sorted(f"{path.relative_to(SOURCE)}: {lines} lines"
                  for path in SOURCE.rglob("*.py")
                  if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 400)
    assert long == []
