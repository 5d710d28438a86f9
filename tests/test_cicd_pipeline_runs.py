"""Run each generated pipeline's own shell steps for real, so none can fail on its first run.

Slow: for each platform, `polster init --cicd PLATFORM` makes a project whose .env.example
gains a connector's variables, and `polster add-cicd --force` passes them on; the steps are
read out of its pipeline file (tests/pipeline_steps.py) and run with bash in the project, with
what the platform's setup steps provide (Python and uv on PATH) and the environment the
platform would give each step from a simulated variable store; uv installs the project from
PyPI. The `git` persistence then commits data/ and pushes it to an "origin" served over HTTP
on 127.0.0.1 that demands the platform's credential and gained a commit meanwhile, so the
credential hand-over and the rebase-and-retry path run too. Every step records the
environment its commands see, to show which step holds which credential.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from git_http_server import git_http_server
from pipeline_steps import BASH, ONE_SHELL, PLATFORM_TOKEN, Context, Step, Stored, extract

from polster.cicd import PLATFORMS
from polster.cli import cli

pytestmark = pytest.mark.slow
# With uv.lock the pipeline installs with `uv sync --frozen`, without it with `uv pip`.
LOCKED = {"gitlab-ci"}
CONNECTOR_SECRET = "connector-secret-0123456789"
CONNECTOR_SETTING = "connector-setting-0123456789"
GITLAB_PUSH_TOKEN = "gitlab-push-token-0123456789"
# How each platform's git server takes the push token.
AUTHORIZATION = {
    "github-actions": "basic "
    + base64.b64encode(f"x-access-token:{PLATFORM_TOKEN}".encode()).decode(),
    "gitlab-ci": "basic " + base64.b64encode(f"oauth2:{GITLAB_PUSH_TOKEN}".encode()).decode(),
    "azure-devops": f"bearer {PLATFORM_TOKEN}",
}
PUSH_TOKENS = {"github-actions": PLATFORM_TOKEN, "gitlab-ci": GITLAB_PUSH_TOKEN}


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
        and not name.startswith(("POLSTER_", "UV_", "PYTEST_", "CONDA_", "GIT_"))
    }
    return {
        **inherited,
        "PATH": os.pathsep.join([str(tools), "/usr/local/bin", "/usr/bin", "/bin"]),
        "UV_PYTHON_DOWNLOADS": "never",
        "GIT_TERMINAL_PROMPT": "0",  # a CI runner has no terminal to ask for a password
        **step.env,
        # The platform's own uv cache is its business; here the machine's saves downloads.
        "UV_CACHE_DIR": cache,
    }


def probed(steps: list[Step], probes: Path) -> str:
    """The steps' scripts, each followed by a command recording the environment it sees."""
    return "\n".join(f"{step.script}\nenv > {probes / step.name}.env" for step in steps)


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


