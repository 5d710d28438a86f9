"""Hand-written Polster projects in a temporary folder, in the generated layout.

Tests for the project reader, rules, static graph, validate and list-assets build these
instead of rendering the template, so each case states exactly the files it is about.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

DEFAULT_RULES = """\
[tool.polster]
layers = ["bronze", "silver", "gold"]

[tool.polster.allowed_upstream]
bronze = []
silver = ["bronze"]
gold = ["silver"]
"""


def pyproject(package: str = "shop", rules: str = DEFAULT_RULES) -> str:
    return (
        f'[project]\nname = "{package}"\nversion = "0.1.0"\n\n'
        f'[tool.dg]\ndirectory_type = "project"\n\n'
        f'[tool.dg.project]\nroot_module = "{package}"\n\n'
        f'[tool.dagster]\nmodule_name = "{package}.definitions"\n'
        f'code_location_name = "{package}"\n\n'
        f"{rules}"
    )


def make_project(root: Path, package: str = "shop", rules: str = DEFAULT_RULES) -> Path:
    """An empty project (no assets) with every required file; returns its root."""
    write(root / "pyproject.toml", pyproject(package, rules))
    write(root / ".copier-answers.yml", "_src_path: /somewhere/polster\nproject_name: shop\n")
    write(root / "run_polster.py", '"""Runner."""\n')
    package_dir = root / "src" / package
    write(package_dir / "__init__.py", "")
    write(package_dir / "definitions.py", "import dagster as dg\n")
    write(package_dir / "storage.py", "def io_manager_from_env():\n    return None\n")
    write(package_dir / "defs" / "__init__.py", "")
    for layer in ("bronze", "silver", "gold"):
        write(package_dir / "defs" / layer / "__init__.py", "")
    return root


def asset_source(layer: str, name: str, upstream: tuple[str, ...] = (), doc: str = "") -> str:
    """An asset module written the way the templates write one."""
    parameters = ", ".join(f"{key}: pl.DataFrame" for key in upstream)
    body = f"return {upstream[0]}" if upstream else 'return pl.DataFrame({"id": [1]})'
    return (
        "import dagster as dg\nimport polars as pl\n\n\n"
        f'@dg.asset(group_name="{layer}", kinds={{"polars", "{layer}"}})\n'
        f"def {layer}_{name}({parameters}) -> pl.DataFrame:\n"
        f'    """{doc or name.replace("_", " ").capitalize()}."""\n'
        f"    {body}\n"
    )


def add_asset(root: Path, layer: str, name: str, *upstream: str, package: str = "shop") -> Path:
    path = root / "src" / package / "defs" / layer / f"{name}.py"
    write(path, asset_source(layer, name, upstream))
    return path


def write_module(root: Path, relative: str, source: str, package: str = "shop") -> Path:
    """A hand-edited module under src/<package>/defs/ (source is dedented)."""
    path = root / "src" / package / "defs" / relative
    write(path, textwrap.dedent(source).lstrip("\n"))
    return path


def sample_project(root: Path) -> Path:
    """The seed pipeline: bronze_raw_orders -> silver_validated_orders -> gold_order_metrics."""
    make_project(root)
    add_asset(root, "bronze", "raw_orders")
    add_asset(root, "silver", "validated_orders", "bronze_raw_orders")
    add_asset(root, "gold", "order_metrics", "silver_validated_orders")
    return root


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
