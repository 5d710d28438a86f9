"""The medallion rules: names, keys, allowed edges and resolving add-asset dependencies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fake_project import add_asset, make_project, sample_project

from polster.errors import UsageError
from polster.graph import build_graph
from polster.layout import parse
from polster.project import load_project
from polster.rules import (
    asset_key,
    candidates,
    check_asset_name,
    check_layer,
    edge_violations,
    is_asset_name,
    resolve_dependencies,
    suggest_asset_name,
)

DEFAULT = parse(
    {
        "layers": ["bronze", "silver", "gold"],
        "allowed_upstream": {"bronze": [], "silver": ["bronze"], "gold": ["silver"]},
    },
    Path("shop"),
)


def loaded(root):
    project = load_project(root)
    return project, build_graph(project)


@pytest.mark.parametrize("name", ["raw_orders", "a", "orders2", "x_1_y", "a" * 64])
def test_good_asset_names(name):
    check_asset_name(name, "bronze")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "RawOrders",
            "Asset name 'RawOrders' is not lowercase snake_case: start with a letter and use only "
            "lowercase letters, digits and underscores, e.g. 'raw_orders'.",
        ),
        ("raw-orders", "Asset name 'raw-orders' is not lowercase snake_case"),
        ("raw-orders", "e.g. 'raw_orders'."),
        ("2orders", "e.g. 'orders'."),
        ("_orders", "Asset name '_orders' is not lowercase snake_case"),
        ("", "Asset name '' is not lowercase snake_case: start with a letter and use only "),
        ("raw orders", "e.g. 'raw_orders'."),
        ("a" * 65, f"Asset name '{'a' * 65}' is 65 characters long: keep it to 64 or fewer."),
        (
            "class",
            "Asset name 'class' is a Python keyword: choose another name, e.g. 'class_data'.",
        ),
        (
            "bronze_orders",
            "Asset name 'bronze_orders' already starts with the layer: pass 'orders' "
            "(its key becomes bronze_orders).",
        ),
    ],
)
def test_bad_asset_names_are_refused_with_the_fix(name, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        check_asset_name(name, "bronze")


def test_a_name_may_start_with_another_layer():
    check_asset_name("silver_lining", "gold")


def test_asset_key():
    assert asset_key("silver", "validated_orders") == "silver_validated_orders"


def test_unknown_layer():
    with pytest.raises(UsageError) as caught:
        check_layer("platinum", DEFAULT)
    assert str(caught.value) == "Unknown layer 'platinum': choose one of bronze, silver or gold."
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("upstream", "downstream", "expected"),
    [
        ("bronze", "silver", True),
        ("silver", "gold", True),
        ("bronze", "gold", False),
        ("silver", "silver", False),
        ("gold", "silver", False),
        ("bronze", "bronze", False),
        ("bronze", "platinum", False),
    ],
)
def test_default_table(upstream, downstream, expected):
    assert DEFAULT.allows(upstream, downstream) is expected


def test_a_loosened_table_allows_silver_to_silver():
    loose = parse(
        {"layers": ["bronze", "silver"], "allowed_upstream": {"silver": ["bronze", "silver"]}},
        Path("shop"),
    )
    assert loose.allows("silver", "silver")


def test_edge_violations_name_the_edge_and_the_fix(tmp_path):
    root = sample_project(tmp_path)
    add_asset(root, "gold", "shortcut", "bronze_raw_orders")
    add_asset(root, "bronze", "echo", "bronze_raw_orders")
    project, graph = loaded(root)
    violations = {v.downstream.key: v for v in edge_violations(graph, project.layout)}
    assert set(violations) == {"gold_shortcut", "bronze_echo"}
    gold = violations["gold_shortcut"]
    assert gold.upstream.key == "bronze_raw_orders"
    assert f"{gold.message}; {gold.fix}" == (
        "gold_shortcut reads bronze_raw_orders, but gold may only read from silver; "
        "route it through a silver asset or allow it in [tool.polster.allowed_upstream]"
    )
    bronze = violations["bronze_echo"]
    assert f"{bronze.message}; {bronze.fix}" == (
        "bronze_echo reads bronze_raw_orders, but bronze may not read from other assets; "
        "remove the dependency or allow it in [tool.polster.allowed_upstream]"
    )


def test_edges_from_unknown_layers_are_left_to_the_naming_check(tmp_path):
    root = sample_project(tmp_path)
    add_asset(root, "platinum", "vip", "gold_order_metrics")
    project, graph = loaded(root)
    assert edge_violations(graph, project.layout) == []


def test_resolves_short_names_and_keys(tmp_path):
    root = sample_project(tmp_path)
    add_asset(root, "bronze", "raw_customers")
    project, graph = loaded(root)
    keys = resolve_dependencies(
        ["raw_orders", " bronze_raw_customers ", "", "bronze_raw_orders"],
        "silver",
        graph,
        project.layout,
    )
    assert keys == ["bronze_raw_orders", "bronze_raw_customers"]
    assert resolve_dependencies([], "bronze", graph, project.layout) == []


def test_unknown_dependency_lists_the_choices(tmp_path):
    project, graph = loaded(sample_project(tmp_path))
    with pytest.raises(UsageError) as caught:
        resolve_dependencies(["raw_ordres"], "silver", graph, project.layout)
    assert str(caught.value) == (
        "Unknown dependency 'raw_ordres': no asset has that name or key; "
        "choose from bronze_raw_orders (see `polster list-assets`)."
    )


def test_unknown_dependency_in_an_empty_layer(tmp_path):
    project, graph = loaded(make_project(tmp_path))
    with pytest.raises(UsageError) as caught:
        resolve_dependencies(["raw_orders"], "silver", graph, project.layout)
    assert str(caught.value) == (
        "Unknown dependency 'raw_orders': no asset has that name or key; "
        "there is no bronze asset yet; add one first."
    )


def test_long_choice_lists_are_cut(tmp_path):
    root = make_project(tmp_path)
    for index in range(10):
        add_asset(root, "bronze", f"source_{index}")
    project, graph = loaded(root)
    with pytest.raises(UsageError, match=r"bronze_source_7, \.\.\. \(see"):
        resolve_dependencies(["nope"], "silver", graph, project.layout)


def test_bronze_takes_no_dependencies(tmp_path):
    project, graph = loaded(sample_project(tmp_path))
    with pytest.raises(UsageError) as caught:
        resolve_dependencies(["anything"], "bronze", graph, project.layout)
    assert str(caught.value) == (
        "Unknown dependency 'anything': bronze may not read from other assets, "
        "so drop the dependency."
    )
    with pytest.raises(UsageError) as caught:
        resolve_dependencies(["raw_orders"], "bronze", graph, project.layout)
    assert str(caught.value) == (
        "Dependency 'raw_orders' is the bronze asset bronze_raw_orders, but bronze may not "
        "read from other assets; remove the dependency or allow it in "
        "[tool.polster.allowed_upstream]."
    )


@pytest.mark.parametrize("dependency", ["raw_orders", "bronze_raw_orders"])
def test_illegal_dependency_names_the_layer_rule(tmp_path, dependency):
    project, graph = loaded(sample_project(tmp_path))
    with pytest.raises(UsageError) as caught:
        resolve_dependencies([dependency], "gold", graph, project.layout)
    assert str(caught.value) == (
        f"Dependency '{dependency}' is the bronze asset bronze_raw_orders, but gold may only "
        "read from silver; pick a silver asset or allow it in [tool.polster.allowed_upstream]."
    )


def test_illegal_dependency_matching_several_layers(tmp_path):
    root = sample_project(tmp_path)
    add_asset(root, "gold", "raw_orders", "silver_validated_orders")
    project, graph = loaded(root)
    with pytest.raises(UsageError) as caught:
        resolve_dependencies(["raw_orders"], "gold", graph, project.layout)
    assert str(caught.value) == (
        "Dependency 'raw_orders' matches bronze_raw_orders (bronze) and gold_raw_orders (gold), "
        "but gold may only read from silver; pick a silver asset or allow it in "
        "[tool.polster.allowed_upstream]."
    )


def test_ambiguous_short_name(tmp_path):
    rules = (
        '[tool.polster]\nlayers = ["bronze", "silver", "gold"]\n'
        '[tool.polster.allowed_upstream]\nsilver = ["bronze"]\ngold = ["bronze", "silver"]\n'
    )
    root = make_project(tmp_path, rules=rules)
    add_asset(root, "bronze", "orders")
    add_asset(root, "silver", "orders", "bronze_orders")
    project, graph = loaded(root)
    with pytest.raises(UsageError) as caught:
        resolve_dependencies(["orders"], "gold", graph, project.layout)
    assert str(caught.value) == (
        "Dependency 'orders' is ambiguous: bronze_orders and silver_orders all match; "
        "pass the full key."
    )
    assert resolve_dependencies(["silver_orders"], "gold", graph, project.layout) == [
        "silver_orders"
    ]
    # silver may read only bronze, so the short name is not ambiguous there
    assert resolve_dependencies(["orders"], "silver", graph, project.layout) == ["bronze_orders"]


def test_dependency_resolution_checks_the_target_layer(tmp_path):
    project, graph = loaded(sample_project(tmp_path))
    with pytest.raises(UsageError, match="Unknown layer 'platinum'"):
        resolve_dependencies(["raw_orders"], "platinum", graph, project.layout)


def test_candidates_follow_the_table_order(tmp_path):
    rules = (
        '[tool.polster]\nlayers = ["bronze", "silver", "gold"]\n'
        '[tool.polster.allowed_upstream]\nsilver = ["bronze"]\ngold = ["silver", "bronze"]\n'
    )
    root = make_project(tmp_path, rules=rules)
    add_asset(root, "bronze", "b")
    add_asset(root, "bronze", "a")
    add_asset(root, "silver", "z", "bronze_a")
    project, graph = loaded(root)
    assert [n.key for n in candidates("gold", graph, project.layout)] == [
        "silver_z",
        "bronze_a",
        "bronze_b",
    ]
    assert candidates("bronze", graph, project.layout) == []


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("RawOrders", "raw_orders"),
        ("raw-orders", "raw_orders"),
        ("2nd orders!", "nd_orders"),
        ("", "asset"),
        ("class", "class_data"),
        ("X" * 80, "x" * 64),
    ],
)
def test_suggested_names_are_valid(name, suggestion):
    assert suggest_asset_name(name) == suggestion
    assert is_asset_name(suggestion)


def test_is_asset_name():
    assert is_asset_name("raw_orders")
    assert not is_asset_name("import")
    assert not is_asset_name("__init__")
    assert not is_asset_name("a" * 65)
