"""Find the Polster project around a directory and read its `[tool.polster]` rule table.

A project is the nearest directory, searching upward, whose `pyproject.toml` has a
`[tool.polster]` table. The rule table there is the single source of the medallion rules:

    [tool.polster]
    layers = ["bronze", "silver", "gold"]

    [tool.polster.allowed_upstream]   # layer -> layers its assets may read from
    bronze = []
    silver = ["bronze"]
    gold = ["silver"]

A layer missing from `allowed_upstream` may read from no other layer.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from polster.errors import CheckFailed, UsageError

PYPROJECT = "pyproject.toml"
ALLOWED_UPSTREAM_TABLE = "[tool.polster.allowed_upstream]"
_LAYER_PATTERN = re.compile(r"[a-z][a-z0-9_]*")


class ProjectNotFound(UsageError):
    """The command was run outside a Polster project."""


@dataclass(frozen=True)
class RuleTable:
    """The layers in pipeline order and, for each, the layers its assets may read from."""

    layers: tuple[str, ...]
    allowed_upstream: Mapping[str, tuple[str, ...]]

    def upstream_layers(self, layer: str) -> tuple[str, ...]:
        return self.allowed_upstream.get(layer, ())


@dataclass(frozen=True)
class Project:
    root: Path
    package: str
    rules: RuleTable

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
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / PYPROJECT
        if candidate.is_file() and "polster" in _read_toml(candidate).get("tool", {}):
            return directory
    raise ProjectNotFound(
        f"No Polster project found in {start} or any parent directory; "
        "run this inside a project created by `polster init`."
    )


def load_project(start: Path) -> Project:
    """Find the project around `start` and read its package name and rule table."""
    root = find_root(start)
    data = _read_toml(root / PYPROJECT)
    tool = data["tool"]
    return Project(root=root, package=_package_name(root, tool), rules=parse_rules(tool["polster"]))


def parse_rules(table: Any) -> RuleTable:
    """Check and convert the `[tool.polster]` table; raise CheckFailed naming what is wrong."""
    if not isinstance(table, dict):
        raise CheckFailed("[tool.polster] in pyproject.toml must be a table.")
    layers = table.get("layers")
    if not isinstance(layers, list) or not layers:
        raise CheckFailed(
            "[tool.polster] has no `layers` list; add e.g. "
            'layers = ["bronze", "silver", "gold"] to pyproject.toml.'
        )
    for layer in layers:
        if not isinstance(layer, str) or not _LAYER_PATTERN.fullmatch(layer):
            raise CheckFailed(
                f"Layer {layer!r} in [tool.polster] layers is not a lowercase snake_case name; "
                "use names such as bronze, silver, gold."
            )
    if len(set(layers)) != len(layers):
        duplicate = next(layer for layer in layers if layers.count(layer) > 1)
        raise CheckFailed(
            f"Layer '{duplicate}' appears twice in [tool.polster] layers; list each layer once."
        )
    raw_allowed = table.get("allowed_upstream", {})
    if not isinstance(raw_allowed, dict):
        raise CheckFailed(f"{ALLOWED_UPSTREAM_TABLE} must be a table of layer = [layers].")
    allowed: dict[str, tuple[str, ...]] = {}
    for layer, upstream in raw_allowed.items():
        if layer not in layers:
            raise CheckFailed(
                f"{ALLOWED_UPSTREAM_TABLE} names layer '{layer}', which is not in "
                f"[tool.polster] layers ({', '.join(layers)}); add it to layers or remove it."
            )
        if not isinstance(upstream, list) or not all(isinstance(u, str) for u in upstream):
            raise CheckFailed(
                f"{ALLOWED_UPSTREAM_TABLE} {layer} must be a list of layer names, "
                f'e.g. {layer} = ["{layers[0]}"].'
            )
        unknown = [u for u in upstream if u not in layers]
        if unknown:
            raise CheckFailed(
                f"{ALLOWED_UPSTREAM_TABLE} lets {layer} read from '{unknown[0]}', which is not "
                f"in [tool.polster] layers ({', '.join(layers)}); fix the name or add the layer."
            )
        allowed[layer] = tuple(dict.fromkeys(upstream))
    return RuleTable(layers=tuple(layers), allowed_upstream=allowed)


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


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise CheckFailed(f"{path} is not valid TOML ({error}); fix the file.") from error
    except OSError as error:
        raise CheckFailed(f"Cannot read {path} ({error.strerror}).") from error
