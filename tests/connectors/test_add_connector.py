"""`polster add-asset --template mysql|rest-api|sftp`: the first asset of a kind brings its
connector, guide, dependency and settings; later ones only themselves; refusals change nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from helpers import tree

from polster import filesystem, merging
from polster.errors import UsageError

CONNECTOR_FILES = {
    "mysql": ("src/shop/connectors/mysql.py", "docs/connectors/mysql.md", "pymysql>=1.1,<2"),
    "rest-api": (
        "src/shop/connectors/rest_api.py",
        "docs/connectors/rest-api.md",
        "httpx>=0.27,<1",
    ),
    "sftp": ("src/shop/connectors/sftp.py", "docs/connectors/sftp.md", "paramiko>=3.4,<6"),
}
PROJECT_DEPENDENCIES = ["dagster>=1.13,<1.14", "dagster-webserver>=1.13,<1.14", "polars>=2,<3"]


def dependencies(project: Path) -> list[str]:
    return tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]


def add(polster, template: str, name: str, *more: str):
    return polster("add-asset", "--layer", "bronze", "--name", name, "--template", template, *more)


@pytest.mark.parametrize("template", CONNECTOR_FILES)
def test_the_first_asset_brings_the_connector_and_only_its_dependency(polster, shop, template):
    module, guide, requirement = CONNECTOR_FILES[template]
    before = tree(shop)
    result = add(polster, template, "first")
    assert result.exit_code == 0, result.output
    after = tree(shop)
    new = sorted(set(after) - set(before))
    assert new == sorted(
        [
            "src/shop/connectors/__init__.py",
            module,
            guide,
            "src/shop/defs/bronze/first.py",
            "tests/bronze/test_first.py",
        ]
    )
    changed = sorted(path for path in before if before[path] != after[path])
    assert changed == [".env.example", "README.md", "pyproject.toml"]
    assert dependencies(shop) == [*PROJECT_DEPENDENCIES, requirement]
    pyproject_lines = (shop / "pyproject.toml").read_bytes().splitlines(keepends=True)
    assert b"".join(pyproject_lines) == before["pyproject.toml"].replace(
        b'    "polars>=2,<3",\n', f'    "polars>=2,<3",\n    "{requirement}",\n'.encode()
    )
    assert after[".env.example"].startswith(before[".env.example"])
    assert "pyproject.toml (changed)" in result.output

    connector = after[module]
    second = add(polster, template, "second")
    assert second.exit_code == 0, second.output
    assert sorted(set(tree(shop)) - set(after)) == [
        "src/shop/defs/bronze/second.py",
        "tests/bronze/test_second.py",
    ]
    assert tree(shop)[module] == connector
    # Every REST API has settings of its own; databases and SFTP servers share theirs.
    shared = ["pyproject.toml"] if template == "rest-api" else changed
    assert {path: tree(shop)[path] for path in shared} == {path: after[path] for path in shared}


def test_each_rest_api_gets_its_own_settings(polster, shop):
    assert add(polster, "rest-api", "github").exit_code == 0
    assert add(polster, "rest-api", "stripe").exit_code == 0
    env_example = (shop / ".env.example").read_text()
    assert "GITHUB_API_BASE_URL=" in env_example and "STRIPE_API_TOKEN=" in env_example
    readme = (shop / "README.md").read_text()
    assert "`GITHUB_API_BASE_URL`" in readme and "`STRIPE_API_BASE_URL`" in readme
    assert dependencies(shop).count("httpx>=0.27,<1") == 1


def test_an_edited_connector_is_kept(polster, shop):
    assert add(polster, "sftp", "drops").exit_code == 0
    module = shop / "src/shop/connectors/sftp.py"
    module.write_text(module.read_text() + "\n# our change\n")
    assert add(polster, "sftp", "more_drops").exit_code == 0
    assert module.read_text().endswith("# our change\n")


@pytest.mark.parametrize("template", CONNECTOR_FILES)
@pytest.mark.parametrize("layer", ["silver", "gold"])
def test_connectors_are_refused_outside_bronze(polster, shop, template, layer):
    before = tree(shop)
    upstream = "raw_orders" if layer == "silver" else "validated_orders"
    args = ["--layer", layer, "--name", "x", "--template", template, "--dependencies", upstream]
    result = polster("add-asset", *args)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"Error: The '{template}' template makes bronze assets only, not {layer}: pass "
        f"--layer bronze, or pick a template for {layer} (`--list-templates`)."
    ]
    assert tree(shop) == before


def test_dry_run_lists_the_changes_and_writes_nothing(polster, shop):
    before = tree(shop)
    result = add(polster, "mysql", "users", "--dry-run")
    assert result.exit_code == 0, result.output
    first, *files, last = result.output.splitlines()
    assert (first, last) == (
        "Would add bronze_users from the mysql template:",
        "Dry run: nothing was written.",
    )
    assert [line.strip() for line in files] == [
        "docs/connectors/mysql.md",
        "src/shop/connectors/__init__.py",
        "src/shop/connectors/mysql.py",
        "src/shop/defs/bronze/users.py",
        "tests/bronze/test_users.py",
        "pyproject.toml (changed)",
        ".env.example (changed)",
        "README.md (changed)",
    ]
    assert tree(shop) == before


def test_a_failure_while_writing_restores_the_changed_files(polster, shop, monkeypatch):
    before = tree(shop)

    def failing(root: Path, files: dict) -> list:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("polster.addition.create_files", failing)
    with pytest.raises(OSError, match="No space left"):
        add(polster, "mysql", "users")
    monkeypatch.undo()
    assert tree(shop) == before
    assert not (shop / "src" / "shop" / "connectors").exists()


def test_a_pyproject_without_dependencies_is_refused_before_anything_is_written(polster, shop):
    pyproject = shop / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("dependencies = [", "requires = [", 1))
    before = tree(shop)
    result = add(polster, "mysql", "users")
    assert result.exit_code == 2
    assert "pyproject.toml has no [project] dependencies list to add pymysql" in result.output
    assert tree(shop) == before


def test_connector_assets_are_ruff_clean_and_their_tests_pass(polster, shop):
    before = set(tree(shop))
    for template, name in (("mysql", "customers"), ("rest-api", "orders"), ("sftp", "drops")):
        assert add(polster, template, name).exit_code == 0
    python = sorted(path for path in set(tree(shop)) - before if path.endswith(".py"))
    assert len(python) == 3 * 2 + 4  # asset and test each, the three modules and __init__
    for command in (["check"], ["format", "--check"]):
        lint = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--no-cache", *python],
            cwd=shop,
            capture_output=True,
            text=True,
        )
        assert lint.returncode == 0, lint.stdout + lint.stderr
    env = {**os.environ, "PYTHONPATH": str(shop / "src")}
    for name in [n for n in env if n.startswith(("MYSQL_", "SFTP_", "ORDERS_API_"))]:
        del env[name]
    tests = [path for path in python if path.startswith("tests/")]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=shop,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert polster("validate").exit_code == 0


# ---------------------------------------------------------------- merging, piece by piece


def test_rows_go_into_the_configuration_table_only():
    readme = "# P\n\n## Configuration\n\n| variable | meaning |\n|---|---|\n| `A` | a |\n\nText.\n"
    merged = merging.add_table_rows(readme, "| `B` | b |\n| `A` | again |\n")
    assert merged == readme.replace("| `A` | a |\n", "| `A` | a |\n| `B` | b |\n")
    assert merging.add_table_rows("# P\n\nNo table.\n", "| `B` | b |\n") == "# P\n\nNo table.\n"
    at_end = "## Configuration\n\n| v |\n|---|\n| `A` |"
    assert merging.add_table_rows(at_end, "| `B` |\n") == at_end + "\n| `B` |\n"


def test_variables_are_appended_once():
    fragment = "# The server.\nX_HOST=\n# X_PORT=22\n"
    assert merging.append_variables("", fragment) == fragment
    once = merging.append_variables("A=1", fragment)
    assert once == "A=1\n\n" + fragment
    assert merging.append_variables(once, fragment) == once


def test_requirements_are_added_by_distribution_name():
    text = '[project]\nname = "p"\ndependencies = [\n    "PyMySQL>=1.0",\n]\n'
    assert merging.add_dependencies(text, ["pymysql>=1.1,<2"]) == text
    with pytest.raises(UsageError, match=r"no \[project\] dependencies list to add x"):
        merging.add_dependencies('[project]\nname = "p"\n', ["x"])


def test_an_unknown_fragment_is_refused(tmp_path):
    with pytest.raises(UsageError, match=r"renders \.polster/notes\.txt, which Polster does"):
        merging.plan(tmp_path, {".polster/notes.txt": b"x"})


def test_a_missing_env_example_is_created(tmp_path):
    planned = merging.plan(tmp_path, {".polster/env.example": b"X_HOST=\n"})
    assert planned.created == {".env.example": b"X_HOST=\n"} and planned.changed == {}


def test_replaced_files_are_left_whole(tmp_path):
    (tmp_path / "a.txt").write_text("old")
    filesystem.replace_files(tmp_path, {"a.txt": b"new"})
    assert tree(tmp_path) == {"a.txt": b"new"}


@pytest.mark.slow
def test_a_project_with_every_connector_installs_and_passes_its_tests(polster, shop):
    """In a fresh venv, from the project's own pyproject: the added dependencies suffice."""
    from helpers import run, uv

    for template, name in (("mysql", "customers"), ("rest-api", "orders"), ("sftp", "drops")):
        assert add(polster, template, name).exit_code == 0
    run([uv(), "venv", "-q", "--python", sys.executable, ".venv"], cwd=shop)
    python = str(shop / ".venv" / "bin" / "python")
    run([uv(), "pip", "install", "-q", "--python", python, "-e", ".[dev]"], cwd=shop)
    run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=shop)
