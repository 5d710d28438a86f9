"""`polster validate`: each named rule, and the text and JSON reports."""

from __future__ import annotations

import json

from fake_project import add_asset, make_project, sample_project, write, write_module

from polster.project import load_project
from polster.validate import Finding, render_json, render_text, validate

ALLOW_HINT = "allow it in [tool.polster.allowed_upstream]"


def findings_of(root) -> list[Finding]:
    return validate(load_project(root))


def by_rule(findings: list[Finding], rule: str) -> list[Finding]:
    return [finding for finding in findings if finding.rule == rule]


def test_a_clean_project_has_no_findings(tmp_path):
    findings = findings_of(sample_project(tmp_path))
    assert findings == []
    assert render_text(findings) == "No problems found."
    assert render_json(findings) == "[]"


def test_required_files(tmp_path):
    root = make_project(tmp_path)
    (root / "src/shop/definitions.py").unlink()
    (root / "run_polster.py").unlink()
    (root / ".copier-answers.yml").unlink()
    (root / "src/shop/defs/gold/__init__.py").unlink()
    (root / "src/shop/defs/gold").rmdir()
    findings = findings_of(root)
    assert [(f.rule, f.path, f.line) for f in findings] == [
        ("required-files", ".copier-answers.yml", None),
        ("required-files", "run_polster.py", None),
        ("required-files", "src/shop/definitions.py", None),
        ("required-files", "src/shop/defs/gold/", None),
    ]
    gold = findings[3]
    assert gold.message == "layer gold has no folder in src/shop/defs"
    assert gold.fix == "create src/shop/defs/gold/ with an empty __init__.py"
    assert findings[2].message == (
        "src/shop/definitions.py is missing, and Dagster loads the project from it"
    )


def test_naming_key_must_match_layer_and_module(tmp_path):
    root = make_project(tmp_path)
    write_module(
        root,
        "bronze/raw_orders.py",
        """
        import dagster as dg


        @dg.asset(group_name="bronze")
        def bronze_orders(): ...


        @dg.asset(key="raw_orders", group_name="bronze")
        def raw(): ...
        """,
    )
    first, second = by_rule(findings_of(root), "naming")
    assert (first.path, first.line) == ("src/shop/defs/bronze/raw_orders.py", 5)
    assert (
        first.message == "bronze_orders in bronze/raw_orders.py should be keyed bronze_raw_orders"
    )
    assert first.fix == "rename the function to bronze_raw_orders or the module to orders.py"
    assert second.message == "raw_orders in bronze/raw_orders.py should be keyed bronze_raw_orders"
    assert second.fix == "set its key to bronze_raw_orders"


def test_naming_module_must_be_a_valid_asset_name(tmp_path):
    root = make_project(tmp_path)
    write_module(
        root,
        "gold/OrderStats.py",
        'import dagster as dg\n\n\n@dg.asset(group_name="gold")\ndef gold_OrderStats(): ...\n',
    )
    (finding,) = findings_of(root)
    assert finding.rule == "naming"
    assert finding.message == (
        "module OrderStats.py is not named like an asset (lowercase snake_case, at most 64 "
        "characters, not a Python keyword)"
    )
    assert finding.fix == "rename it to order_stats.py and its asset to gold_order_stats"


def test_naming_group_must_be_the_layer(tmp_path):
    root = make_project(tmp_path)
    write_module(root, "silver/a.py", "import dagster as dg\n\n\n@dg.asset\ndef silver_a(): ...\n")
    write_module(
        root,
        "silver/b.py",
        'import dagster as dg\n\n\n@dg.asset(group_name="clean")\ndef silver_b(): ...\n',
    )
    missing, wrong = by_rule(findings_of(root), "naming")
    assert render_text([missing]).splitlines()[0] == (
        "src/shop/defs/silver/a.py:5: naming: silver_a has no group_name; "
        'add group_name="silver" to its @dg.asset decorator.'
    )
    assert render_text([wrong]).splitlines()[0] == (
        "src/shop/defs/silver/b.py:5: naming: silver_b is in group 'clean', but its layer is "
        'silver; set group_name="silver".'
    )


def test_naming_stray_folders_and_loose_modules(tmp_path):
    root = sample_project(tmp_path)
    add_asset(root, "platinum", "vip", "gold_order_metrics")
    add_asset(root, "platinum", "top", "gold_order_metrics")
    write_module(root, "loose.py", "import dagster as dg\n\n\n@dg.asset\ndef loose(): ...\n")
    write(root / "src/shop/defs/utils/helpers.py", "def helper(): ...\n")
    naming = by_rule(findings_of(root), "naming")
    assert [(f.path, f.line) for f in naming] == [
        ("src/shop/defs/loose.py", 5),
        ("src/shop/defs/platinum/", None),
    ]
    assert naming[0].message == "loose sits directly in src/shop/defs, outside any layer folder"
    assert naming[0].fix == "move it into a layer folder (bronze, silver, gold)"
    assert naming[1].message == (
        "src/shop/defs/platinum/ holds assets (platinum_top, platinum_vip), but platinum is not "
        "a layer in [tool.polster] layers (bronze, silver, gold)"
    )
    assert naming[1].fix == (
        "move them into a layer folder or add platinum to layers in pyproject.toml"
    )


