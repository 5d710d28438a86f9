"""`polster remove-asset`: the plan, the dependents check, confirmations, and all-or-nothing."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from fake_project import add_asset, write, write_module
from helpers import tree

from polster.cli import cli

ENTER = "\r"
DOWN = "\x1b[B"
SPACE = " "
GOLD = ("src/shop/defs/gold/order_metrics.py", "tests/gold/test_order_metrics.py")
BRONZE = ("src/shop/defs/bronze/raw_orders.py", "tests/bronze/test_raw_orders.py")


@pytest.fixture
def project(shop):
    """The sample pipeline, each asset with a test file as add-asset writes them."""
    for module in (GOLD[0], BRONZE[0], "src/shop/defs/silver/validated_orders.py"):
        layer, name = module.split("/")[3], module.rsplit("/", 1)[1]
        test = shop / "tests" / layer / f"test_{name}"
        if not test.exists():
            write(test, "def test_it():\n    pass\n")
    return shop


def present(root, *paths: str) -> list[bool]:
    return [(root / path).exists() for path in paths]


def keys(polster) -> list[str]:
    return [asset["key"] for asset in json.loads(polster("list-assets", "--format", "json").output)]


# ------------------------------------------------------------------ removing


def test_removes_the_module_and_its_test(polster, project):
    result = polster("remove-asset", "--layer", "gold", "--name", "order_metrics", "--yes")
    assert result.exit_code == 0, result.output
    assert present(project, *GOLD) == [False, False]
    assert result.output.splitlines()[:3] == [
        "Removed gold_order_metrics:",
        f"  {GOLD[0]}",
        f"  {GOLD[1]}",
    ]
    assert "gold_order_metrics" not in keys(polster)
    assert polster("validate").exit_code == 0


def test_a_key_is_accepted_as_name_from_any_folder(polster, project):
    os.chdir(project / "tests")
    result = polster("remove-asset", "--name", "gold_order_metrics", "--yes")
    assert result.exit_code == 0, result.output
    assert present(project, *GOLD) == [False, False]


def test_dependents_block_the_removal(polster, project):
    before = tree(project)
    result = polster("remove-asset", "--layer", "bronze", "--name", "raw_orders", "--yes")
    assert result.exit_code == 1
    assert "bronze_raw_orders is read by silver_validated_orders" in result.output
    assert "--force" in result.output
    assert tree(project) == before


def test_removing_a_reader_together_with_its_source_is_not_blocked(keyboard, project):
    keyboard.send_text(DOWN + (DOWN + SPACE) * 2 + ENTER)  # all, bronze, [silver], [gold]
    keyboard.send_text("y")
    result = CliRunner().invoke(cli, ["remove-asset"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Removed silver_validated_orders, gold_order_metrics:" in result.output


def test_force_removes_and_lists_the_dangling_references(polster, project):
    result = polster("remove-asset", "--layer", "bronze", "--name", "raw_orders", "--force")
    assert result.exit_code == 0, result.output
    assert present(project, *BRONZE) == [False, False]
    assert "Now dangling" in result.output
    assert "silver_validated_orders (src/shop/defs/silver/validated_orders.py:" in result.output
    validate = polster("validate")
    assert validate.exit_code == 1
    assert "bronze_raw_orders" in validate.output


def test_stored_data_stays_unless_purged(polster, project):
    snapshot = project / "data" / "bronze" / "raw_orders" / "20240101T000000000000Z_abc.parquet"
    gold = project / "data" / "gold" / "order_metrics.parquet"
    other = project / "data" / "silver" / "validated_orders.parquet"
    for path in (snapshot, gold, other):
        write(path, "PAR1")
    assert polster("remove-asset", "--name", "order_metrics", "--yes").exit_code == 0
    assert gold.exists()
    result = polster("remove-asset", "--name", "raw_orders", "--force", "--purge-data")
    assert result.exit_code == 0, result.output
    assert "  data/bronze/raw_orders" in result.output.splitlines()
    assert not snapshot.parent.exists()
    assert other.exists()


def test_purge_data_follows_a_local_data_path(polster, project, monkeypatch, tmp_path):
    stored = tmp_path / "elsewhere" / "gold" / "order_metrics.parquet"
    write(stored, "PAR1")
    monkeypatch.setenv("POLSTER_DATA_PATH", str(tmp_path / "elsewhere"))
    args = ["--name", "order_metrics", "--purge-data", "--yes"]
    assert polster("remove-asset", *args).exit_code == 0
    assert not stored.exists()


def test_purge_data_refuses_an_object_store(polster, project, monkeypatch):
    monkeypatch.setenv("POLSTER_DATA_PATH", "s3://bucket/shop")
    before = tree(project)
    result = polster("remove-asset", "--name", "order_metrics", "--purge-data", "--yes")
    assert result.exit_code == 2
    assert "not a local folder" in result.output
    assert tree(project) == before


def test_landing_files_are_kept_and_said_so(polster, project):
    args = ["--layer", "bronze", "--name", "raw_x", "--template", "csv"]
    assert polster("add-asset", *args).exit_code == 0
    result = polster("remove-asset", "--name", "raw_x", "--yes", "--purge-data")
    assert result.exit_code == 0, result.output
    assert "Kept landing/raw_x/" in result.output
    assert (project / "landing" / "raw_x" / "example.csv").is_file()


# ------------------------------------------------------------------ dry run


def test_dry_run_prints_the_plan_and_changes_nothing(polster, project):
    write(project / "data" / "gold" / "order_metrics.parquet", "PAR1")
    before = tree(project)
    result = polster("remove-asset", "--name", "order_metrics", "--dry-run", "--purge-data")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Would remove gold_order_metrics:",
        f"  {GOLD[0]}",
        f"  {GOLD[1]}",
        "  data/gold/order_metrics.parquet  (stored data)",
        "Would not be blocked: no other asset reads them.",
        "Dry run: nothing was removed.",
    ]
    assert tree(project) == before


def test_dry_run_says_when_it_would_be_blocked(polster, project):
    before = tree(project)
    result = polster("remove-asset", "--layer", "silver", "--name", "validated_orders", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-2:] == [
        "Would be blocked: silver_validated_orders is read by gold_order_metrics "
        "(--force removes anyway).",
        "Dry run: nothing was removed.",
    ]
    assert tree(project) == before


# ------------------------------------------------------------------ refusals change nothing

REFUSALS = {
    "no terminal, no --yes": (["--layer", "gold", "--name", "order_metrics"], 2, "--yes"),
    "no terminal, no name": ([], 2, "Missing --name"),
    "--yes, no name": (["--yes"], 2, "Missing --name"),
    "unknown asset": (["--layer", "gold", "--name", "nope", "--yes"], 2, "no asset 'nope'"),
    "unknown layer": (["--layer", "platinum", "--name", "x", "--yes"], 2, "Unknown layer"),
    "wrong layer": (["--layer", "silver", "--name", "raw_orders", "--yes"], 2, "in silver"),
    "blocked": (["--name", "validated_orders", "--yes"], 1, "read by gold_order_metrics"),
}


@pytest.mark.parametrize("case", REFUSALS, ids=str)
def test_every_refusal_changes_nothing(polster, project, case):
    args, code, message = REFUSALS[case]
    before = tree(project)
    result = polster("remove-asset", *args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert tree(project) == before


def test_an_ambiguous_name_asks_for_the_layer(polster, project):
    add_asset(project, "silver", "raw_orders", "bronze_raw_orders")
    before = tree(project)
    result = polster("remove-asset", "--name", "raw_orders", "--yes")
    assert result.exit_code == 2
    assert "pass --layer" in result.output
    assert tree(project) == before


def test_a_module_with_another_asset_is_not_removed(polster, project):
    write_module(
        project,
        "gold/pair.py",
        """
        import dagster as dg


        @dg.asset
        def gold_one() -> None: ...


        @dg.asset
        def gold_two() -> None: ...
        """,
    )
    before = tree(project)
    result = polster("remove-asset", "--name", "gold_one", "--force")
    assert result.exit_code == 2
    assert "also defines gold_two" in result.output
    assert tree(project) == before


def test_a_failure_while_deleting_restores_everything(polster, project, monkeypatch):
    real_rename = os.rename
    calls: list[str] = []

    def failing_rename(source, destination):
        calls.append(str(source))
        if len(calls) == 2:
            raise PermissionError(13, "Permission denied")
        real_rename(source, destination)

    before = tree(project)
    monkeypatch.setattr(os, "rename", failing_rename)
    with pytest.raises(PermissionError):
        polster("remove-asset", "--name", "order_metrics", "--yes")
    monkeypatch.undo()
    assert tree(project) == before
    assert not [path for path in project.rglob("*") if "polster-deleting" in path.name]


# ------------------------------------------------------------------ at a terminal


def run(*args: str):
    return CliRunner().invoke(cli, ["remove-asset", *args], catch_exceptions=False)


def test_a_yes_no_question_for_a_few_assets(keyboard, project):
    keyboard.send_text("y")
    result = run("--layer", "gold", "--name", "order_metrics")
    assert result.exit_code == 0, result.output
    assert present(project, *GOLD) == [False, False]


def test_no_is_the_default_answer(keyboard, project):
    before = tree(project)
    keyboard.send_text(ENTER)
    result = run("--layer", "gold", "--name", "order_metrics")
    assert result.exit_code == 1
    assert "Nothing was removed." in result.output
    assert tree(project) == before


def test_the_list_offers_all_or_some(keyboard, project):
    keyboard.send_text(DOWN + DOWN + DOWN + SPACE + ENTER)  # all, bronze, silver, [gold]
    keyboard.send_text("y")
    result = run()
    assert result.exit_code == 0, result.output
    assert present(project, *GOLD) == [False, False]
    assert present(project, *BRONZE) == [True, True]


def test_layer_limits_the_list(keyboard, project, monkeypatch):
    from polster import prompts

    offered: list[str] = []
    monkeypatch.setattr(prompts, "ask_checkbox", lambda m, choices: offered.extend(choices) or [])
    result = run("--layer", "silver")
    assert result.exit_code == 1
    assert offered == ["all of them", "silver_validated_orders"]
    assert "Nothing selected" in result.output


def test_more_than_three_assets_need_confirm_typed(keyboard, project):
    for name in ("a", "b"):
        add_asset(project, "gold", name, "silver_validated_orders")
    before = tree(project)
    # all, raw_orders, validated_orders, gold a, gold b, order_metrics: tick the last four
    keyboard.send_text(DOWN + (DOWN + SPACE) * 4 + ENTER)
    keyboard.send_text("yes" + ENTER)
    result = run()
    assert result.exit_code == 1
    assert tree(project) == before
    keyboard.send_text(DOWN + (DOWN + SPACE) * 4 + ENTER)
    keyboard.send_text("CONFIRM" + ENTER)
    result = run()
    assert result.exit_code == 0, result.output
    assert keys_left(project) == ["bronze_raw_orders"]


def test_removing_every_asset_needs_remove_all_assets_typed(keyboard, project):
    before = tree(project)
    keyboard.send_text(SPACE + ENTER)  # "all of them"
    keyboard.send_text("CONFIRM" + ENTER)
    assert run().exit_code == 1
    assert tree(project) == before
    keyboard.send_text(SPACE + ENTER)
    keyboard.send_text("REMOVE_ALL_ASSETS" + ENTER)
    result = run()
    assert result.exit_code == 0, result.output
    assert keys_left(project) == []


def test_force_asks_nothing(keyboard, project, monkeypatch):
    from polster import prompts

    monkeypatch.setattr(prompts, "ask_confirm", lambda *a, **k: pytest.fail("asked"))
    result = run("--layer", "bronze", "--name", "raw_orders", "--force")
    assert result.exit_code == 0, result.output


def keys_left(project) -> list[str]:
    from polster.graph import build_graph
    from polster.project import load_project

    return sorted(node.key for node in build_graph(load_project(project)).assets)
