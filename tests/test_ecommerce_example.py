"""The e-commerce walkthrough, end to end on a real generated project with its own .venv.

Slow: `polster init ecommerce_analytics` installs the project with uv; then two bronze
sources, their silver cleanups and two gold metrics are added with `polster add-asset`,
listed, validated, materialized with `run_polster.py`, and the project's own tests run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from helpers import LISTING_FIELDS, project_python, run

pytestmark = pytest.mark.slow

PROJECT = "ecommerce_analytics"
# (layer, name, dependencies) in the order the walkthrough adds them.
WALKTHROUGH = [
    ("bronze", "raw_orders", None),
    ("silver", "validated_orders", "raw_orders"),
    ("bronze", "raw_customers", None),
    ("silver", "clean_customers", "raw_customers"),
    ("gold", "customer_ltv", "validated_orders,clean_customers"),
    ("gold", "product_analytics", "validated_orders"),
]
EXPECTED = {
    "bronze_raw_customers": ([], ["silver_clean_customers"]),
    "bronze_raw_orders": ([], ["silver_validated_orders"]),
    "silver_clean_customers": (["bronze_raw_customers"], ["gold_customer_ltv"]),
    "silver_validated_orders": (
        ["bronze_raw_orders"],
        ["gold_customer_ltv", "gold_product_analytics"],
    ),
    "gold_customer_ltv": (["silver_validated_orders", "silver_clean_customers"], []),
    "gold_product_analytics": (["silver_validated_orders"], []),
}


def polster(project: Path, *args: str) -> str:
    return run([sys.executable, "-m", "polster", *args], cwd=project, timeout=900).stdout


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project after `init` (with a real .venv) and the six `add-asset` steps."""
    base = tmp_path_factory.mktemp("ecommerce")
    polster(base, "init", PROJECT, "--no-sample-assets", "--no-git", "--install-uv")
    project = base / PROJECT
    assert Path(project_python(project)).is_file()
    assert polster(project, "list-assets", "--format", "json").strip() == "[]"
    for layer, name, dependencies in WALKTHROUGH:
        args = ["add-asset", "--layer", layer, "--name", name]
        if dependencies is not None:
            args += ["--dependencies", dependencies]
        out = polster(project, *args)
        assert f"Added {layer}_{name}" in out
        assert (project / "src" / PROJECT / "defs" / layer / f"{name}.py").is_file()
        assert (project / "tests" / layer / f"test_{name}.py").is_file()
    return project


def test_the_json_listing_has_every_asset_with_its_neighbours(shop: Path) -> None:
    listed = json.loads(polster(shop, "list-assets", "--format", "json"))
    assert [asset["key"] for asset in listed] == [
        "bronze_raw_customers",
        "bronze_raw_orders",
        "silver_clean_customers",
        "silver_validated_orders",
        "gold_customer_ltv",
        "gold_product_analytics",
    ]
    for asset in listed:
        assert list(asset) == LISTING_FIELDS
        dependencies, dependents = EXPECTED[asset["key"]]
        assert sorted(asset["dependencies"]) == sorted(dependencies), asset
        assert sorted(asset["dependents"]) == sorted(dependents), asset
        assert asset["key"] == f"{asset['layer']}_{asset['name']}"
        assert asset["path"] == f"src/{PROJECT}/defs/{asset['layer']}/{asset['name']}.py"
        assert (shop / asset["path"]).is_file()


def test_the_layer_filter_lists_only_that_layer(shop: Path) -> None:
    listed = json.loads(polster(shop, "list-assets", "--layer", "silver", "--format", "json"))
    assert [asset["key"] for asset in listed] == [
        "silver_clean_customers",
        "silver_validated_orders",
    ]
    assert {asset["layer"] for asset in listed} == {"silver"}
    # Neighbours in other layers are still named.
    by_key = {asset["key"]: asset for asset in listed}
    assert by_key["silver_validated_orders"]["dependencies"] == ["bronze_raw_orders"]
    assert sorted(by_key["silver_validated_orders"]["dependents"]) == [
        "gold_customer_ltv",
        "gold_product_analytics",
    ]


def test_the_project_validates_clean(shop: Path) -> None:
    findings = json.loads(polster(shop, "validate", "--format", "json"))
    assert findings == []


def test_the_pipeline_runs_every_asset(shop: Path) -> None:
    out = run([project_python(shop), "run_polster.py", "--format", "json"], cwd=shop).stdout
    report = json.loads(out)
    assert report["success"] is True
    assert sorted(asset["asset"] for asset in report["assets"]) == sorted(EXPECTED)
    assert (shop / "data" / "gold" / "customer_ltv.parquet").is_file()
    assert (shop / "data" / "gold" / "product_analytics.parquet").is_file()


def test_the_projects_own_tests_pass(shop: Path) -> None:
    out = run([project_python(shop), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=shop)
    assert " passed" in out.stdout
    for layer, name, _ in WALKTHROUGH:
        assert (shop / "tests" / layer / f"test_{name}.py").is_file()


def test_dagster_loads_the_same_graph(shop: Path) -> None:
    out = polster(shop, "validate", "--load", "--format", "json")
    assert json.loads(out) == []
