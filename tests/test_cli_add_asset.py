"""`polster add-asset`: what it writes, that its stubs run, and that refusals change nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_project import add_asset, write, write_module
from helpers import REPO_ROOT, tree

from polster import filesystem, prompts
from polster.cli import cli

ENTER = "\r"
DOWN = "\x1b[B"
SPACE = " "
MODULE = "src/shop/defs/{}/{}.py"
TEST = "tests/{}/test_{}.py"


def ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=cwd, capture_output=True, text=True
    )


def run_tests(project: Path, *tests: str) -> subprocess.CompletedProcess[str]:
    """The project's own pytest on the given test files, with this venv's dagster and polars."""
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    env.pop("POLSTER_LANDING_PATH", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )


def listed(polster) -> dict[str, dict]:
    result = polster("list-assets", "--format", "json")
    assert result.exit_code == 0, result.output
    return {asset["key"]: asset for asset in json.loads(result.output)}


# ------------------------------------------------------------------ what it writes


def test_adds_a_bronze_asset_and_its_test(polster, shop):
    result = polster("add-asset", "--layer", "bronze", "--name", "raw_customers")
    assert result.exit_code == 0, result.output
    module, test = MODULE.format("bronze", "raw_customers"), TEST.format("bronze", "raw_customers")
    assert (shop / module).is_file()
    assert (shop / test).is_file()
    assert result.output.splitlines()[1:3] == [f"  {module}", f"  {test}"]
    assert "python run_polster.py --asset bronze_raw_customers" in result.output
    asset = listed(polster)["bronze_raw_customers"]
    assert (asset["layer"], asset["dependencies"], asset["path"]) == ("bronze", [], module)
    assert polster("validate").exit_code == 0


def test_dependencies_by_name_or_key_become_parameters(polster, shop):
    args = ["--layer", "silver", "--name", "orders_by_customer"]
    result = polster("add-asset", *args, "--dependencies", "raw_orders, bronze_raw_orders")
    assert result.exit_code == 0, result.output
    asset = listed(polster)["silver_orders_by_customer"]
    assert asset["dependencies"] == ["bronze_raw_orders"]
    assert "silver_orders_by_customer" in listed(polster)["bronze_raw_orders"]["dependents"]


def test_works_from_any_folder_inside_the_project(polster, shop):
    os.chdir(shop / "src" / "shop" / "defs" / "gold")
    result = polster("add-asset", "--layer", "gold", "--name", "kpis", "--dependencies", "orders")
    assert result.exit_code == 2  # `orders` is unknown: the project was found
    assert "Unknown dependency 'orders'" in result.output
    result = polster(
        "add-asset", "--layer", "gold", "--name", "kpis", "--dependencies", "validated_orders"
    )
    assert result.exit_code == 0, result.output
    assert (shop / MODULE.format("gold", "kpis")).is_file()


def test_outside_a_project_it_says_so(polster, workdir):
    result = polster("add-asset", "--layer", "bronze", "--name", "x")
    assert result.exit_code == 2
    assert "No Polster project found" in result.output
    assert list(workdir.iterdir()) == []


def test_dry_run_prints_the_files_and_writes_nothing(polster, shop):
    before = tree(shop)
    result = polster(
        "add-asset", "--layer", "bronze", "--name", "raw_x", "--template", "csv", "--dry-run"
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Would add bronze_raw_x from the csv template:",
        "  landing/raw_x/example.csv",
        "  src/shop/defs/bronze/raw_x.py",
        "  tests/bronze/test_raw_x.py",
        "Dry run: nothing was written.",
    ]
    assert tree(shop) == before


@pytest.mark.parametrize(
    "description",
    ['Orders "as exported", with a trailing quote"', "C:\\drops\\orders \\ raw", "  padded  "],
)
def test_any_one_line_description_becomes_a_valid_docstring(polster, shop, description):
    args = ["--layer", "bronze", "--name", "raw_x", "--description", description]
    assert polster("add-asset", *args).exit_code == 0
    assert listed(polster)["bronze_raw_x"]["description"] == description.strip()
    module = shop / MODULE.format("bronze", "raw_x")
    assert ruff("format", "--no-cache", "--check", str(module), cwd=shop).returncode == 0


# ------------------------------------------------------------------ refusals change nothing

REFUSALS = {
    "unknown layer": (["--layer", "platinum", "--name", "x"], "Unknown layer 'platinum'"),
    "not snake_case": (["--layer", "bronze", "--name", "RawOrders"], "e.g. 'raw_orders'"),
    "keyword": (["--layer", "bronze", "--name", "class"], "Python keyword"),
    "too long": (["--layer", "bronze", "--name", "x" * 65], "65 characters"),
    "layer prefix": (["--layer", "bronze", "--name", "bronze_x"], "pass 'x'"),
    "duplicate": (["--layer", "bronze", "--name", "raw_orders"], "already has an asset"),
    "illegal edge": (
        ["--layer", "gold", "--name", "x", "--dependencies", "raw_orders"],
        "gold may only read from silver",
    ),
    "unknown dependency": (
        ["--layer", "silver", "--name", "x", "--dependencies", "raw_things"],
        "Unknown dependency 'raw_things'",
    ),
    "bronze with a dependency": (
        ["--layer", "bronze", "--name", "x", "--dependencies", "raw_orders"],
        "bronze may not read",
    ),
    "empty dependency list": (
        ["--layer", "silver", "--name", "x", "--dependencies", " , "],
        "name at least one",
    ),
    "silver without dependencies": (["--layer", "silver", "--name", "x"], "--dependencies"),
    "missing layer": (["--name", "x"], "Missing --layer"),
    "missing name": (["--layer", "bronze"], "Missing --name"),
    "unknown template": (
        ["--layer", "bronze", "--name", "x", "--template", "nope"],
        "Unknown asset template 'nope'",
    ),
    "file template outside bronze": (
        ["--layer", "silver", "--name", "x", "--template", "csv", "--dependencies", "raw_orders"],
        "makes bronze assets only",
    ),
    "multi-line description": (
        ["--layer", "bronze", "--name", "x", "--description", "one\ntwo"],
        "line break",
    ),
    "long description": (
        ["--layer", "bronze", "--name", "x", "--description", "d" * 91],
        "91 characters",
    ),
    "empty description": (["--layer", "bronze", "--name", "x", "--description", " "], "empty"),
}


@pytest.mark.parametrize("case", REFUSALS, ids=str)
def test_every_refusal_is_one_sentence_and_changes_nothing(polster, shop, case):
    args, message = REFUSALS[case]
    before = tree(shop)
    result = polster("add-asset", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert tree(shop) == before


def test_a_key_defined_in_another_module_is_a_duplicate(polster, shop):
    write_module(
        shop,
        "bronze/misc.py",
        """
        import dagster as dg


        @dg.asset(group_name="bronze")
        def bronze_customers():
            return None
        """,
    )
    before = tree(shop)
    result = polster("add-asset", "--layer", "bronze", "--name", "customers")
    assert result.exit_code == 2
    assert "bronze_customers is already defined in src/shop/defs/bronze/misc.py:5" in result.output
    assert tree(shop) == before


def test_an_ambiguous_dependency_is_refused(polster, shop):
    pyproject = shop / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('gold = ["silver"]', 'gold = ["bronze", "silver"]')
    )
    add_asset(shop, "silver", "raw_orders", "bronze_raw_orders")
    before = tree(shop)
    result = polster("add-asset", "--layer", "gold", "--name", "x", "--dependencies", "raw_orders")
    assert result.exit_code == 2
    assert "ambiguous" in result.output
    assert tree(shop) == before


def test_an_existing_test_file_is_never_overwritten(polster, shop):
    write(shop / TEST.format("bronze", "raw_x"), "# the team's own test\n")
    before = tree(shop)
    result = polster("add-asset", "--layer", "bronze", "--name", "raw_x")
    assert result.exit_code == 2
    assert "tests/bronze/test_raw_x.py already exists" in result.output
    assert tree(shop) == before


def test_a_template_that_fails_to_render_changes_nothing(polster, shop):
    broken = shop / "templates" / "assets" / "broken"
    write(broken / "copier.yml", "_templates_suffix: .jinja\nname:\n  type: str\n")
    write(broken / "{{ name }}.py.jinja", "{{ name | no_such_filter }}\n")
    before = tree(shop)
    result = polster("add-asset", "--layer", "bronze", "--name", "x", "--template", "broken")
    assert result.exit_code == 2
    assert "'broken' asset template" in result.output
    assert tree(shop) == before


def test_a_failure_while_writing_removes_what_was_written(polster, shop, monkeypatch):
    real_open = Path.open
    opened: list[Path] = []

    def failing_open(self: Path, mode: str = "r", *args, **kwargs):
        if "x" in mode:
            opened.append(self)
            if len(opened) == 2:
                raise OSError(28, "No space left on device")
        return real_open(self, mode, *args, **kwargs)

    before = tree(shop)
    monkeypatch.setattr(Path, "open", failing_open)
    with pytest.raises(OSError, match="No space left"):
        polster("add-asset", "--layer", "bronze", "--name", "raw_x", "--template", "csv")
    monkeypatch.undo()
    assert len(opened) == 2
    assert tree(shop) == before
    assert not (shop / "landing").exists()


def test_create_files_never_overwrites(tmp_path):
    write(tmp_path / "b.txt", "mine")
    with pytest.raises(FileExistsError):
        filesystem.create_files(tmp_path, {"new/a.txt": b"a", "b.txt": b"theirs"})
    assert tree(tmp_path) == {"b.txt": b"mine"}
    assert not (tmp_path / "new").exists()


# ------------------------------------------------------------------ templates


def test_list_templates_shows_one_line_each(polster, shop):
    result = polster("add-asset", "--list-templates")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    names = ["blank", "csv", "mysql", "parquet", "rest-api", "sftp"]
    assert [line.split()[0] for line in lines] == names
    assert "any layer" in lines[0]
    assert all("bronze" in line and "built-in" in line for line in lines[1:])
    assert "CSV file in landing/<name>/" in lines[1]


def test_a_project_template_is_listed_and_wins_over_the_built_in(polster, shop):
    own = shop / "templates" / "assets" / "blank"
    shutil.copytree(REPO_ROOT / "asset_templates" / "blank", own)
    summary = "Our team's blank asset, with our logging."
    questionnaire = own / "copier.yml"
    questionnaire.write_text(
        questionnaire.read_text().replace(
            "_polster_summary: An empty asset", f"_polster_summary: {summary} #"
        )
    )
    module = own / "src" / "{{package_name}}" / "defs" / "{{layer}}" / "{{name}}.py.jinja"
    module.write_text("# Made with our own template.\n" + module.read_text())
    lines = polster("add-asset", "--list-templates").output.splitlines()
    assert lines[0].split()[:2] == ["blank", "any"]
    assert "project" in lines[0] and summary in lines[0]
    assert polster("add-asset", "--layer", "bronze", "--name", "raw_x").exit_code == 0
    written = (shop / MODULE.format("bronze", "raw_x")).read_text()
    assert written.startswith("# Made with our own template.")


def test_the_example_file_goes_only_into_an_empty_landing_folder(polster, shop):
    write(shop / "landing" / "raw_x" / "2024-06-01.csv", "id\n1\n")
    result = polster("add-asset", "--layer", "bronze", "--name", "raw_x", "--template", "csv")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (shop / "landing" / "raw_x").iterdir()) == ["2024-06-01.csv"]


def test_the_parquet_example_holds_the_csv_example_rows():
    pl = pytest.importorskip("polars")
    landing = REPO_ROOT / "asset_templates" / "file_drop" / "landing" / "{{name}}"
    (csv,) = landing.glob("*example.csv*")
    (parquet,) = landing.glob("*example.parquet*")
    as_text = pl.read_parquet(parquet).cast(pl.String)
    assert as_text.equals(pl.read_csv(csv, infer_schema=False))


def test_rendered_assets_are_ruff_clean_and_their_tests_pass(polster, shop):
    adds = [
        ["--layer", "bronze", "--name", "raw_customers", "--description", 'CRM "export"'],
        ["--layer", "bronze", "--name", "raw_payments", "--template", "csv"],
        ["--layer", "bronze", "--name", "raw_refunds", "--template", "parquet"],
        ["--layer", "silver", "--name", "customers", "--dependencies", "raw_customers,raw_orders"],
        ["--layer", "gold", "--name", "customer_ltv", "--dependencies", "customers"],
        ["--layer", "gold", "--name", "m" * 64, "--dependencies", "validated_orders"],
    ]
    before = set(tree(shop))
    for args in adds:
        result = polster("add-asset", *args)
        assert result.exit_code == 0, result.output
    new = sorted(set(tree(shop)) - before)
    python = [path for path in new if path.endswith(".py")]
    assert len(python) == 2 * len(adds)
    check = ruff("check", "--no-cache", *python, cwd=shop)
    assert check.returncode == 0, check.stdout + check.stderr
    formatted = ruff("format", "--no-cache", "--check", *python, cwd=shop)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    tests = [path for path in python if path.startswith("tests/")]
    run = run_tests(shop, *tests)
    assert run.returncode == 0, run.stdout + run.stderr
    assert polster("validate").exit_code == 0


def test_a_file_drop_asset_loads_its_example_as_text(polster, shop):
    args = ["--layer", "bronze", "--name", "raw_x", "--template", "csv"]
    assert polster("add-asset", *args).exit_code == 0
    script = (
        "import json; from shop.defs.bronze.raw_x import bronze_raw_x as a; f = a().collect(); "
        "print(json.dumps([f.height, sorted(map(str, set(f.dtypes))), f['_source_file'][0]]))"
    )
    env = {**os.environ, "PYTHONPATH": str(shop / "src")}
    env.pop("POLSTER_LANDING_PATH", None)
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=shop, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [3, ["String"], "landing/raw_x/example.csv"]


# ------------------------------------------------------------------ at a terminal


def test_questions_fill_layer_name_and_dependencies(keyboard, shop, monkeypatch):
    offered: list[list[str]] = []
    real_checkbox = prompts.ask_checkbox

    def recording_checkbox(message: str, choices: list[str]) -> list[str]:
        offered.append([message, *choices])
        return real_checkbox(message, choices)

    monkeypatch.setattr(prompts, "ask_checkbox", recording_checkbox)
    add_asset(shop, "bronze", "raw_customers")
    keyboard.send_text(DOWN + ENTER)  # layer: bronze -> silver
    keyboard.send_text("customers" + ENTER)  # name
    keyboard.send_text(DOWN + SPACE + ENTER)  # tick the second bronze asset
    result = CliRunner().invoke(cli, ["add-asset"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert offered == [
        ["Available bronze assets to depend on", "bronze_raw_customers", "bronze_raw_orders"]
    ]
    source = (shop / MODULE.format("silver", "customers")).read_text()
    assert "def silver_customers(\n    bronze_raw_orders: pl.DataFrame,\n)" in source


def test_gold_is_offered_only_silver_assets(keyboard, shop, monkeypatch):
    offered: list[str] = []
    monkeypatch.setattr(
        prompts, "ask_checkbox", lambda message, choices: offered.extend(choices) or choices[:1]
    )
    args = ["add-asset", "--layer", "gold", "--name", "kpis"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert offered == ["silver_validated_orders"]


def test_nothing_ticked_is_refused_and_changes_nothing(keyboard, shop):
    before = tree(shop)
    keyboard.send_text(ENTER)  # the checkbox, nothing ticked
    args = ["add-asset", "--layer", "silver", "--name", "x"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 2
    assert "name at least one" in result.output
    assert tree(shop) == before


def test_nothing_to_depend_on_is_refused_before_asking(keyboard, shop):
    for path in (shop / "src" / "shop" / "defs" / "silver").glob("[!_]*.py"):
        path.unlink()
    before = tree(shop)
    result = CliRunner().invoke(cli, ["add-asset", "--layer", "gold", "--name", "x"])
    assert result.exit_code == 2
    assert "There is no silver asset" in result.output
    assert tree(shop) == before


# ------------------------------------------------------------------ in a generated project


@pytest.mark.slow
def test_added_assets_run_green_in_a_generated_project(polster, workdir):
    """init (with its .venv), add one asset of each kind per layer, then run what a user runs."""
    result = polster("init", "shop", "--no-git")
    assert result.exit_code == 0, result.output
    project = workdir / "shop"
    if not (project / "run_polster.py").is_file():
        pytest.fail("project_template renders no run_polster.py yet")
    os.chdir(project)
    adds = [
        ["--layer", "bronze", "--name", "raw_customers"],
        ["--layer", "bronze", "--name", "raw_payments", "--template", "csv"],
        ["--layer", "bronze", "--name", "raw_refunds", "--template", "parquet"],
        ["--layer", "silver", "--name", "payments", "--dependencies", "raw_payments,raw_customers"],
        ["--layer", "silver", "--name", "refunds", "--dependencies", "raw_refunds"],
        ["--layer", "gold", "--name", "revenue", "--dependencies", "payments,refunds"],
        ["--layer", "gold", "--name", "orders_kpis", "--dependencies", "validated_orders"],
    ]
    for args in adds:
        result = polster("add-asset", *args)
        assert result.exit_code == 0, result.output
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.pop("POLSTER_LANDING_PATH", None)
    python = str(project / ".venv" / "bin" / "python")
    for command in ([python, "run_polster.py"], [python, "-m", "pytest", "-q"]):
        run = subprocess.run(
            command, cwd=project, env=env, capture_output=True, text=True, timeout=900
        )
        assert run.returncode == 0, f"{command}:\n{run.stdout}\n{run.stderr}"
    assert (project / "data" / "gold" / "revenue.parquet").is_file()
    assert len(list((project / "data" / "bronze" / "raw_refunds").glob("*.parquet"))) == 1
