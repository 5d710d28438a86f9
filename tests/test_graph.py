"""The static asset graph read with `ast`, on generated and hand-edited modules."""

from __future__ import annotations

import subprocess
import sys

from fake_project import add_asset, make_project, sample_project, write, write_module

from polster.graph import AssetNode, SourceProblem, build_graph
from polster.project import load_project


def graph_of(root):
    return build_graph(load_project(root))


def test_sample_pipeline(tmp_path):
    graph = graph_of(sample_project(tmp_path))
    assert [node.key for node in graph.assets] == [
        "bronze_raw_orders",
        "gold_order_metrics",
        "silver_validated_orders",
    ]
    assert graph.get("silver_validated_orders") == AssetNode(
        key="silver_validated_orders",
        function="silver_validated_orders",
        name="validated_orders",
        layer="silver",
        group="silver",
        description="Validated orders.",
        path="src/shop/defs/silver/validated_orders.py",
        line=6,
        upstream=("bronze_raw_orders",),
        dependents=("gold_order_metrics",),
    )
    assert graph.get("bronze_raw_orders").upstream == ()
    assert graph.get("gold_order_metrics").dependents == ()
    assert graph.get("nothing") is None
    assert graph.syntax_errors == graph.missing_imports == ()
    assert graph.cycles() == []


def test_project_without_defs_folder_has_no_assets(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.polster]\nlayers = ["bronze"]\n')
    write(tmp_path / "src" / "shop" / "__init__.py", "")
    assert graph_of(tmp_path).assets == ()


def test_decorator_variants(tmp_path):
    root = make_project(tmp_path)
    write_module(
        root,
        "bronze/variants.py",
        """
        import dagster
        import dagster as d
        import dagster as dg
        from dagster import asset
        from dagster import asset as make_asset
        from functools import cache


        @asset
        def plain(): ...


        @asset()
        def called(): ...


        @dg.asset
        def attribute(): ...


        @dagster.asset(group_name="bronze")
        def full_module(): ...


        @d.asset
        def aliased_module(): ...


        @make_asset
        def aliased_function(): ...


        @cache
        @dg.asset
        def stacked(): ...


        @dg.asset
        async def asynchronous(): ...


        @dg.multi_asset(specs=[dg.AssetSpec("one"), dg.AssetSpec("two")])
        def several(): ...


        @cache
        def helper(): ...


        @other.asset
        def not_dagster(): ...


        class Holder:
            @dg.asset
            def method(self): ...
        """,
    )
    keys = [node.key for node in graph_of(root).assets]
    assert keys == [
        "plain",
        "called",
        "attribute",
        "full_module",
        "aliased_module",
        "aliased_function",
        "stacked",
        "asynchronous",
    ]


def test_keys_from_decorator_arguments(tmp_path):
    root = make_project(tmp_path)
    write_module(
        root,
        "silver/keys.py",
        """
        import dagster as dg

        PREFIX = "dynamic"


        @dg.asset(key="silver_explicit")
        def first(): ...


        @dg.asset(key=["warehouse", "orders"])
        def second(): ...


        @dg.asset(key=dg.AssetKey(["lake", "events"]))
        def third(): ...


        @dg.asset(name="silver_named", key_prefix="team")
        def fourth(): ...


        @dg.asset(name="silver_plain", key_prefix=["a", "b"])
        def fifth(): ...


        @dg.asset(key_prefix=PREFIX)
        def silver_prefix_not_literal(): ...


        @dg.asset(key=PREFIX)
        def silver_key_not_literal(): ...
        """,
    )
    keys = [node.key for node in graph_of(root).assets]
    assert keys == [
        "silver_explicit",
        "warehouse/orders",
        "lake/events",
        "team/silver_named",
        "a/b/silver_plain",
        "silver_prefix_not_literal",
        "silver_key_not_literal",
    ]


