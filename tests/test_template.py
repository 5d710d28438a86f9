"""The Copier template itself: every answer combination renders clean, and plain
`copier copy` renders exactly what `polster init` does."""

from __future__ import annotations

import ast
import itertools
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import REPO_ROOT, tree

from polster import naming
from polster.templates import questionnaire

COMBINATIONS = [
    {"project_name": name, "sample_assets": samples}
    for name, samples in itertools.product(["shop", "my-shop"], [True, False])
]


def ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=cwd, capture_output=True, text=True
    )


@pytest.mark.parametrize("answers", COMBINATIONS, ids=lambda a: "-".join(map(str, a.values())))
def test_every_combination_renders_clean_python(copie, answers):
    result = copie.copy(extra_answers=answers)
    assert result.exit_code == 0, result.exception
    project = result.project_dir
    package = answers["project_name"].replace("-", "_")
    assert (project / "src" / package / "definitions.py").is_file()
    has_samples = (project / "src" / package / "defs" / "bronze" / "raw_orders.py").exists()
    assert has_samples == answers["sample_assets"]
    for source in project.rglob("*.py"):
        ast.parse(source.read_text(), filename=str(source))
    check = ruff("check", "--no-cache", ".", cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    formatted = ruff("format", "--no-cache", "--check", ".", cwd=project)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_no_file_is_left_with_unrendered_jinja(copie):
    project = copie.copy(extra_answers={"project_name": "shop"}).project_dir
    for path in project.rglob("*"):
        assert "{{" not in path.name and "{%" not in path.name, path
        assert not path.name.endswith(".jinja"), path


def test_answers_file_records_what_upgrade_needs(copie):
    project = copie.copy(extra_answers={"project_name": "shop"}).project_dir
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "shop"
    assert "_src_path" in answers
    assert "polster_reserved_names" not in answers


def _comparable(project: Path) -> dict[str, bytes]:
    files = tree(project)
    answers = yaml.safe_load(files.pop(".copier-answers.yml"))
    answers.pop("_src_path")
    answers.pop("_commit", None)
    files[".copier-answers.yml"] = yaml.safe_dump(answers).encode()
    return files


def test_copier_copy_renders_what_polster_init_renders(polster, workdir):
    assert polster("init", "shop", "--no-install-uv", "--no-git").exit_code == 0
    copier = shutil.which("copier", path=str(Path(sys.executable).parent)) or "copier"
    plain = workdir / "plain" / "shop"
    command = ["copy", "--trust", "--defaults", "-q", "-d", "project_name=shop"]
    subprocess.run(
        [copier, *command, str(REPO_ROOT), str(plain)],
        check=True,
        capture_output=True,
    )
    assert _comparable(plain) == _comparable(workdir / "shop")


def test_every_question_has_type_help_and_default():
    for name, question in questionnaire().items():
        if name.startswith("_"):
            continue
        assert {"type", "help", "default"} <= question.keys(), name


@pytest.mark.parametrize("name", ["Shop", "1shop", "class", "json", "dagster", "polars", "test"])
def test_copier_refuses_what_polster_refuses(copie, name):
    with pytest.raises(Exception, match=r"not a valid|keyword|shadow"):
        naming.check_project_name(name)
    result = copie.copy(extra_answers={"project_name": name})
    assert result.exit_code != 0
    assert "Validation error" in str(result.exception)


def test_reserved_list_covers_this_pythons_standard_library():
    listed = set(questionnaire()["polster_reserved_names"]["default"])
    public = {name for name in sys.stdlib_module_names if not name.startswith("_")}
    assert public <= listed, sorted(public - listed)
