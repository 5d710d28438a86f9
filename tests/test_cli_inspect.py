"""`polster list-assets` and `polster validate` through the command line, on a real project."""

from __future__ import annotations

import json

from helpers import LISTING_FIELDS

LAYER_EDGES = {
    "bronze_raw_orders": ([], ["silver_validated_orders"]),
    "silver_validated_orders": (["bronze_raw_orders"], ["gold_order_metrics"]),
    "gold_order_metrics": (["silver_validated_orders"], []),
}


def test_list_assets_json_has_exactly_the_documented_fields(polster, shop):
    result = polster("list-assets", "--format", "json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [a["key"] for a in listed] == list(LAYER_EDGES)
    for asset in listed:
        assert list(asset) == LISTING_FIELDS
        assert (asset["dependencies"], asset["dependents"]) == LAYER_EDGES[asset["key"]]
        assert (shop / asset["path"]).is_file()


def test_list_assets_filters_by_layer_and_works_from_a_subdirectory(polster, shop, monkeypatch):
    monkeypatch.chdir(shop / "src" / "shop" / "defs")
    listed = json.loads(polster("list-assets", "--layer", "silver", "--format", "json").output)
    assert [a["key"] for a in listed] == ["silver_validated_orders"]


def test_list_assets_table(polster, shop):
    result = polster("list-assets")
    assert result.exit_code == 0
    assert "bronze_raw_orders" in result.output
    assert "dependents" in result.output


def test_validate_is_clean_on_a_new_project(polster, shop):
    result = polster("validate")
    assert result.exit_code == 0, result.output
    assert json.loads(polster("validate", "--format", "json").output) == []


def test_validate_reports_a_hand_edited_layer_violation(polster, shop):
    gold = shop / "src" / "shop" / "defs" / "gold" / "order_metrics.py"
    source = gold.read_text()
    assert "silver_validated_orders: pl.LazyFrame" in source
    gold.write_text(
        source.replace("silver_validated_orders: pl.LazyFrame", "bronze_raw_orders: pl.LazyFrame")
    )
    result = polster("validate")
    assert result.exit_code == 1
    assert "layer-rule" in result.output
    assert "order_metrics.py:" in result.output
    findings = json.loads(polster("validate", "--format", "json").output)
    assert {f["rule"] for f in findings} >= {"layer-rule"}


def test_outside_a_project_both_say_so_in_one_sentence(polster, workdir):
    for command in (["list-assets"], ["validate"]):
        result = polster(*command)
        assert result.exit_code == 2
        assert "No Polster project found" in result.output
        assert len(result.output.strip().splitlines()) == 1
