"""`polster init`: every option and every refusal, through Click's runner."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from helpers import tree

from polster import environment, scaffold, vcs

OFFLINE = ("--no-install-uv", "--no-git")


def test_init_creates_a_project(polster, workdir):
    result = polster("init", "shop", *OFFLINE)
    assert result.exit_code == 0, result.output
    project = workdir / "shop"
    for relative in (
        "pyproject.toml",
        "run_polster.py",
        ".copier-answers.yml",
        ".gitignore",
        ".env.example",
        "README.md",
        "src/shop/definitions.py",
        "src/shop/storage.py",
        "src/shop/defs/bronze/raw_orders.py",
        "src/shop/defs/silver/validated_orders.py",
        "src/shop/defs/gold/order_metrics.py",
    ):
        assert (project / relative).is_file(), relative
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "shop"
    assert pyproject["tool"]["polster"]["allowed_upstream"] == {
        "bronze": [],
        "silver": ["bronze"],
        "gold": ["silver"],
    }
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "shop"
    assert answers["sample_assets"] is True
    assert "cd shop" in result.output


def test_dashed_name_becomes_an_underscored_package(polster, workdir):
    assert polster("init", "my-shop", *OFFLINE).exit_code == 0
    assert (workdir / "my-shop" / "src" / "my_shop" / "definitions.py").is_file()


def test_path_is_accepted(polster, workdir, tmp_path):
    nested = polster("init", "projects/shop", *OFFLINE)
    assert nested.exit_code == 0, nested.output
    assert (workdir / "projects" / "shop" / "src" / "shop").is_dir()
    absolute = tmp_path / "elsewhere" / "depot"
    assert polster("init", str(absolute), *OFFLINE).exit_code == 0
    assert (absolute / "src" / "depot" / "definitions.py").is_file()


def test_no_sample_assets_keeps_the_layer_folders(polster, workdir):
    assert polster("init", "shop", "--no-sample-assets", *OFFLINE).exit_code == 0
    defs = workdir / "shop" / "src" / "shop" / "defs"
    for layer in ("bronze", "silver", "gold"):
        assert (defs / layer / "__init__.py").is_file()
        assert [p.name for p in (defs / layer).glob("*.py")] == ["__init__.py"]


def test_description_lands_in_pyproject(polster, workdir):
    result = polster("init", "shop", "--description", "Orders for the web shop", *OFFLINE)
    assert result.exit_code == 0
    pyproject = tomllib.loads((workdir / "shop" / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == "Orders for the web shop"


def test_git_makes_a_first_commit_on_main(polster, workdir):
    assert polster("init", "shop", "--no-install-uv").exit_code == 0
    project = workdir / "shop"

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=project, capture_output=True, text=True, check=True
        ).stdout.strip()

    assert git("branch", "--show-current") == "main"
    assert git("rev-list", "--count", "HEAD") == "1"
    assert git("status", "--porcelain") == ""


def test_dry_run_lists_files_and_writes_nothing(polster, workdir):
    result = polster("init", "shop", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "src/shop/defs/bronze/raw_orders.py" in result.output
    assert "run_polster.py" in result.output
    assert "Would create .venv" in result.output
    assert "nothing was written" in result.output
    assert list(workdir.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("1shop", "not a valid package name"),
        ("Shop", "not a valid package name"),
        ("my.shop", "not a valid package name"),
        ("shop!", "not a valid package name"),
        ("class", "Python keyword"),
        ("import", "Python keyword"),
        ("dagster", "would shadow the module 'dagster'"),
        ("polars", "would shadow the module 'polars'"),
        ("polster", "would shadow the module 'polster'"),
        ("test", "would shadow the module 'test'"),
        ("json", "would shadow the module 'json'"),
        ("logging", "would shadow the module 'logging'"),
        ("../x", "climbs out"),
        ("a/../../x", "climbs out"),
        ("..", "not a project name"),
    ],
)
def test_bad_names_are_refused_and_nothing_is_written(polster, workdir, name, reason):
    result = polster("init", name, *OFFLINE)
    assert result.exit_code == 2
    assert reason in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert list(workdir.iterdir()) == []
    assert not (workdir.parent / "x").exists()


def test_existing_non_empty_target_is_refused(polster, workdir):
    target = workdir / "shop"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    before = tree(workdir)
    result = polster("init", "shop", *OFFLINE)
    assert result.exit_code == 2
    assert "--force" in result.output
    assert tree(workdir) == before


def test_existing_file_target_is_refused(polster, workdir):
    (workdir / "shop").write_text("a file")
    result = polster("init", "shop", *OFFLINE)
    assert result.exit_code == 2
    assert tree(workdir) == {"shop": b"a file"}


def test_force_renders_into_a_non_empty_target(polster, workdir):
    target = workdir / "shop"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    result = polster("init", "shop", "--force", *OFFLINE)
    assert result.exit_code == 0, result.output
    assert (target / "notes.txt").read_text() == "mine"
    assert (target / "run_polster.py").is_file()


def test_empty_existing_target_is_fine(polster, workdir):
    (workdir / "shop").mkdir()
    assert polster("init", "shop", *OFFLINE).exit_code == 0


def test_missing_name_without_a_terminal_is_a_usage_error(polster, workdir):
    result = polster("init", *OFFLINE)
    assert result.exit_code == 2
    assert "polster init NAME" in result.output
    assert list(workdir.iterdir()) == []


def test_start_dagster_needs_an_install(polster, workdir):
    result = polster("init", "shop", "--start-dagster", "--no-install-uv")
    assert result.exit_code == 2
    assert list(workdir.iterdir()) == []


def test_a_failure_part_way_removes_the_new_project(polster, workdir, monkeypatch):
    def broken_git(project: Path, message: str) -> None:
        raise RuntimeError("git exploded")

    monkeypatch.setattr(vcs, "init_repository", broken_git)
    with pytest.raises(RuntimeError, match="git exploded"):
        polster("init", "shop", "--no-install-uv")
    assert list(workdir.iterdir()) == []


def test_ctrl_c_part_way_removes_the_new_project(polster, workdir, monkeypatch):
    def interrupted(project: Path, **_: object) -> Path:
        assert (project / "run_polster.py").is_file()
        raise KeyboardInterrupt

    monkeypatch.setattr(environment, "create_environment", interrupted)
    result = polster("init", "shop", "--no-git", "--install-uv")
    assert result.exit_code == 130
    assert "removed" in result.output
    assert list(workdir.iterdir()) == []


def test_a_failure_with_force_keeps_what_was_there(polster, workdir, monkeypatch):
    target = workdir / "shop"
    target.mkdir()
    (target / "notes.txt").write_text("mine")

    def interrupted(project: Path, **_: object) -> Path:
        raise KeyboardInterrupt

    monkeypatch.setattr(environment, "create_environment", interrupted)
    result = polster("init", "shop", "--force", "--no-git", "--install-uv")
    assert result.exit_code == 130
    assert tree(workdir) == {"shop/notes.txt": b"mine"}


def test_install_uses_the_project_environment(polster, workdir, monkeypatch):
    calls: list[Path] = []

    def fake_environment(project: Path, **_: object) -> Path:
        calls.append(project)
        return project / ".venv" / "bin" / "python"

    monkeypatch.setattr(environment, "create_environment", fake_environment)
    result = polster("init", "shop", "--no-git", "--yes")
    assert result.exit_code == 0, result.output
    assert calls == [workdir / "shop"]


def test_planned_files_match_what_is_rendered(workdir):
    request = scaffold.InitRequest(
        target=workdir / "shop",
        project_name="shop",
        description=None,
        sample_assets=True,
        git=False,
        install=False,
        force=False,
    )
    planned = scaffold.planned_files(request)
    scaffold.create_project(request, report=lambda _: None)
    assert planned == sorted(tree(workdir / "shop"))


def test_start_dagster_runs_dagster_dev_in_the_new_project(polster, workdir, monkeypatch):
    recorder = workdir.parent / "fake-python"
    log = workdir.parent / "calls.txt"
    recorder.write_text(f'#!/bin/sh\necho "$PWD $*" > {log}\n')
    recorder.chmod(0o755)
    monkeypatch.setattr(environment, "create_environment", lambda project, **_: recorder)
    result = polster("init", "shop", "--no-git", "--start-dagster")
    assert result.exit_code == 0, result.output
    assert log.read_text().split() == [str(workdir / "shop"), "-m", "dagster", "dev"]