def test_layer_rule(tmp_path):
    root = sample_project(tmp_path)
    add_asset(root, "gold", "x", "bronze_raw_orders")
    (finding,) = findings_of(root)
    assert render_text([finding]) == (
        "src/shop/defs/gold/x.py:6: layer-rule: gold_x reads bronze_raw_orders, but gold may "
        "only read from silver; route it through a silver asset or allow it in "
        "[tool.polster.allowed_upstream].\n"
        "1 problem found."
    )


def test_a_loosened_table_allows_the_edge(tmp_path):
    rules = (
        '[tool.polster]\nlayers = ["bronze", "silver", "gold"]\n'
        '[tool.polster.allowed_upstream]\nbronze = []\nsilver = ["bronze", "silver"]\n'
        'gold = ["silver"]\n'
    )
    root = make_project(tmp_path, rules=rules)
    add_asset(root, "bronze", "raw_orders")
    add_asset(root, "silver", "validated_orders", "bronze_raw_orders")
    add_asset(root, "silver", "enriched", "silver_validated_orders")
    assert findings_of(root) == []


def test_dangling_dependency(tmp_path):
    root = sample_project(tmp_path)
    add_asset(root, "silver", "customers", "bronze_raw_customers")
    add_asset(root, "gold", "odd", "silver_validated_orders", "external_feed")
    dangling = by_rule(findings_of(root), "dangling-dependency")
    assert [(f.path, f.message, f.fix) for f in dangling] == [
        (
            "src/shop/defs/gold/odd.py",
            "gold_odd reads external_feed, but no asset in src/shop/defs has that key",
            "correct the name or remove the dependency",
        ),
        (
            "src/shop/defs/silver/customers.py",
            "silver_customers reads bronze_raw_customers, but no asset in src/shop/defs has "
            "that key",
            "add it with `polster add-asset --layer bronze --name raw_customers`, or correct "
            "the name or remove the dependency",
        ),
    ]


def test_duplicate_key(tmp_path):
    root = sample_project(tmp_path)
    write_module(
        root,
        "bronze/copy.py",
        'import dagster as dg\n\n\n@dg.asset(group_name="bronze")\ndef bronze_raw_orders(): ...\n',
    )
    (duplicate,) = by_rule(findings_of(root), "duplicate-key")
    assert duplicate.path == "src/shop/defs/bronze/raw_orders.py"
    assert duplicate.message == (
        "bronze_raw_orders is also defined in src/shop/defs/bronze/copy.py:5"
    )


def test_cycle(tmp_path):
    rules = (
        '[tool.polster]\nlayers = ["bronze", "silver", "gold"]\n'
        '[tool.polster.allowed_upstream]\nsilver = ["bronze", "silver"]\n'
    )
    root = make_project(tmp_path, rules=rules)
    add_asset(root, "silver", "a", "silver_b")
    add_asset(root, "silver", "b", "silver_a")
    (cycle,) = findings_of(root)
    assert render_text([cycle]).splitlines()[0] == (
        "src/shop/defs/silver/a.py:6: cycle: silver_a -> silver_b -> silver_a is a cycle; "
        "remove one of these dependencies: Dagster cannot run a cycle."
    )


def test_syntax_error_and_missing_import(tmp_path):
    root = sample_project(tmp_path)
    write_module(root, "silver/broken.py", "def silver_broken(:\n    pass\n")
    write_module(
        root,
        "bronze/mysql_orders.py",
        """
        import dagster as dg

        from shop.connectors import mysql


        @dg.asset(group_name="bronze")
        def bronze_mysql_orders():
            return mysql.read("orders")
        """,
    )
    findings = findings_of(root)
    assert [(f.rule, f.path, f.line) for f in findings] == [
        ("missing-import", "src/shop/defs/bronze/mysql_orders.py", 3),
        ("syntax-error", "src/shop/defs/silver/broken.py", 1),
    ]
    missing, syntax = findings
    assert missing.message == (
        "imports shop.connectors, but there is no src/shop/connectors.py or src/shop/connectors/"
    )
    assert missing.fix == "create that module or correct the import"
    assert syntax.message.startswith("this module does not parse (")


def test_json_report(tmp_path):
    root = sample_project(tmp_path)
    add_asset(root, "gold", "x", "bronze_raw_orders")
    (root / "run_polster.py").unlink()
    report = json.loads(render_json(findings_of(root)))
    assert report == [
        {
            "rule": "required-files",
            "path": "run_polster.py",
            "line": None,
            "message": "run_polster.py is missing, and it runs the pipeline locally",
            "fix": "restore it from version control or from a fresh `polster init`",
        },
        {
            "rule": "layer-rule",
            "path": "src/shop/defs/gold/x.py",
            "line": 6,
            "message": "gold_x reads bronze_raw_orders, but gold may only read from silver",
            "fix": f"route it through a silver asset or {ALLOW_HINT}",
        },
    ]


def test_text_report_counts_findings(tmp_path):
    root = sample_project(tmp_path)
    (root / "run_polster.py").unlink()
    (root / ".copier-answers.yml").unlink()
    text = render_text(findings_of(root))
    assert text.splitlines()[0] == (
        ".copier-answers.yml: required-files: .copier-answers.yml is missing, and "
        "`polster upgrade` reads the template from it; restore it from version control or "
        "from a fresh `polster init`."
    )
    assert text.splitlines()[-1] == "2 problems found."


def test_validate_reuses_a_graph_it_is_given(tmp_path):
    from polster.graph import build_graph

    project = load_project(sample_project(tmp_path))
    graph = build_graph(project)
    add_asset(project.root, "gold", "x", "bronze_raw_orders")  # not in the graph passed in
    assert validate(project, graph) == []
