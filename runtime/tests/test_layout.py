"""polster_runtime.layout: the one definition of layers, keys and where data lives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from polster_runtime import layout
from polster_runtime.layout import Layout, LayoutError

RULES = """
[tool.polster]
layers = {layers}

[tool.polster.allowed_upstream]
{allowed}
"""


def project(
    tmp_path: Path, layers: str = '["bronze", "silver", "gold"]', allowed: str = ""
) -> Path:
    root = tmp_path / "shop"
    root.mkdir()
    text = RULES.format(layers=layers, allowed=allowed or 'silver = ["bronze"]\ngold = ["silver"]')
    (root / "pyproject.toml").write_text(text)
    return root


def test_the_default_table_reads_as_the_three_layers(tmp_path: Path) -> None:
    found = layout.load(project(tmp_path))
    assert found.layers == ("bronze", "silver", "gold")
    assert found.upstream_layers("silver") == ("bronze",)
    assert found.upstream_layers("bronze") == ()
    assert found.allows("silver", "gold") and not found.allows("bronze", "gold")
    assert found.snapshot_layers == ("bronze",)


def test_load_finds_the_root_from_a_file_or_folder_inside(tmp_path: Path) -> None:
    root = project(tmp_path)
    inner = root / "src" / "shop" / "defs"
    inner.mkdir(parents=True)
    (inner / "x.py").write_text("")
    assert layout.load(inner).root == root.resolve()
    assert layout.load(inner / "x.py").root == root.resolve()


def test_outside_a_project_it_says_so(tmp_path: Path) -> None:
    with pytest.raises(layout.ProjectNotFound, match="No Polster project found"):
        layout.find_root(tmp_path)


@pytest.mark.parametrize(
    ("key", "group", "expected"),
    [
        ("silver_orders", None, ("silver", "orders")),
        ("silver_orders", "silver", ("silver", "orders")),
        ("orders", "bronze", ("bronze", "orders")),
        ("platinum_vip", None, ("platinum", "vip")),
        ("raw_data_orders", None, ("raw_data", "orders")),
        ("raw_orders", None, ("raw", "orders")),
        ("raw_data_orders", "raw_data", ("raw_data", "orders")),
        ("orders", None, None),
        ("silver_", None, None),
        ("ext/silver_orders", None, None),
    ],
)
def test_a_key_maps_to_its_layer_and_name_for_any_configured_layer(
    key: str, group: str | None, expected: tuple[str, str] | None
) -> None:
    layers = ("raw", "raw_data", "bronze", "silver", "gold", "platinum")
    assert Layout(Path("/p"), layers).split_key(key, group) == expected


def test_key_and_split_are_inverse(tmp_path: Path) -> None:
    found = layout.load(project(tmp_path, '["raw_data", "silver"]', 'silver = ["raw_data"]'))
    assert found.split_key(found.asset_key("raw_data", "orders")) == ("raw_data", "orders")


def test_snapshot_layers_default_to_the_first_layer_and_can_be_set(tmp_path: Path) -> None:
    root = project(tmp_path, '["landing", "clean"]', 'clean = ["landing"]')
    assert layout.load(root).snapshot_layers == ("landing",)
    text = (
        (root / "pyproject.toml")
        .read_text()
        .replace("[tool.polster.allowed", "snapshot_layers = []\n\n[tool.polster.allowed")
    )
    (root / "pyproject.toml").write_text(text)
    assert layout.load(root).snapshot_layers == ()


@pytest.mark.parametrize(
    ("layers", "allowed", "message"),
    [
        ("[]", "", "has no `layers` list"),
        ('["Bronze"]', "", "not a lowercase snake_case name"),
        ('["bronze", "bronze"]', "", "appears twice"),
        ('["bronze", "silver"]', 'gold = ["silver"]', "names layer 'gold', which is not in"),
        ('["bronze", "silver"]', 'silver = ["platinum"]', "read from 'platinum', which is not"),
        ('["bronze", "silver"]', 'silver = "bronze"', "must be a list of layer names"),
    ],
)
def test_a_bad_table_is_refused_in_one_sentence(
    tmp_path: Path, layers: str, allowed: str, message: str
) -> None:
    root = project(tmp_path, layers, allowed or "# none")
    with pytest.raises(LayoutError, match=message) as raised:
        layout.load(root)
    assert "\n" not in str(raised.value)


def test_data_lives_in_data_under_the_root_whatever_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path)
    elsewhere = tmp_path / "tests"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    location = layout.load(root).data_location(environ={})
    assert location.url == str(root.resolve() / "data")
    assert location.asset_file("silver", "orders") == str(
        root.resolve() / "data/silver/orders.parquet"
    )
    assert location.asset_folder("bronze", "orders") == str(root.resolve() / "data/bronze/orders")


def test_the_data_path_comes_from_the_environment_then_from_dot_env(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / ".env").write_text("# settings\nexport POLSTER_DATA_PATH='lake'  \nOTHER=1\n")
    found = layout.load(root)
    assert found.data_location(environ={}).url == str(root.resolve() / "lake")
    environ = {"POLSTER_DATA_PATH": "/srv/data"}
    assert found.data_location(environ=environ).url == "/srv/data"
    assert found.data_location(environ={"POLSTER_DATA_PATH": " "}).url.endswith("lake")


def test_object_store_urls_are_kept_as_given(tmp_path: Path) -> None:
    found = layout.load(project(tmp_path))
    location = found.data_location(environ={"POLSTER_DATA_PATH": "s3://bucket/lake/"})
    assert location.url == "s3://bucket/lake" and not location.is_local
    assert location.asset_file("gold", "kpis") == "s3://bucket/lake/gold/kpis.parquet"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ftp://host/data", "is not supported: use a local folder or an s3://"),
        ("s3://", "names no bucket"),
        ("pyproject.toml", "is a file, not a folder"),
    ],
)
def test_a_bad_data_path_is_refused_and_nothing_is_created(
    tmp_path: Path, value: str, message: str
) -> None:
    root = project(tmp_path)
    before = sorted(root.rglob("*"))
    with pytest.raises(LayoutError, match=message):
        layout.load(root).data_location(environ={"POLSTER_DATA_PATH": value})
    assert sorted(root.rglob("*")) == before


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("A=1", "1"),
        ("A = spaced ", "spaced"),
        ("export A=2", "2"),
        ("A='single # not a comment'", "single # not a comment"),
        ('A="double\\nline"', "double\nline"),
        ("A=value # a comment", "value"),
        ("A=", ""),
    ],
)
def test_dot_env_lines(tmp_path: Path, line: str, expected: str) -> None:
    path = tmp_path / ".env"
    path.write_text(f"# header\n\n{line}\nnot a setting\n")
    assert layout.read_env_file(path) == {"A": expected}


def test_layout_imports_only_the_standard_library() -> None:
    probe = (
        "import sys, polster_runtime.layout\n"
        "heavy = {'dagster', 'polars', 'pydantic', 'upath'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_forbidden_edge_is_explained_with_its_fix(tmp_path: Path) -> None:
    found = layout.load(project(tmp_path))
    assert found.edge_problem("silver_a", "silver", "bronze_b", "bronze") is None
    assert found.edge_problem("gold_a", "gold", "bronze_b", "bronze") == (
        "gold_a reads bronze_b, but gold may only read from silver; route it through a "
        "silver asset or allow it in [tool.polster.allowed_upstream]."
    )
    assert found.edge_problem("bronze_a", "bronze", "bronze_b", "bronze") == (
        "bronze_a reads bronze_b, but bronze may not read from other assets; remove the "
        "dependency or allow it in [tool.polster.allowed_upstream]."
    )


def test_listing_reads_like_a_sentence() -> None:
    assert layout.listing([]) == ""
    assert layout.listing(["a"]) == "a"
    assert layout.listing(["a", "b", "c"], "and") == "a, b and c"