def test_descriptions_and_groups(tmp_path):
    root = make_project(tmp_path)
    write_module(
        root,
        "gold/metrics.py",
        '''
        import dagster as dg

        GROUP = "gold"


        @dg.asset(group_name="gold")
        def gold_metrics():
            """
            Daily revenue per customer.

            Longer explanation that is not shown.
            """


        @dg.asset(description="From the decorator.\\nSecond line.", group_name=GROUP)
        def gold_other():
            """Docstring loses to description=."""


        @dg.asset
        def gold_bare(): ...
        ''',
    )
    nodes = {node.key: node for node in graph_of(root).assets}
    assert nodes["gold_metrics"].description == "Daily revenue per customer."
    assert nodes["gold_metrics"].group == "gold"
    assert nodes["gold_other"].description == "From the decorator."
    assert nodes["gold_other"].group is None  # not a literal: unknown statically
    assert nodes["gold_bare"].description == ""
    assert nodes["gold_bare"].group is None


def test_parameters_context_and_resources(tmp_path):
    root = make_project(tmp_path)
    write_module(
        root,
        "silver/params.py",
        """
        import dagster as dg
        import polars as pl
        from dagster import AssetExecutionContext, OpExecutionContext, ResourceParam

        from shop.resources import WarehouseResource


        class RunConfig(dg.Config):
            limit: int = 10


        @dg.asset(
            group_name="silver",
            kinds={"polars", "silver"},
        )
        def silver_multi_line(
            context: dg.AssetExecutionContext,
            bronze_orders: pl.DataFrame,
            bronze_events: pl.LazyFrame,
            bronze_untyped,
            config: RunConfig,
            warehouse: WarehouseResource,
            api: ResourceParam[str],
            *,
            bronze_keyword_only: "pl.DataFrame" = None,
        ) -> pl.LazyFrame:
            return bronze_events


        @dg.asset
        def silver_named_context(ctx: AssetExecutionContext, bronze_a: pl.DataFrame): ...


        @dg.asset
        def silver_op_context(ctx: OpExecutionContext, bronze_b: dict[str, pl.DataFrame]): ...


        @dg.asset
        def silver_string_annotation(ctx: "dg.AssetExecutionContext", bronze_c): ...


        @dg.asset
        def silver_no_inputs(context) -> None: ...
        """,
    )
    nodes = {node.key: node for node in graph_of(root).assets}
    assert nodes["silver_multi_line"].upstream == (
        "bronze_orders",
        "bronze_events",
        "bronze_untyped",
        "bronze_keyword_only",
    )
    assert nodes["silver_multi_line"].line == 16  # the `def` line, not the decorator's
    assert nodes["silver_named_context"].upstream == ("bronze_a",)
    assert nodes["silver_op_context"].upstream == ("bronze_b",)
    assert nodes["silver_string_annotation"].upstream == ("bronze_c",)
    assert nodes["silver_no_inputs"].upstream == ()


def test_deps_and_ins(tmp_path):
    root = make_project(tmp_path)
    add_asset(root, "bronze", "raw_orders")
    write_module(
        root,
        "bronze/renamed.py",
        """
        import dagster as dg


        @dg.asset(key="bronze_renamed")
        def some_function(): ...
        """,
    )
    write_module(
        root,
        "silver/wired.py",
        """
        import dagster as dg
        import polars as pl

        from shop.defs.bronze import raw_orders
        from shop.defs.bronze.renamed import some_function

        EXTRA = "bronze_dynamic"


        @dg.asset(
            deps=[
                "bronze_text",
                dg.AssetKey("bronze_keyed"),
                dg.AssetKey(["lake", "raw"]),
                dg.AssetDep("bronze_dep"),
                some_function,
                raw_orders.bronze_raw_orders,
                EXTRA.upper(),
            ],
            ins={
                "orders": dg.AssetIn(key="bronze_raw_orders"),
                "events": dg.AssetIn("bronze_events"),
                "prefixed": dg.AssetIn(key_prefix="lake"),
                "keyed": dg.AssetIn(key=dg.AssetKey("bronze_keyed_in")),
                "extra": dg.AssetIn(key="bronze_not_a_parameter"),
            },
        )
        def silver_wired(
            orders: pl.DataFrame,
            events: pl.DataFrame,
            prefixed: pl.DataFrame,
            keyed: pl.DataFrame,
            bronze_direct: pl.DataFrame,
        ) -> pl.DataFrame:
            return orders
        """,
    )
    graph = graph_of(root)
    assert graph.get("silver_wired").upstream == (
        "bronze_raw_orders",
        "bronze_events",
        "lake/prefixed",
        "bronze_keyed_in",
        "bronze_direct",
        "bronze_not_a_parameter",
        "bronze_text",
        "bronze_keyed",
        "lake/raw",
        "bronze_dep",
        "bronze_renamed",
    )
    assert graph.get("bronze_raw_orders").dependents == ("silver_wired",)
    assert graph.get("bronze_renamed").dependents == ("silver_wired",)
    assert graph.missing_imports == ()


