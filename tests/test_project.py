"""Finding the project root and reading its `[tool.polster]` rule table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fake_project import make_project, write

from polster.errors import CheckFailed, UsageError
from polster.layout import LayoutError, parse
from polster.project import ProjectNotFound, find_root, load_project


def test_loads_the_generated_layout(tmp_path):
    root = make_project(tmp_path / "shop")
    project = load_project(root)
    assert project.root == root.resolve()
    assert project.package == "shop"
    assert project.layout.layers == ("bronze", "silver", "gold")
    assert project.layout.allowed_upstream == {
        "bronze": (),
        "silver": ("bronze",),
        "gold": ("silver",),
    }
    assert project.defs_dir == root / "src" / "shop" / "defs"
    assert project.layer_dir("silver") == root / "src" / "shop" / "defs" / "silver"
    assert project.tests_dir("gold") == root / "tests" / "gold"
    assert project.asset_module("bronze", "raw") == project.layer_dir("bronze") / "raw.py"
    assert project.asset_test("bronze", "raw") == root / "tests" / "bronze" / "test_raw.py"
    assert project.relative(project.asset_module("bronze", "raw")) == "src/shop/defs/bronze/raw.py"


def test_finds_the_root_from_a_nested_folder(tmp_path):
    root = make_project(tmp_path / "shop")
    nested = root / "src" / "shop" / "defs" / "silver"
    assert find_root(nested) == root.resolve()
    assert load_project(nested).root == root.resolve()


def test_skips_a_pyproject_without_tool_polster(tmp_path):
    root = make_project(tmp_path / "shop")
    inner = root / "vendor" / "lib"
    write(inner / "pyproject.toml", '[project]\nname = "lib"\n')
    assert find_root(inner) == root.resolve()


def test_outside_a_project_is_a_usage_error(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "other"\n')
    with pytest.raises(ProjectNotFound) as caught:
        find_root(tmp_path)
    assert isinstance(caught.value, UsageError)
    assert caught.value.exit_code == 2
    assert str(caught.value) == (
        f"No Polster project found in {tmp_path.resolve()} or any parent directory; "
        "run this inside a project created by `polster init`."
    )


def test_broken_pyproject_names_the_file(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.polster\n")
    with pytest.raises(CheckFailed, match=r"pyproject\.toml is not valid TOML .*; fix the file\."):
        find_root(tmp_path)


@pytest.mark.parametrize(
    ("tool", "package"),
    [
        ('[tool.dg.project]\nroot_module = "alpha"\n', "alpha"),
        ('[tool.dagster]\nmodule_name = "beta.definitions"\n', "beta"),
        ("", "gamma"),
    ],
)
def test_package_name_sources(tmp_path, tool, package):
    write(tmp_path / "pyproject.toml", f'{tool}\n[tool.polster]\nlayers = ["bronze"]\n')
    write(tmp_path / "src" / "gamma" / "__init__.py", "")
    assert load_project(tmp_path).package == package


def test_package_name_cannot_be_guessed_from_two_packages(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.polster]\nlayers = ["bronze"]\n')
    write(tmp_path / "src" / "one" / "__init__.py", "")
    write(tmp_path / "src" / "two" / "__init__.py", "")
    with pytest.raises(CheckFailed, match=r"\(found one, two\); set root_module"):
        load_project(tmp_path)


def test_a_layer_missing_from_allowed_upstream_reads_nothing():
    rules = parse(
        {"layers": ["bronze", "silver"], "allowed_upstream": {"silver": ["bronze"]}},
        Path("shop"),
    )
    assert rules.upstream_layers("bronze") == ()
    assert rules.upstream_layers("silver") == ("bronze",)


def test_a_layer_may_read_itself_when_the_table_says_so():
    rules = parse(
        {"layers": ["bronze", "silver"], "allowed_upstream": {"silver": ["bronze", "silver"]}},
        Path("shop"),
    )
    assert rules.upstream_layers("silver") == ("bronze", "silver")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([], "[tool.polster] in pyproject.toml must be a table."),
        ({}, '[tool.polster] has no `layers` list; add e.g. layers = ["bronze", "silver", "gold"]'),
        ({"layers": []}, "[tool.polster] has no `layers` list"),
        ({"layers": ["Bronze"]}, "Layer 'Bronze' in [tool.polster] layers is not a lowercase"),
        ({"layers": ["bronze", 3]}, "Layer 3 in [tool.polster] layers is not a lowercase"),
        ({"layers": ["bronze", "bronze"]}, "Layer 'bronze' appears twice in [tool.polster] layers"),
        (
            {"layers": ["bronze"], "allowed_upstream": ["bronze"]},
            "[tool.polster.allowed_upstream] must be a table of layer = [layers].",
        ),
        (
            {"layers": ["bronze", "silver"], "allowed_upstream": {"platinum": ["silver"]}},
            "[tool.polster.allowed_upstream] names layer 'platinum', which is not in "
            "[tool.polster] layers (bronze, silver); add it to layers or remove it.",
        ),
        (
            {"layers": ["bronze", "silver"], "allowed_upstream": {"silver": ["raw"]}},
            "[tool.polster.allowed_upstream] lets silver read from 'raw', which is not in "
            "[tool.polster] layers (bronze, silver); fix the name or add the layer.",
        ),
        (
            {"layers": ["bronze", "silver"], "allowed_upstream": {"silver": "bronze"}},
            "[tool.polster.allowed_upstream] silver must be a list of layer names, "
            'e.g. silver = ["bronze"].',
        ),
    ],
)
def test_invalid_rule_tables_are_refused_in_one_sentence(table, message):
    with pytest.raises(LayoutError, match=re.escape(message)):
        parse(table, Path("shop"))


def test_rule_table_errors_surface_from_load_project(tmp_path):
    rules = (
        '[tool.polster]\nlayers = ["bronze"]\n[tool.polster.allowed_upstream]\nbronze = ["gold"]\n'
    )
    root = make_project(tmp_path / "shop", rules=rules)
    with pytest.raises(CheckFailed, match="lets bronze read from 'gold'"):
        load_project(root)
