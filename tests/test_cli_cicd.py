"""`polster init --cicd` and `polster add-cicd`: what they write, and what they refuse."""

from __future__ import annotations

import subprocess

import pytest
import yaml
from click.testing import CliRunner
from helpers import tree

from polster import prompts, scaffold
from polster.cicd import ANSWERS_FILE, PIPELINE_FILES, PLATFORMS
from polster.cli import cli

OFFLINE = ("--no-install-uv", "--no-git")
ENTER = "\r"
UP = "\x1b[A"


def recorded(project) -> dict:
    return yaml.safe_load((project / ANSWERS_FILE).read_text())


# ------------------------------------------------------------------ init --cicd


@pytest.mark.parametrize("platform", PLATFORMS)
def test_init_adds_the_chosen_pipeline(polster, workdir, platform):
    result = polster("init", "shop", *OFFLINE, "--cicd", platform)
    assert result.exit_code == 0, result.output
    project = workdir / "shop"
    assert (project / PIPELINE_FILES[platform]).is_file()
    for other in set(PLATFORMS) - {platform}:
        assert not (project / PIPELINE_FILES[other]).exists()
    assert recorded(project)["platform"] == platform
    assert "CI/CD pipeline:" in result.output


def test_the_first_commit_includes_the_pipeline(polster, workdir):
    assert polster("init", "shop", "--no-install-uv", "--cicd", "gitlab-ci").exit_code == 0
    project = workdir / "shop"
    files = subprocess.run(
        ["git", "ls-files"], cwd=project, capture_output=True, text=True, check=True
    ).stdout.split()
    assert ".gitlab-ci.yml" in files
    assert ANSWERS_FILE in files
    status = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True)
    assert status.stdout == b""


def test_none_and_no_terminal_add_no_pipeline(polster, workdir):
    assert polster("init", "explicit", *OFFLINE, "--cicd", "none").exit_code == 0
    assert polster("init", "implicit", *OFFLINE).exit_code == 0
    for name in ("explicit", "implicit"):
        assert not (workdir / name / ANSWERS_FILE).exists()
        for path in PIPELINE_FILES.values():
            assert not (workdir / name / path).exists()


def test_an_unknown_platform_is_refused_before_anything(polster, workdir, monkeypatch):
    monkeypatch.setattr(prompts, "ask_text", lambda *a, **k: pytest.fail("asked a question"))
    result = polster("init", "shop", *OFFLINE, "--cicd", "jenkins")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: Unknown CI/CD platform 'jenkins': choose github-actions, gitlab-ci, "
        "azure-devops or none."
    )
    assert list(workdir.iterdir()) == []


