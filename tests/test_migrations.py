"""The template's migrations (project_template/_migrations/, run by `_migrations` in copier.yml).

0.2.0 moves pytest's settings from `[tool.pytest.ini_options]` to `[tool.pytest]`: a project
made before 0.2.0 must end up exactly like a fresh 0.2.0 project, with its own pytest settings
carried over as native TOML values that pytest 9 accepts.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import template_versions as versions
from helpers import REPO_ROOT

SCRIPT = REPO_ROOT / "project_template" / "_migrations" / "v0_2_0_pytest_table.py"
OWN_SETTINGS = (
    'addopts = "--import-mode=importlib -ra --strict-markers"\n'
    'markers = """\n    slow: takes a while\n    db: needs the database\n"""\n'
    'xfail_strict = "true"\n'
    "timeout = 300\n"
    "\n"
    "# mypy reads this one\n"
    "[tool.mypy]\n"
    "strict = true\n"
)


def load_migration():
    spec = importlib.util.spec_from_file_location("pytest_table_migration", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


migration = load_migration()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return versions.release_pair(tmp_path_factory.mktemp("template") / "polster")


def with_own_settings(project: Path) -> None:
    """Add settings to the old table the way a user would: edit the string, append lines."""
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text().replace('addopts = ["--import-mode=importlib"]\n', OWN_SETTINGS)
    pyproject.write_text(text)
    versions.commit_all(project, "Our pytest settings")


def upgrade(project: Path) -> None:
    copier = Path(sys.executable).parent / "copier"
    command = [str(copier), "update", "--trust", "--defaults", "--quiet"]
    subprocess.run(command, cwd=project, check=True, capture_output=True)


def test_a_project_from_before_0_2_0_ends_up_like_a_fresh_one(template, tmp_path):
    old = versions.copy_project(template, tmp_path / "old" / "shop", f"v{versions.OLD_VERSION}")
    fresh = versions.copy_project(template, tmp_path / "fresh" / "shop", f"v{versions.NEW_VERSION}")
    upgrade(old)
    assert versions.files(old) == versions.files(fresh)


def test_own_settings_move_to_the_native_table(template, tmp_path):
    project = versions.copy_project(template, tmp_path / "shop", f"v{versions.OLD_VERSION}")
    with_own_settings(project)
    upgrade(project)
    text = (project / "pyproject.toml").read_text()
    pyproject = tomllib.loads(text)
    assert pyproject["tool"]["pytest"] == {
        "testpaths": ["tests"],
        "addopts": ["--import-mode=importlib", "-ra", "--strict-markers"],
        "markers": ["slow: takes a while", "db: needs the database"],
        "xfail_strict": True,
        "timeout": 300,
    }
    assert pyproject["tool"]["mypy"] == {"strict": True}
    assert "# mypy reads this one\n[tool.mypy]\n" in text
    assert "# importlib mode lets tests/bronze/test_x.py" in text
    assert not list(
        Path(versions.git(project, "rev-parse", "--absolute-git-dir").strip()).glob("polster*")
    )
    assert versions.git(project, "diff", "--cached", "--name-only") == ""


def test_pytest_accepts_the_migrated_settings(template, tmp_path):
    project = versions.copy_project(template, tmp_path / "shop", f"v{versions.OLD_VERSION}")
    with_own_settings(project)
    upgrade(project)
    markers = subprocess.run(
        [sys.executable, "-m", "pytest", "--markers", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert markers.returncode == 0, markers.stdout + markers.stderr
    assert "@pytest.mark.db: needs the database" in markers.stdout


def test_a_conflict_elsewhere_prints_the_settings_to_carry_over(template, tmp_path):
    project = versions.copy_project(template, tmp_path / "shop", f"v{versions.OLD_VERSION}")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"pytest>=8"', '"pytest>=8.3"'))
    with_own_settings(project)
    copier = Path(sys.executable).parent / "copier"
    command = [str(copier), "update", "--trust", "--defaults", "--quiet"]
    result = subprocess.run(command, cwd=project, capture_output=True, text=True)
    assert result.returncode == 0
    assert "<<<<<<< before updating" in pyproject.read_text()
    snippet = result.stderr.split("delete any [tool.pytest.ini_options]:\n", 1)[1]
    assert tomllib.loads(snippet)["tool"]["pytest"]["markers"] == [
        "slow: takes a while",
        "db: needs the database",
    ]


def test_a_table_merged_back_by_hand_is_folded_in():
    text = (
        "[tool.pytest]\n"
        'testpaths = ["tests"]\n'
        'addopts = ["--import-mode=importlib"]\n'
        "\n"
        "[tool.pytest.ini_options]\n"
        'filterwarnings = "error"\n'
    )
    moved = migration.move_settings(text, None)
    assert tomllib.loads(moved)["tool"]["pytest"] == {
        "testpaths": ["tests"],
        "addopts": ["--import-mode=importlib"],
        "filterwarnings": ["error"],
    }


def test_a_missing_native_table_is_added():
    moved = migration.move_settings('[project]\nname = "shop"\n', {"addopts": "-q"})
    assert moved == '[project]\nname = "shop"\n\n[tool.pytest]\naddopts = ["-q"]\n'


def test_conflict_markers_stop_the_rewrite():
    text = '[tool.pytest]\n<<<<<<< before updating\naddopts = ["-q"]\n'
    assert migration.move_settings(text, {"addopts": "-x"}) is None


@pytest.mark.parametrize(
    ("key", "value", "native"),
    [
        ("addopts", "-ra  -q --tb='line one'", ["-ra", "-q", "--tb=line one"]),
        ("testpaths", "tests integration", ["tests", "integration"]),
        ("pythonpath", "src", ["src"]),
        (
            "filterwarnings",
            "\n  error\n  ignore::DeprecationWarning\n",
            ["error", "ignore::DeprecationWarning"],
        ),
        ("xfail_strict", "True", True),
        ("log_cli", "0", False),
        ("log_level", "INFO", "INFO"),
        ("minversion", "9.0", "9.0"),
        ("some_plugin_option", "30", "30"),
        ("addopts", ["-q"], ["-q"]),
        ("xfail_strict", True, True),
    ],
)
def test_ini_values_become_native(key, value, native):
    assert migration.native_value(key, value) == native


@pytest.mark.parametrize(
    "value",
    ["plain", 'quote " and \\ backslash', "ünïcode", 3, 2.5, True, ["a", 1], {"k": "v"}, {}],
)
def test_values_render_as_toml_that_reads_back(value):
    assert tomllib.loads(f"x = {migration.render_value(value)}")["x"] == value


def test_stages_outside_the_change_do_nothing(template, tmp_path):
    project = versions.copy_project(template, tmp_path / "shop", f"v{versions.NEW_VERSION}")
    before = versions.files(project)
    for stage in ("before", "after"):
        run = [sys.executable, str(SCRIPT), stage]
        subprocess.run(run, cwd=project, check=True, capture_output=True)
    assert versions.files(project) == before
    assert versions.git(project, "status", "--porcelain") == ""


def test_the_script_says_how_to_call_it(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT)], cwd=tmp_path, capture_output=True)
    assert result.returncode == 2
    assert b"before|after" in result.stderr
