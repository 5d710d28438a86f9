"""Upgrading with Polster installed from wheels, offline, as users get it.

Slow: builds two wheels from copies of this repository (release N, tagged, and N+1 with a
changed project template), installs N into a fresh venv, runs `polster init`, installs N+1
over it and runs `polster upgrade` with every network route closed. Then the same project,
cloned for a user whose machine never had Polster N, upgrades from the history wheel N+1
ships; and plain `copier update` works on a third copy.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from helpers import REPO_ROOT, run, uv
from template_versions import commit_all, git

import polster as package

pytestmark = pytest.mark.slow
NEXT_VERSION = re.sub(r"(\d+)$", lambda m: str(int(m.group(1)) + 1), package.__version__)
NEW_IGNORE = "\n# DuckDB files made while exploring\n*.duckdb\n"
USER_EDIT = "\n# Our own note: keep this line through upgrades.\n"
OFFLINE = {
    "UV_OFFLINE": "1",
    "PIP_NO_INDEX": "1",
    **{name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")},
    **{name: "http://127.0.0.1:9" for name in ("http_proxy", "https_proxy", "all_proxy")},
    "NO_PROXY": "",
    "no_proxy": "",
    "GIT_ALLOW_PROTOCOL": "file",  # git may read local repositories and bundles only
    "GIT_TERMINAL_PROMPT": "0",
}
_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv*", "dist", "build", "__pycache__", ".*_cache", ".hypothesis", "*.egg-info"
)


def build_wheel(source: Path, out: Path) -> Path:
    run([uv(), "build", "--wheel", "--out-dir", str(out), str(source)], cwd=source)
    (wheel,) = out.glob("polster-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Wheel N from this repository as it is (tagged v<N> in a copy), and wheel N+1."""
    base = tmp_path_factory.mktemp("releases")
    source = base / "polster"
    shutil.copytree(REPO_ROOT, source, ignore=_NOT_SOURCE)
    git(source, "init", "--quiet", "--initial-branch=main")
    commit_all(source, f"Polster {package.__version__}")
    git(source, "tag", f"v{package.__version__}")
    current = build_wheel(source, base / "dist-current")
    init = source / "polster" / "__init__.py"
    init.write_text(init.read_text().replace(package.__version__, NEXT_VERSION))
    ignore = source / "project_template" / ".gitignore"
    ignore.write_text(ignore.read_text() + NEW_IGNORE)
    commit_all(source, f"Polster {NEXT_VERSION}")
    return current, build_wheel(source, base / "dist-next")


@pytest.fixture(scope="module")
def tool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("tool") / "venv"
    run([uv(), "venv", "--quiet", "--python", sys.executable, str(venv)], cwd=venv.parent)
    return venv


def install(tool: Path, wheel: Path) -> None:
    python = str(tool / "bin" / "python")
    run(
        [uv(), "pip", "install", "--python", python, "--reinstall-package", "polster", str(wheel)],
        cwd=tool,
    )


def as_user(home: Path) -> dict[str, str]:
    """A user whose Polster keeps its template store in the default place under `home`."""
    return {"HOME": str(home), "POLSTER_TEMPLATE_STORE": str(home / ".local/share/polster")}


def test_an_upgrade_from_wheel_n_to_n_plus_1_works_offline(wheels, tool, tmp_path):
    current, following = wheels
    polster = str(tool / "bin" / "polster")
    alice = as_user(tmp_path / "alice")
    install(tool, current)
    run([polster, "init", "shop", "--no-install-uv"], cwd=tmp_path, extra_env=alice)
    project = tmp_path / "shop"
    definitions = project / "src" / "shop" / "definitions.py"
    definitions.write_text(definitions.read_text() + USER_EDIT)
    add = [polster, "add-asset", "--layer", "bronze", "--name", "customers"]
    run(add, cwd=project, extra_env=alice)
    commit_all(project, "Our changes")
    asset = (project / "src" / "shop" / "defs" / "bronze" / "customers.py").read_bytes()
    bob_copy = tmp_path / "bob" / "shop"
    git(tmp_path, "clone", "--quiet", str(project), str(bob_copy))
    plain_copy = tmp_path / "plain" / "shop"
    git(tmp_path, "clone", "--quiet", str(project), str(plain_copy))

    install(tool, following)
    result = run([polster, "upgrade"], cwd=project, extra_env={**alice, **OFFLINE})

    assert f"from {package.__version__} to {NEXT_VERSION}" in result.stdout
    assert (project / ".gitignore").read_text().endswith(NEW_IGNORE)
    assert definitions.read_text().endswith(USER_EDIT)
    assert (project / "src" / "shop" / "defs" / "bronze" / "customers.py").read_bytes() == asset
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert recorded["_src_path"] == "~/.local/share/polster/project_template"
    assert recorded["_commit"] == f"v{NEXT_VERSION}"

    # Bob never had Polster N: wheel N+1's history holds it.
    bob = {**as_user(tmp_path / "bob-home"), **OFFLINE}
    run([polster, "upgrade"], cwd=bob_copy, extra_env=bob)
    assert (bob_copy / ".gitignore").read_text().endswith(NEW_IGNORE)
    assert (bob_copy / "src" / "shop" / "definitions.py").read_text().endswith(USER_EDIT)

    # Plain Copier, once Polster N+1 has put its version into the store.
    copier = str(tool / "bin" / "copier")
    run(
        [copier, "update", "--trust", "--defaults", "--quiet"],
        cwd=plain_copy,
        extra_env={**alice, **OFFLINE},
    )
    assert (plain_copy / ".gitignore").read_text().endswith(NEW_IGNORE)
    assert (plain_copy / "src" / "shop" / "definitions.py").read_text().endswith(USER_EDIT)