def project_with_a_connector(platform: str, tmp_path: Path, monkeypatch) -> Path:
    """A new project whose .env.example lists a connector's variables, and whose pipeline
    was rendered again to pass them."""
    project = tmp_path / "shop"
    args = ["init", str(project), "--no-git", "--no-install-uv", "--cicd", platform]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with (project / ".env.example").open("a") as env_example:
        env_example.write("\n# A connector's settings.\nSHOP_API_TOKEN=\nSHOP_API_REGION=eu\n")
    monkeypatch.chdir(project)
    result = CliRunner().invoke(cli, ["add-cicd", platform, "--force"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return project


def store(platform: str) -> dict[str, Stored]:
    values = {
        "SHOP_API_TOKEN": Stored(CONNECTOR_SECRET, secret=True),
        "SHOP_API_REGION": Stored(CONNECTOR_SETTING),
    }
    if platform == "gitlab-ci":  # scoped as docs/cicd.md says
        values["POLSTER_PUSH_TOKEN"] = Stored(
            GITLAB_PUSH_TOKEN, secret=True, environment="polster-push"
        )
    return values


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_pipeline_runs_on_a_fresh_project(platform, tools, tmp_path, monkeypatch):
    project = project_with_a_connector(platform, tmp_path, monkeypatch)
    origin = tmp_path / "git" / "origin.git"
    probes = tmp_path / "probes"
    probes.mkdir()
    workspace = tmp_path / "workspace"  # the runner's own folder (e.g. GITHUB_OUTPUT's)
    workspace.mkdir()
    with git_http_server(origin.parent, AUTHORIZATION[platform]) as server:
        origin_url = f"{server}/origin.git"
        context = Context(workspace, store(platform), origin_url.removesuffix(".git"))
        steps = extract(platform, project, context)
        by_name = {step.name: step for step in steps}
        env = runner_env(tools, by_name["install"])
        if platform in LOCKED:
            bash(platform, "uv lock", project, env)

        run_job = [step for step in steps if step.job == by_name["run"].job]
        build = [step for step in run_job if step.name != "commit"]
        if platform in ONE_SHELL:
            bash(platform, probed(build, probes), project, env)
        else:
            for step in build:
                bash(platform, probed([step], probes), project, runner_env(tools, step))
        assert (project / "data" / "gold" / "order_metrics.parquet").is_file()
        assert (project / ".dagster").is_dir()

        git("init", "--quiet", "--bare", "--initial-branch=main", str(origin), cwd=tmp_path)
        git("init", "--quiet", "--initial-branch=main", cwd=project)
        git("add", "--all", cwd=project)
        git("commit", "--quiet", "-m", "Create shop", cwd=project)
        git("push", "--quiet", str(origin), "main", cwd=project)
        git("remote", "add", "origin", origin_url, cwd=project)
        if platform != "github-actions":
            git("switch", "--quiet", "--detach", cwd=project)  # as GitLab and Azure check out
        commit = by_name["commit"]
        # The commit step follows the run in its job: in GitLab's one shell, the run's
        # settings are exported again there; a fresh shell has the same environment.
        bash(platform, probed([commit], probes), project, runner_env(tools, commit))
        if platform == "github-actions":
            outputs = (context.workspace / "github-output").read_text()
            assert "data-commit=yes" in outputs.splitlines()  # the push job will start

        # Someone pushes while the pipeline runs: the first push of data/ must be rejected.
        other = tmp_path / "other"
        git("clone", "--quiet", str(origin), str(other), cwd=tmp_path)
        (other / "NOTES.md").write_text("notes\n")
        git("add", "NOTES.md", cwd=other)
        git("commit", "--quiet", "-m", "Add notes", cwd=other)
        git("push", "--quiet", "origin", "main", cwd=other)

        push = by_name["push"]
        output = bash(platform, probed([push], probes), project, runner_env(tools, push))
    assert "Push rejected (attempt 1 of 5)" in output
    subjects = git("log", "--format=%s", "main", cwd=origin).splitlines()
    assert subjects[0].endswith("[skip ci]")
    assert subjects[1:] == ["Add notes", "Create shop"]  # rebased on top, nothing forced
    tracked = git("ls-tree", "-r", "--name-only", "main", cwd=origin).splitlines()
    assert "data/gold/order_metrics.parquet" in tracked
    assert any(path.startswith("data/bronze/raw_orders/") for path in tracked)
    assert not [path for path in tracked if path.startswith((".dagster/", ".venv/"))]
    assert "polster-data.bundle" not in tracked

    seen = {path.stem: path.read_text() for path in probes.glob("*.env")}
    assert set(seen) >= {"install", "test", "run", "commit", "push"}
    for name in ("install", "test", "run"):
        for value in (CONNECTOR_SECRET, f"SHOP_API_REGION={CONNECTOR_SETTING}"):
            assert (value in seen[name]) == (name == "run"), (name, value)
    token = PUSH_TOKENS.get(platform, PLATFORM_TOKEN)
    assert [name for name, environment in seen.items() if token in environment] == ["push"]
    git_files = [path for path in (project / ".git").rglob("*") if path.is_file()]
    for secret in (token, AUTHORIZATION[platform]):
        assert not [path for path in git_files if secret.encode() in path.read_bytes()]