def test_dry_run_lists_the_pipeline_and_writes_nothing(polster, workdir):
    result = polster("init", "shop", *OFFLINE, "--cicd", "azure-devops", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "  azure-pipelines.yml" in result.output
    assert f"  {ANSWERS_FILE}" in result.output
    assert list(workdir.iterdir()) == []


def test_a_failing_pipeline_render_removes_the_whole_project(polster, workdir, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(scaffold, "render_cicd", broken)
    with pytest.raises(OSError, match="disk full"):
        polster("init", "shop", *OFFLINE, "--cicd", "github-actions")
    assert list(workdir.iterdir()) == []


def test_a_terminal_asks_for_the_platform(keyboard, workdir):
    keyboard.send_text(ENTER)  # description: the default
    keyboard.send_text("y")  # sample assets
    keyboard.send_text("n")  # create .venv
    keyboard.send_text(UP + UP + ENTER)  # none -> azure-devops -> gitlab-ci
    result = CliRunner().invoke(cli, ["init", "shop", "--no-git"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (workdir / "shop" / ".gitlab-ci.yml").is_file()


def test_yes_takes_none_on_a_terminal(keyboard, workdir, monkeypatch):
    monkeypatch.setattr(prompts, "ask_select", lambda *a, **k: pytest.fail("asked a question"))
    result = CliRunner().invoke(cli, ["init", "shop", "--yes", *OFFLINE])
    assert result.exit_code == 0, result.output
    assert not (workdir / "shop" / ANSWERS_FILE).exists()


# ------------------------------------------------------------------ add-cicd


def test_add_cicd_adds_a_pipeline_with_the_given_answers(polster, shop):
    args = ["--branch", "trunk", "--cron", "30 5 * * 1-5", "--persistence", "artifact"]
    result = polster("add-cicd", "github-actions", *args, "--python", "3.12")
    assert result.exit_code == 0, result.output
    assert f"  {PIPELINE_FILES['github-actions']}" in result.output
    answers = recorded(shop)
    assert answers["default_branch"] == "trunk"
    assert answers["cron"] == "30 5 * * 1-5"
    assert answers["persistence"] == "artifact"
    assert answers["python_version"] == "3.12"
    assert answers["_src_path"]  # where `polster upgrade` finds the template again


def test_add_cicd_works_from_inside_the_project(polster, shop, monkeypatch):
    monkeypatch.chdir(shop / "src" / "shop")
    assert polster("add-cicd", "azure-devops").exit_code == 0
    assert (shop / "azure-pipelines.yml").is_file()


def test_a_second_pipeline_is_refused_without_force(polster, shop):
    assert polster("add-cicd", "gitlab-ci").exit_code == 0
    before = tree(shop)
    for platform in PLATFORMS:
        result = polster("add-cicd", platform)
        assert result.exit_code == 2
        assert "already has a Polster CI/CD pipeline (gitlab-ci" in result.output
        assert "--force" in result.output
    assert tree(shop) == before


def test_a_hand_written_pipeline_is_not_overwritten(polster, shop):
    (shop / ".gitlab-ci.yml").write_text("# mine\n")
    before = tree(shop)
    result = polster("add-cicd", "gitlab-ci")
    assert result.exit_code == 2
    assert ".gitlab-ci.yml already exists: pass --force" in result.output
    assert tree(shop) == before


def test_force_replaces_the_pipeline_and_keeps_earlier_answers(polster, shop):
    assert polster("add-cicd", "github-actions", "--cron", "15 3 * * *").exit_code == 0
    workflow = shop / PIPELINE_FILES["github-actions"]
    workflow.write_text("# edited\n")
    result = polster("add-cicd", "github-actions", "--force", "--persistence", "none")
    assert result.exit_code == 0, result.output
    assert "15 3 * * *" in workflow.read_text()
    assert recorded(shop)["persistence"] == "none"
    moved = polster("add-cicd", "gitlab-ci", "--force")
    assert moved.exit_code == 0, moved.output
    assert recorded(shop)["platform"] == "gitlab-ci"
    assert recorded(shop)["cron"] == "15 3 * * *"
    assert f"{PIPELINE_FILES['github-actions']} stays" in moved.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["jenkins"], "Unknown CI/CD platform 'jenkins': choose github-actions, gitlab-ci or"),
        (["none"], "Unknown CI/CD platform 'none'"),
        (["github-actions", "--persistence", "s3"], "Unknown persistence 's3': choose git,"),
        (["github-actions", "--cron", "0 25 * * *"], "--cron: '0 25 * * *' is not a valid"),
        (["github-actions", "--cron", "daily"], "--cron: 'daily' is not a cron schedule"),
        (["github-actions", "--branch", "a b"], "--branch: 'a b' is not a usable branch"),
        (["github-actions", "--python", "3.9"], "--python: '3.9' is not a Python version"),
    ],
)
def test_wrong_input_is_refused_and_writes_nothing(polster, shop, args, message):
    before = tree(shop)
    result = polster("add-cicd", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert tree(shop) == before


def test_add_cicd_outside_a_project_is_refused(polster, workdir):
    result = polster("add-cicd", "github-actions")
    assert result.exit_code == 2
    assert "No Polster project found" in result.output
    assert list(workdir.iterdir()) == []


def test_a_failed_write_leaves_the_old_pipeline_in_place(polster, shop):
    assert polster("add-cicd", "gitlab-ci").exit_code == 0
    (shop / ".github").write_text("not a folder\n")  # the workflow cannot be written
    before = tree(shop)
    with pytest.raises(NotADirectoryError):
        polster("add-cicd", "github-actions", "--force")
    assert tree(shop) == before


# ------------------------------------------------------------------ connector variables


def run_step_env(project) -> dict:
    workflow = yaml.safe_load((project / PIPELINE_FILES["github-actions"]).read_text())
    steps = workflow["jobs"]["pipeline"]["steps"]
    return next(step for step in steps if step.get("id") == "run").get("env", {})


def test_add_cicd_passes_the_variables_env_example_adds_to_the_template(polster, shop):
    with (shop / ".env.example").open("a") as env_example:
        env_example.write("\nSHOP_API_TOKEN=\n# SHOP_API_TIMEOUT=30\nSHOP_API_TOKEN=again\n")
    result = polster("add-cicd", "github-actions")
    assert result.exit_code == 0, result.output
    # The template's own (POLSTER_DATA_PATH, DAGSTER_HOME, ...) are the pipeline's business.
    assert recorded(shop)["connector_variables"] == ["SHOP_API_TOKEN", "SHOP_API_TIMEOUT"]
    env = run_step_env(shop)
    assert env["SHOP_API_TOKEN"] == "${{ secrets.SHOP_API_TOKEN || vars.SHOP_API_TOKEN }}"
    assert "SHOP_API_TIMEOUT" in env
    assert "DAGSTER_HOME" not in env


def test_add_asset_says_when_the_pipeline_does_not_pass_its_connectors_variables(polster, shop):
    assert polster("add-cicd", "github-actions").exit_code == 0
    assert recorded(shop)["connector_variables"] == []
    added = polster("add-asset", "--layer", "bronze", "--name", "erp", "--template", "mysql")
    assert added.exit_code == 0, added.output
    assert added.output.splitlines()[-1] == (
        "The github-actions pipeline does not pass MYSQL_HOST, MYSQL_PORT, MYSQL_USER, "
        "MYSQL_PASSWORD, MYSQL_DATABASE, MYSQL_SSL_MODE, MYSQL_SSL_CA, MYSQL_SSL_CERT, "
        "MYSQL_SSL_KEY, MYSQL_CONNECT_TIMEOUT, MYSQL_READ_TIMEOUT to its run step: run "
        "`polster add-cicd github-actions --force` to add them (its other answers carry over)."
    )
    assert polster("add-cicd", "github-actions", "--force").exit_code == 0
    assert "MYSQL_PASSWORD" in run_step_env(shop)
    again = polster("add-asset", "--layer", "bronze", "--name", "crm", "--template", "mysql")
    assert again.exit_code == 0, again.output
    assert "pipeline does not pass" not in again.output


def test_add_asset_without_a_pipeline_says_nothing_about_one(polster, shop):
    added = polster("add-asset", "--layer", "bronze", "--name", "erp", "--template", "mysql")
    assert added.exit_code == 0, added.output
    assert "pipeline" not in added.output
