"""Versioned copies of Polster's project template in a temporary git repository, for upgrade
and migration tests: the template as it was before 0.2.0 (tag v0.1.0) and as it is (v0.2.0).

Before 0.2.0 the template configured pytest in `[tool.pytest.ini_options]` (pytest >= 8) and
had no migrations; `before_0_2_0` turns today's template back into that.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from helpers import REPO_ROOT, tree

OLD_VERSION, NEW_VERSION = "0.1.0", "0.2.0"
Edit = Callable[[Path], None]
_IDENTITY = ("-c", "user.name=Test", "-c", "user.email=test@localhost")


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"git {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def files(project: Path) -> dict[str, bytes]:
    """The project's files with their bytes, leaving out git's own (`.git/`)."""
    return {name: data for name, data in tree(project).items() if not name.startswith(".git/")}


def commit_all(cwd: Path, message: str) -> None:
    git(cwd, "add", "--all")
    git(cwd, *_IDENTITY, "commit", "--quiet", "--no-verify", "-m", message)


def current_template(root: Path) -> None:
    """Put today's project template (copier.yml + project_template/) in `root`."""
    shutil.rmtree(root / "project_template", ignore_errors=True)
    shutil.copy(REPO_ROOT / "copier.yml", root / "copier.yml")
    shutil.copytree(
        REPO_ROOT / "project_template",
        root / "project_template",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )


def before_0_2_0(root: Path) -> None:
    """Today's template as it was before 0.2.0."""
    current_template(root)
    config = root / "copier.yml"
    config.write_text(re.sub(r"# Upgrades .*?\n\n", "", config.read_text(), flags=re.DOTALL))
    pyproject = root / "project_template" / "pyproject.toml.jinja"
    text = pyproject.read_text().replace("[tool.pytest]\n", "[tool.pytest.ini_options]\n")
    pyproject.write_text(text.replace('"pytest>=9"', '"pytest>=8"'))
    shutil.rmtree(root / "project_template" / "_migrations")


def template_repository(root: Path, versions: list[tuple[str, Edit]]) -> Path:
    """A git repository at `root` with one commit per (version, edit), tagged v<version>."""
    root.mkdir(parents=True)
    git(root, "init", "--quiet", "--initial-branch=main")
    for version, edit in versions:
        edit(root)
        commit_all(root, f"Template {version}")
        git(root, "tag", f"v{version}")
    return root


def release_pair(root: Path) -> Path:
    """A template repository with v0.1.0 (before the 0.2.0 change) and v0.2.0 (today's)."""
    return template_repository(root, [(OLD_VERSION, before_0_2_0), (NEW_VERSION, current_template)])


def copy_project(template: Path | str, destination: Path, ref: str, **answers: object) -> Path:
    """`copier copy` of `template` at `ref`, committed to a new git repository."""
    import copier

    data = {"project_name": destination.name, **answers}
    copier.run_copy(
        str(template), destination, data=data, defaults=True, vcs_ref=ref, quiet=True, unsafe=True
    )
    git(destination, "init", "--quiet", "--initial-branch=main")
    commit_all(destination, "Create the project")
    return destination
