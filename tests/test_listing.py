"""`polster list-assets`: order, layer filter, JSON form and the rich table."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from fake_project import add_asset, sample_project, write_module
from helpers import LISTING_FIELDS

from polster.errors import UsageError
from polster.graph import build_graph
from polster.listing import as_json, as_table, select_assets
from polster.project import load_project


@pytest.fixture
def shop(tmp_path):
    root = sample_project(tmp_path)
    add_asset(root, "bronze", "customers")
    add_asset(root, "platinum", "vip", "gold_order_metrics")
    add_asset(root, "archive", "old")
    project = load_project(root)
    return project, build_graph(project)


def test_order_is_layer_then_name(shop):
    project, graph = shop
    keys = [node.key for node in select_assets(graph, project.layout)]
    assert keys == [
        "bronze_customers",
        "bronze_raw_orders",
        "silver_validated_orders",
        "gold_order_metrics",
        "archive_old",
        "platinum_vip",
    ]


def test_filter_by_layer(shop):
    project, graph = shop
    assert [n.key for n in select_assets(graph, project.layout, "bronze")] == [
        "bronze_customers",
        "bronze_raw_orders",
    ]
    assert [n.key for n in select_assets(graph, project.layout, "platinum")] == ["platinum_vip"]


def test_a_table_layer_without_assets_lists_nothing(tmp_path):
    root = sample_project(tmp_path)
    (root / "src/shop/defs/gold/order_metrics.py").unlink()
    project = load_project(root)
    assert select_assets(build_graph(project), project.layout, "gold") == []


def test_unknown_layer_filter(shop):
    project, graph = shop
    with pytest.raises(UsageError) as caught:
        select_assets(graph, project.layout, "diamond")
    assert str(caught.value) == "Unknown layer 'diamond': choose one of bronze, silver or gold."


def test_json_form(shop):
    project, graph = shop
    listed = json.loads(as_json(select_assets(graph, project.layout)))
    assert all(list(item) == LISTING_FIELDS for item in listed)
    assert listed[2] == {
        "key": "silver_validated_orders",
        "name": "validated_orders",
        "layer": "silver",
        "dependencies": ["bronze_raw_orders"],
        "dependents": ["gold_order_metrics"],
        "description": "Validated orders.",
        "path": "src/shop/defs/silver/validated_orders.py",
    }
    assert json.loads(as_json([])) == []


def test_rich_table(shop):
    from rich.console import Console

    project, graph = shop
    write_module(
        project.root,
        "gold/marked.py",
        '''
        import dagster as dg


        @dg.asset(group_name="gold")
        def gold_marked(silver_validated_orders):
            """Revenue [bold]per[/bold] day."""
        ''',
    )
    graph = build_graph(project)
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(as_table(select_assets(graph, project.layout, "gold")))
    output = console.file.getvalue()
    header = output.splitlines()[1]
    assert [cell.strip() for cell in header.strip("┃ ").split("┃")] == [
        "key",
        "layer",
        "dependencies",
        "dependents",
        "description",
    ]
    assert "gold_order_metrics" in output
    assert "silver_validated_orders" in output
    assert "platinum_vip" in output
    assert "Revenue [bold]per[/bold] day." in output  # user text is not rich markup


def test_importing_listing_does_not_import_rich():
    probe = "import sys, polster.listing; print('rich' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
