"""From a built wheel to a running pipeline, as a new user would do it, per Python version.

Slow: builds Polster's wheel, installs it into a fresh venv, runs `polster init` (which
creates the project's own .venv with uv and a git repository), runs the sample pipeline,
its status and selections, the project's own tests and `dg check defs`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import REPO_ROOT, find_python, project_python, required_pythons, run, uv

pytestmark = pytest.mark.slow
VERSIONS = ["3.11", "3.12"]


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run([uv(), "build", "--wheel", "--out-dir", str(out), str(REPO_ROOT)], cwd=REPO_ROOT)
    (built,) = out.glob("polster-*.whl")
    return built


@pytest.fixture(scope="session", params=VERSIONS)
def shop(request: pytest.FixtureRequest, wheel: Path, tmp_path_factory) -> Path:
    """`polster init shop` run by Polster installed from the wheel into a fresh venv."""
    version = request.param
    python = find_python(version)
    if python is None:
        if version in required_pythons():
            pytest.fail(f"Python {version} is required (POLSTER_REQUIRE_PYTHONS) but not found")
        pytest.skip(f"Python {version} is not installed")
    base = tmp_path_factory.mktemp(f"py{version}")
    tool_venv = base / "polster-venv"
    run([uv(), "venv", "--seed", "--python", python, str(tool_venv)], cwd=base)
    tool_python = tool_venv / "bin" / "python"
    run([uv(), "pip", "install", "--python", str(tool_python), str(wheel)], cwd=base)
    # The wheel must carry its templates: nothing may come from the source tree.
    probe = run(
        [str(tool_python), "-c", "import polster.templates as t; print(t.template_root())"],
        cwd=base,
    )
    assert str(REPO_ROOT) not in probe.stdout
    run([str(tool_venv / "bin" / "polster"), "init", "shop"], cwd=base, timeout=900)
    return base / "shop"


def test_init_made_a_repository_and_an_environment(shop):
    branch = run(["git", "branch", "--show-current"], cwd=shop).stdout.strip()
    assert branch == "main"
    assert run(["git", "status", "--porcelain"], cwd=shop).stdout == ""
    run([project_python(shop), "-c", "import dagster, polars, shop"], cwd=shop)


def test_pipeline_runs_and_gold_is_right(shop):
    run([project_python(shop), "run_polster.py"], cwd=shop)
    assert (shop / "data" / "gold" / "order_metrics.parquet").is_file()
    check = (
        "import polars as pl\n"
        "from shop.defs.gold.order_metrics import gold_order_metrics\n"
        "silver = pl.scan_parquet('data/silver/validated_orders.parquet')\n"
        "gold = pl.read_parquet('data/gold/order_metrics.parquet')\n"
        "expected = gold_order_metrics(silver).collect()\n"
        "assert gold.height > 0\n"
        "assert gold.equals(expected), (gold, expected)\n"
        "print(gold.height)\n"
    )
    run([project_python(shop), "-c", check], cwd=shop)


def test_status_lists_every_asset_as_fresh(shop):
    run([project_python(shop), "run_polster.py"], cwd=shop)
    status = run([project_python(shop), "run_polster.py", "--status"], cwd=shop).stdout
    for key in ("bronze_raw_orders", "silver_validated_orders", "gold_order_metrics"):
        line = next(line for line in status.splitlines() if key in line)
        assert "fresh" in line, status


def test_selection_runs_only_what_it_names(shop):
    run([project_python(shop), "run_polster.py"], cwd=shop)
    snapshots = sorted((shop / "data" / "bronze" / "raw_orders").glob("*.parquet"))
    run([project_python(shop), "run_polster.py", "--asset", "group:silver"], cwd=shop)
    assert sorted((shop / "data" / "bronze" / "raw_orders").glob("*.parquet")) == snapshots
    # `+key` is the key and its direct parents: silver and gold, not bronze.
    out = run([project_python(shop), "run_polster.py", "--asset", "+gold_order_metrics"], cwd=shop)
    assert "2 asset(s) materialized" in out.stdout
    assert sorted((shop / "data" / "bronze" / "raw_orders").glob("*.parquet")) == snapshots
    run([project_python(shop), "run_polster.py", "--asset", "bronze_raw_orders"], cwd=shop)
    after = sorted((shop / "data" / "bronze" / "raw_orders").glob("*.parquet"))
    assert set(snapshots) < set(after), "a new bronze run must keep the earlier snapshot"


def test_project_tests_pass(shop):
    run([project_python(shop), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=shop)


def test_dg_loads_the_project(shop):
    dg = str(shop / ".venv" / "bin" / "dg")
    run([dg, "check", "defs"], cwd=shop)
    listed = json.loads(run([dg, "list", "defs", "--json"], cwd=shop).stdout)
    keys = {asset["asset_key"] for asset in listed["assets"]}
    assert {"bronze_raw_orders", "silver_validated_orders", "gold_order_metrics"} <= keys