def test_syntax_errors_are_recorded_and_the_rest_still_read(tmp_path):
    root = sample_project(tmp_path)
    write_module(
        root,
        "silver/broken.py",
        """
        import dagster as dg


        @dg.asset
        def silver_broken(bronze_raw_orders:
            return 1
        """,
    )
    write(root / "src" / "shop" / "defs" / "gold" / "nul.py", "x = 1\x00\n")
    graph = graph_of(root)
    assert len(graph.assets) == 3
    nul, broken = graph.syntax_errors  # sorted by path
    assert (broken.path, broken.line) == ("src/shop/defs/silver/broken.py", 5)
    assert broken.message
    assert nul.path == "src/shop/defs/gold/nul.py"
    assert nul.line == 1


def test_hidden_and_cache_folders_are_skipped(tmp_path):
    root = sample_project(tmp_path)
    write(root / "src/shop/defs/bronze/__pycache__/x.py", "def (:\n")
    write(root / "src/shop/defs/.ipynb_checkpoints/x.py", "def (:\n")
    write(root / "src/shop/defs/bronze/notes.txt", "not python")
    graph = graph_of(root)
    assert graph.syntax_errors == ()
    assert len(graph.assets) == 3


def test_layers_come_from_the_folder_under_defs(tmp_path):
    root = make_project(tmp_path)
    write_module(
        root, "silver/deep/nested.py", "import dagster as dg\n\n\n@dg.asset\ndef n(): ...\n"
    )
    write_module(root, "loose.py", "import dagster as dg\n\n\n@dg.asset\ndef loose(): ...\n")
    nodes = {node.key: node for node in graph_of(root).assets}
    assert nodes["n"].layer == "silver"
    assert nodes["n"].name == "nested"
    assert nodes["loose"].layer == ""


def test_missing_project_imports(tmp_path):
    root = sample_project(tmp_path)
    write(root / "src/shop/connectors/__init__.py", "from .rest import fetch\n")
    write(root / "src/shop/connectors/rest.py", "def fetch(): ...\n")
    write(root / "src/shop/connectors/lazy/__init__.py", "from .impl import *\n")
    write(root / "src/shop/namespace/real.py", "")
    write_module(
        root,
        "bronze/imports.py",
        """
        import os
        import polars as pl
        import shop
        import shop.storage
        import shop.nothing_here
        from shop import storage
        from shop.storage import io_manager_from_env
        from shop.storage import not_defined
        from shop.connectors import fetch, rest
        from shop.connectors import mysql
        from shop.connectors.lazy import anything
        from shop.namespace import real
        from shop.namespace import ghost
        from shop.missing.deeper import thing
        from . import raw_orders
        from .raw_orders import bronze_raw_orders
        from .absent import x
        from .. import silver
        from ... import storage as again
        from .... import too_far
        from othershop.connectors import mysql as not_ours

        try:
            from shop.optional import extra
        except ImportError:
            extra = None


        def later():
            from shop.also_missing import nothing
        """,
    )
    problems = graph_of(root).missing_imports
    path = "src/shop/defs/bronze/imports.py"
    assert all(problem.path == path for problem in problems)
    no_file = "imports {0}, but there is no src/{1}.py or src/{1}/"
    assert [(p.line, p.message) for p in problems] == [
        (5, no_file.format("shop.nothing_here", "shop/nothing_here")),
        (8, "imports not_defined from shop.storage, but src/shop/storage.py does not define it"),
        (
            10,
            "imports mysql from shop.connectors, "
            "but src/shop/connectors/__init__.py does not define it",
        ),
        (13, "imports ghost from shop.namespace, but src/shop/namespace does not define it"),
        (14, no_file.format("shop.missing.deeper", "shop/missing/deeper")),
        (17, no_file.format("shop.defs.bronze.absent", "shop/defs/bronze/absent")),
        (20, "a relative import in shop.defs.bronze.imports climbs above the package shop"),
    ]


