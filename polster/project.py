"""Find the Polster project around a directory and read its medallion layout.

A project is the nearest directory, searching upward, whose `pyproject.toml` has a
`[tool.polster]` table. That table is read by polster-runtime's layout module (see
polster/layout.py), the one definition of the convention the CLI, the runtime and a project's
tests share:

    [tool.polster]
    layers = ["bronze", "silver", "gold"]

    [tool.polster.allowed_upstream]   # layer -> layers its assets may read from
    bronze = []
    silver = ["bronze"]
    gold = ["silver"]

A layer missing from `allowed_upstream` may read from no other layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from polster import layout as shared
from polster.errors import CheckFailed, UsageError
from polster.layout import Layout

PYPROJECT = shared.PYPROJECT
ALLOWED_UPSTREAM_TABLE = shared.ALLOWED_UPSTREAM_TABLE


class ProjectNotFound(UsageError):
    """The command was run outside a Polster project."""


@dataclass(frozen=True)
class Project:
    root: Path
    package: str
    layout: Layout

    @property
    def package_dir(self) -> Path:
        return self.root / "src" / self.package

    @property
    def defs_dir(self) -> Path:
        return self.package_dir / "defs"

    def layer_dir(self, layer: str) -> Path:
        return self.defs_dir / layer

    def tests_dir(self, layer: str) -> Path:
        return self.root / "tests" / layer

    def asset_module(self, layer: str, name: str) -> Path:
        return self.layer_dir(layer) / f"{name}.py"

    def asset_test(self, layer: str, name: str) -> Path:
        return self.tests_dir(layer) / f"test_{name}.py"

    def relative(self, path: Path) -> str:
        """`path` relative to the project root, with forward slashes (for messages and JSON)."""
        return path.relative_to(self.root).as_posix()


def find_root(start: Path) -> Path:
    """The nearest directory at or above `start` whose pyproject.toml has `[tool.polster]`."""
    try:
        return shared.find_root(start)
    except shared.ProjectNotFound as error:
        raise ProjectNotFound(str(error)) from None
    except shared.LayoutError as error:
        raise CheckFailed(str(error)) from None


def load_project(start: Path) -> Project:
    """Find the project around `start` and read its package name and layout."""
    root = find_root(start)
    try:
        tool = shared.read_pyproject(root)["tool"]
        found = shared.parse(tool["polster"], root)
    except shared.LayoutError as error:
        raise CheckFailed(str(error)) from None
    return Project(root=root, package=_package_name(root, tool), layout=found)


def _package_name(root: Path, tool: dict[str, Any]) -> str:
    """The project's Python package: dg's root module, Dagster's module, or the one in src/."""
    root_module = tool.get("dg", {}).get("project", {}).get("root_module")
    module_name = tool.get("dagster", {}).get("module_name")
    for configured in (root_module, module_name):
        if isinstance(configured, str) and configured.strip():
            return configured.strip().split(".")[0]
    packages = sorted(init.parent.name for init in (root / "src").glob("*/__init__.py"))
    if len(packages) == 1:
        return packages[0]
    found = f"found {', '.join(packages)}" if packages else "found none"
    raise CheckFailed(
        f"Cannot tell the package of the project in {root}: expected one package under src/ "
        f'({found}); set root_module = "<package>" under [tool.dg.project] in pyproject.toml.'
    )
