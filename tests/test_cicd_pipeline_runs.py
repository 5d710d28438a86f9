"""Run each generated pipeline's own shell steps for real, so none can fail on its first run.

Slow: for each platform, `polster init --cicd PLATFORM` makes a project; the install, test
and run steps are read out of its pipeline file (tests/pipeline_steps.py) and run with bash
in the project, with what the platform's setup steps provide (Python and uv on PATH); uv
installs the project from PyPI. Then the `git` persistence step commits data/ into a local
"origin" that gained a commit meanwhile, so its rebase-and-retry path runs too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pipeline_steps import BASH, ONE_SHELL, Step, extract

from polster.cicd import PLATFORMS
from polster.cli import cli

pytestmark = pytest.mark.slow
# With uv.lock the pipeline installs with `uv sync --frozen`, without it with `uv pip`.
LOCKED = {"gitlab-ci"}


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bin folder with what the platform's setup steps put on PATH: Python and uv."""
    import uv

    folder = tmp_path_factory.mktemp("tools")
    base_python = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}"
    for name in ("python", "python3"):
        (folder / name).symlink_to(base_python)
    (folder / "uv").symlink_to(uv.find_uv_bin())
    return folder


def runner_env(tools: Path, step: Step) -> dict[str, str]:
    """This machine's environment (its network settings) without what would tie the run to
    the test's own Python, plus the step's variables."""
    cache = subprocess.run(
        [str(tools / "uv"), "cache", "dir"], capture_output=True, text=True, check=True
    ).stdout.strip()
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "DAGSTER_HOME"}
        and not name.startswith(("POLSTER_", "UV_", "PYTEST_", "CONDA_"))
    }
    return {
        **inherited,
        "PATH": os.pathsep.join([str(tools), "/usr/local/bin", "/usr/bin", "/bin"]),
        "UV_PYTHON_DOWNLOADS": "never",
        **step.env,
        # The platform's own uv cache is its business; here the machine's saves downloads.
        "UV_CACHE_DIR": cache,
    }


def bash(platform: str, script: str, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        [*BASH[platform], "-c", script],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{platform} step failed:\n{script}\n---\n{output[-6000:]}"
    return output


def git(*args: str, cwd: Path) -> str:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.invalid"]
    return subprocess.run(
        ["git", *identity, *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_pipeline_runs_on_a_fresh_project(platform, tools, tmp_path):
    project = tmp_path / "shop"
    args = ["init", str(project), "--no-git", "--no-install-uv", "--cicd", platform]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    steps = extract(platform, project, tmp_path / "workspace")
    by_name = {step.name: step for step in steps}
    env = runner_env(tools, by_name["install"])
    if platform in LOCKED:
        bash(platform, "uv lock", project, env)

    build = [by_name[name] for name in ("install", "test", "run")]
    if platform in ONE_SHELL:
        bash(platform, "\n".join(step.script for step in build), project, env)
    else:
        for step in build:
            bash(platform, step.script, project, runner_env(tools, step))
    assert (project / "data" / "gold" / "order_metrics.parquet").is_file()
    assert (project / ".dagster").is_dir()

    origin = tmp_path / "origin.git"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(origin), cwd=tmp_path)
    git("init", "--quiet", "--initial-branch=main", cwd=project)
    git("add", "--all", cwd=project)
    git("commit", "--quiet", "-m", "Create shop", cwd=project)
    git("remote", "add", "origin", str(origin), cwd=project)
    git("push", "--quiet", "origin", "main", cwd=project)
    if platform != "github-actions":
        git("switch", "--quiet", "--detach", cwd=project)  # as GitLab and Azure check out
    # Someone pushes while the pipeline runs: the first push of data/ must be rejected.
    other = tmp_path / "other"
    git("clone", "--quiet", str(origin), str(other), cwd=tmp_path)
    (other / "NOTES.md").write_text("notes\n")
    git("add", "NOTES.md", cwd=other)
    git("commit", "--quiet", "-m", "Add notes", cwd=other)
    git("push", "--quiet", "origin", "main", cwd=other)

    persist = by_name["persist"]
    output = bash(platform, persist.script, project, runner_env(tools, persist))
    assert "Push rejected (attempt 1 of 5)" in output
    subjects = git("log", "--format=%s", "main", cwd=origin).splitlines()
    assert subjects[0].endswith("[skip ci]")
    assert subjects[1:] == ["Add notes", "Create shop"]  # rebased on top, nothing forced
    tracked = git("ls-tree", "-r", "--name-only", "main", cwd=origin).splitlines()
    assert "data/gold/order_metrics.parquet" in tracked
    assert any(path.startswith("data/bronze/raw_orders/") for path in tracked)
    assert not [path for path in tracked if path.startswith((".dagster/", ".venv/"))]