def test_relative_imports_from_a_package_init(tmp_path):
    root = sample_project(tmp_path)
    write(
        root / "src/shop/defs/bronze/__init__.py", "from . import raw_orders\nfrom .gone import x\n"
    )
    (problem,) = graph_of(root).missing_imports
    assert problem == SourceProblem(
        "src/shop/defs/bronze/__init__.py",
        2,
        "imports shop.defs.bronze.gone, but there is no src/shop/defs/bronze/gone.py or "
        "src/shop/defs/bronze/gone/",
    )


def test_cycles(tmp_path):
    root = make_project(tmp_path)
    add_asset(root, "bronze", "a", "gold_c")
    add_asset(root, "silver", "b", "bronze_a")
    add_asset(root, "gold", "c", "silver_b")
    add_asset(root, "silver", "self", "silver_self")
    add_asset(root, "gold", "outside", "gold_c", "bronze_missing")
    graph = graph_of(root)
    assert graph.cycles() == [
        ("bronze_a", "silver_b", "gold_c", "bronze_a"),
        ("silver_self", "silver_self"),
    ]


def test_two_cycles_sharing_an_asset_are_one_group(tmp_path):
    root = make_project(tmp_path)
    add_asset(root, "silver", "a", "silver_b", "silver_c")
    add_asset(root, "silver", "b", "silver_a")
    add_asset(root, "silver", "c", "silver_a")
    (cycle,) = graph_of(root).cycles()
    assert cycle in {("silver_a", "silver_b", "silver_a"), ("silver_a", "silver_c", "silver_a")}


def test_duplicate_keys_keep_the_first_file(tmp_path):
    root = sample_project(tmp_path)
    write_module(
        root,
        "bronze/copy.py",
        "import dagster as dg\n\n\n@dg.asset\ndef bronze_raw_orders(): ...\n",
    )
    graph = graph_of(root)
    assert [node.path for node in graph.assets if node.key == "bronze_raw_orders"] == [
        "src/shop/defs/bronze/copy.py",
        "src/shop/defs/bronze/raw_orders.py",
    ]
    assert graph.get("bronze_raw_orders").path == "src/shop/defs/bronze/copy.py"


def test_a_thousand_generated_assets(tmp_path):
    root = make_project(tmp_path)
    for index in range(334):
        add_asset(root, "bronze", f"source_{index:04}")
    for index in range(333):
        add_asset(root, "silver", f"clean_{index:04}", f"bronze_source_{index:04}")
    for index in range(333):
        add_asset(
            root, "gold", f"metric_{index:04}", f"silver_clean_{index:04}", "silver_clean_0000"
        )
    graph = graph_of(root)
    assert len(graph.assets) == 1000
    assert len(graph.by_key) == 1000
    assert graph.syntax_errors == graph.missing_imports == ()
    assert graph.cycles() == []
    assert graph.get("gold_metric_0332").upstream == ("silver_clean_0332", "silver_clean_0000")
    assert len(graph.get("silver_clean_0000").dependents) == 333
    assert graph.get("bronze_source_0333").dependents == ()


def test_building_the_graph_imports_neither_dagster_nor_polars(tmp_path):
    root = sample_project(tmp_path)
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from polster.graph import build_graph\n"
        "from polster.project import load_project\n"
        f"graph = build_graph(load_project(Path({str(root)!r})))\n"
        "assert len(graph.assets) == 3\n"
        "print(sorted(m for m in ('dagster', 'polars', 'rich') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
