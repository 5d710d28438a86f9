"""The generated projects the measures run in, each made once per scratch folder.

Every project comes from `installed_project` (`polster init shop` with its .venv), so a
change to how Polster makes and installs projects is a change in this one module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from harness.installs import Polster, uv
from harness.paths import ASSETS, REPO, SETUP

PACKAGE = "shop"


def installed_project(polster: Polster, folder: Path, *init_args: str) -> Path:
    """`polster init shop` (with its .venv) in `folder`."""
    project = folder / PACKAGE
    if not (project / ".venv").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        init = polster.command("init", PACKAGE, "--yes", "--no-git", *init_args)
        subprocess.run(init, cwd=folder, check=True)
    return project


def project_python(project: Path) -> str:
    """The Python of a generated project's own .venv."""
    return str(project / ".venv" / "bin" / "python")


def project_tool(project: Path, name: str) -> str:
    """A console script of the project's .venv (dg, dagster)."""
    return str(project / ".venv" / "bin" / name)


def activated(project: Path) -> dict[str, str]:
    """The environment variables of the project's .venv when activated (what `dg` reads)."""
    return {"VIRTUAL_ENV": str(project / ".venv")}


def empty_dagster_home(folder: Path) -> Path:
    """`folder/.dagster` with a dagster.yaml of no settings (SQLite storage in that folder)."""
    home = folder / ".dagster"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("# no settings: SQLite in this folder\n")
    return home


def add_assets(
    project: Path, per_layer: int, python: str, env: Mapping[str, str] | None = None
) -> None:
    """`per_layer` linked assets in each layer (setup/add_assets.py, run by `python`)."""
    command = [python, str(SETUP / "add_assets.py"), str(project), str(per_layer)]
    subprocess.run(command, env=env, check=True)


def large_project(polster: Polster, scratch: Path, per_layer: int) -> Path:
    """A project without sample assets and `per_layer` assets in each layer."""
    project = installed_project(polster, scratch / f"assets-{per_layer}", "--no-sample-assets")
    if not (project / "src" / PACKAGE / "defs" / "gold" / f"t{per_layer - 1:03d}.py").exists():
        add_assets(project, per_layer, polster.python)
    return project


def data_project(polster: Polster, scratch: Path) -> Path:
    """A project without sample assets, with the bench pipeline (benchmarks/assets) in it."""
    project = installed_project(polster, scratch / "data", "--no-sample-assets")
    shutil.copytree(ASSETS / PACKAGE, project / "src" / PACKAGE, dirs_exist_ok=True)
    (project / ".dagster").mkdir(exist_ok=True)
    return project


def mysql_project(polster: Polster, scratch: Path, peers: Sequence[str]) -> Path:
    """A project with the sample assets and `add-asset --template mysql` as bronze_bench_rows,
    installed again with `peers` (the packages the other sides read MySQL with)."""
    project = installed_project(polster, scratch / "mysql")
    if not (project / "src" / PACKAGE / "connectors" / "mysql.py").exists():
        add = ("add-asset", "--layer", "bronze", "--name", "bench_rows", "--template", "mysql")
        subprocess.run(polster.command(*add), cwd=project, check=True)
        install = [uv(), "pip", "install", "-q", "--python", project_python(project), "-e", "."]
        subprocess.run([*install, *peers], cwd=project, check=True)
    (project / ".dagster").mkdir(exist_ok=True)
    return project


# The tag, in the project's repository, of the state every upgrade run starts from.
BEFORE_UPGRADE = "bench-before-upgrade"


def old_template_project(
    polster: Polster, folder: Path, store: Path, old_version: str, assets: int
) -> Path:
    """A committed project made at template `old_version` (from the template store `store`)
    with `assets` assets (all but a few through `add_assets`, the rest through
    `polster add-asset`), in `folder`, tagged BEFORE_UPGRADE."""
    project = folder / PACKAGE
    tagged = ["git", "rev-parse", "--verify", "--quiet", f"refs/tags/{BEFORE_UPGRADE}"]
    if (
        project.is_dir()
        and subprocess.run(tagged, cwd=project, capture_output=True).returncode == 0
    ):
        return project
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env = {**os.environ, "POLSTER_TEMPLATE_STORE": str(store)}
    setup = [polster.python, str(SETUP / "old_template_project.py"), str(folder / "template-old")]
    tests = {**env, "PYTHONPATH": str(REPO / "tests")}  # where its template_versions is
    subprocess.run([*setup, str(project), old_version], env=tests, check=True)
    per_layer = assets // 3
    add_assets(project, per_layer, polster.python, env)
    for extra in range(assets - 3 * per_layer):
        add = ("add-asset", "--layer", "bronze", "--name", f"extra{extra}")
        subprocess.run(polster.command(*add), cwd=project, env=env, check=True)
    identity = ["-c", "user.name=Polster bench", "-c", "user.email=bench@localhost"]
    for git in (
        ["init", "--quiet", "--initial-branch=main"],
        ["add", "--all"],
        [*identity, "commit", "--quiet", "--no-verify", "-m", "Before the upgrade"],
        ["tag", BEFORE_UPGRADE],
    ):
        subprocess.run(["git", *git], cwd=project, check=True)
    return project


def reset_to_before_upgrade(project: Path) -> Callable[[], None]:
    """Put the project back to its BEFORE_UPGRADE commit, nothing else in the folder."""

    def reset() -> None:
        for git in (["reset", "--quiet", "--hard", BEFORE_UPGRADE], ["clean", "-q", "-fdx"]):
            subprocess.run(["git", *git], cwd=project, check=True, capture_output=True)

    return reset
