"""`polster upgrade` (and plain `copier update`) on projects made from an older template.

The template repository has two versions: v0.1.0 (the template before 0.2.0, pytest settings
in `[tool.pytest.ini_options]`) and v0.2.0 (today's, `[tool.pytest]`, with the migration).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from template_versions import (
    NEW_VERSION,
    OLD_VERSION,
    commit_all,
    copy_project,
    files,
    git,
    release_pair,
)

import polster
from polster import templates

USER_EDIT = "\n# Our own note: keep this line through upgrades.\n"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return release_pair(tmp_path_factory.mktemp("template") / "polster")


@pytest.fixture
def project(template: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project made at v0.1.0, committed, as the working directory."""
    root = copy_project(template, workdir / "shop", f"v{OLD_VERSION}")
    monkeypatch.chdir(root)
    return root


def customise(project: Path, polster) -> dict[str, bytes]:
    """Edit a generated file, add an asset: what a user does. Returns the asset's files."""
    definitions = project / "src" / "shop" / "definitions.py"
    definitions.write_text(definitions.read_text() + USER_EDIT)
    result = polster("add-asset", "--layer", "bronze", "--name", "customers")
    assert result.exit_code == 0, result.output
    commit_all(project, "Our changes")
    asset_files = ("src/shop/defs/bronze/customers.py", "tests/bronze/test_customers.py")
    return {name: (project / name).read_bytes() for name in asset_files}


def answers(project: Path, name: str = ".copier-answers.yml") -> dict:
    return yaml.safe_load((project / name).read_text())


def status(project: Path) -> str:
    return git(project, "status", "--porcelain")


def test_upgrade_applies_the_template_change_and_keeps_edits_and_assets(project, polster):
    assets = customise(project, polster)
    result = polster("upgrade")
    assert result.exit_code == 0, result.output
    assert f"Upgraded .copier-answers.yml from {OLD_VERSION} to {NEW_VERSION}." in result.output
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert "ini_options" not in pyproject["tool"]["pytest"]
    assert pyproject["tool"]["pytest"]["testpaths"] == ["tests"]
    assert "pytest>=9" in pyproject["project"]["optional-dependencies"]["dev"]
    assert (project / "src" / "shop" / "definitions.py").read_text().endswith(USER_EDIT)
    assert {name: (project / name).read_bytes() for name in assets} == assets
    assert answers(project)["_commit"] == f"v{NEW_VERSION}"
    assert status(project).split() == ["M", ".copier-answers.yml", "M", "pyproject.toml"]


def test_plain_copier_update_gives_the_same_project(project, polster, workdir):
    customise(project, polster)
    twin = workdir / "twin" / "shop"
    shutil.copytree(project, twin)
    assert polster("upgrade").exit_code == 0
    copier = Path(sys.executable).parent / "copier"
    command = [str(copier), "update", "--trust", "--defaults", "--quiet"]
    subprocess.run(command, cwd=twin, check=True, capture_output=True)
    assert files(twin) == files(project)


def test_a_conflicting_edit_is_listed_and_exits_1(project, polster):
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"pytest>=8"', '"pytest>=8.3"'))
    commit_all(project, "Newer pytest")
    result = polster("upgrade")
    assert result.exit_code == 1
    assert "Conflicts left in these files:\n  pyproject.toml\n" in result.output
    assert "<<<<<<< before updating" in pyproject.read_text()
    assert "UU pyproject.toml" in status(project)


def test_rej_conflicts_are_listed(project, polster):
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"pytest>=8"', '"pytest>=8.3"'))
    commit_all(project, "Newer pytest")
    result = polster("upgrade", "--conflict", "rej")
    assert result.exit_code == 1
    assert "  pyproject.toml.rej\n" in result.output
    assert (project / "pyproject.toml.rej").is_file()


def test_a_dirty_tree_is_refused_and_left_as_it_is(project, polster):
    (project / "README.md").write_text("work in progress\n")
    (project / "notes.txt").write_text("draft\n")
    before = files(project)
    result = polster("upgrade")
    assert result.exit_code == 1
    assert "uncommitted changes (README.md, notes.txt): commit or stash them" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert files(project) == before
    assert answers(project)["_commit"] == f"v{OLD_VERSION}"


def test_a_project_outside_git_is_refused(template, polster, workdir, monkeypatch):
    import copier

    root = workdir / "loose"
    copier.run_copy(str(template), root, defaults=True, vcs_ref=f"v{OLD_VERSION}", quiet=True)
    monkeypatch.chdir(root)
    before = files(root)
    result = polster("upgrade")
    assert result.exit_code == 1
    assert "is not in a git repository: run `git init" in result.output
    assert files(root) == before


def test_check_exits_2_while_an_upgrade_is_available(project, polster):
    result = polster("upgrade", "--check")
    assert result.exit_code == 2
    expected = f".copier-answers.yml: {OLD_VERSION}, newest {NEW_VERSION} (upgrade available)"
    assert expected in result.output
    assert status(project) == ""
    assert polster("upgrade").exit_code == 0
    commit_all(project, "Upgrade")
    after = polster("upgrade", "--check")
    assert after.exit_code == 0
    assert f"{NEW_VERSION}, newest {NEW_VERSION} (up to date)" in after.output


def test_an_up_to_date_project_says_so(template, polster, workdir, monkeypatch):
    root = copy_project(template, workdir / "shop", f"v{NEW_VERSION}")
    monkeypatch.chdir(root)
    result = polster("upgrade")
    assert result.exit_code == 0
    assert result.output == f"Already up to date (.copier-answers.yml at {NEW_VERSION}).\n"


def test_dry_run_lists_the_changes_and_changes_nothing(project, polster):
    before = files(project)
    result = polster("upgrade", "--dry-run")
    assert result.exit_code == 0, result.output
    assert (
        f"Would upgrade .copier-answers.yml from {OLD_VERSION} to {NEW_VERSION}." in result.output
    )
    assert "These files would change:\n   M .copier-answers.yml\n   M pyproject.toml\n" in (
        result.output
    )
    assert result.output.endswith("Dry run: nothing was changed.\n")
    assert files(project) == before
    assert status(project) == ""


def test_runs_from_a_subdirectory(project, polster, monkeypatch):
    monkeypatch.chdir(project / "src" / "shop" / "defs")
    assert polster("upgrade").exit_code == 0
    assert answers(project)["_commit"] == f"v{NEW_VERSION}"


def test_an_unknown_version_leaves_the_project_as_it_was(project, polster):
    before = files(project)
    result = polster("upgrade", "--vcs-ref", "v9.9.9")
    assert result.exit_code != 0
    assert files(project) == before
    assert status(project) == ""


def test_a_failed_update_is_undone(project, polster, monkeypatch):
    import copier

    def half_then_fail(root, **_):
        (Path(root) / "pyproject.toml").write_text("half written\n")
        (Path(root) / "stray.txt").write_text("left behind\n")
        raise copier.errors.UserMessageError("the template broke")

    monkeypatch.setattr(copier, "run_update", half_then_fail)
    before = files(project)
    result = polster("upgrade")
    assert result.exit_code == 1
    assert "Error: .copier-answers.yml: the template broke" in result.output
    assert files(project) == before
    assert status(project) == ""


def test_a_project_inside_a_larger_repository(template, polster, workdir, monkeypatch):
    import copier

    monorepo = workdir / "monorepo"
    root = monorepo / "pipelines" / "shop"
    copier.run_copy(str(template), root, defaults=True, vcs_ref=f"v{OLD_VERSION}", quiet=True)
    (monorepo / "other.txt").write_text("not ours\n")
    git(monorepo, "init", "--quiet", "--initial-branch=main")
    commit_all(monorepo, "Monorepo")
    monkeypatch.chdir(root)
    assert polster("upgrade", "--dry-run").exit_code == 0
    assert status(monorepo) == ""
    result = polster("upgrade")
    assert result.exit_code == 0, result.output
    assert "   M pyproject.toml\n" in result.output
    assert answers(root)["_commit"] == f"v{NEW_VERSION}"


# ------------------------------------------------- projects made by polster init


WORKFLOW = ".github/workflows/polster.yml"
DOCKERFILE_LINE = "# Rendered by polster (answers in .copier-answers.deploy.yml).\n"
NEWER_DOCKERFILE_LINE = "# Rendered by a newer polster (answers in .copier-answers.deploy.yml).\n"


def newer_polster(root: Path, monkeypatch: pytest.MonkeyPatch, version: str) -> None:
    """Pretend a newer Polster is installed: its templates in `root`, its version `version`.
    Each template gains a file; the CI/CD workflow's `name:` changes, and the deployment kit's
    image builds on a newer Python patch line (a comment in its Dockerfile)."""
    installed = templates.template_root()
    root.mkdir()
    for name in (
        "copier.yml",
        "project_template",
        "cicd_templates",
        "asset_templates",
        "deploy_templates",
    ):
        source = installed / name
        copy = shutil.copy if source.is_file() else shutil.copytree
        copy(source, root / name)
    (root / "project_template" / "UPGRADED.md").write_text("From the newer project template.\n")
    (root / "cicd_templates" / "CI_UPGRADED.md").write_text("From the newer CI/CD template.\n")
    (workflow,) = (root / "cicd_templates").rglob("polster.yml.jinja")
    workflow.write_text(workflow.read_text().replace("\nname: polster\n", "\nname: Polster\n"))
    (root / "deploy_templates" / "DEPLOY_UPGRADED.md").write_text("From the newer kit.\n")
    dockerfile = root / "deploy_templates" / "Dockerfile.jinja"
    dockerfile.write_text(dockerfile.read_text().replace(DOCKERFILE_LINE, NEWER_DOCKERFILE_LINE))
    monkeypatch.setattr(templates, "template_root", lambda: root)
    monkeypatch.setattr(polster, "__version__", version)


def init_project(polster, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`polster init` with a GitHub Actions pipeline, customised and committed."""
    result = polster("init", "shop", "--no-install-uv", "--cicd", "github-actions")
    assert result.exit_code == 0, result.output
    project = workdir / "shop"
    monkeypatch.chdir(project)
    customise(project, polster)
    return project


def test_every_answers_file_of_an_init_project_is_upgraded(polster, workdir, monkeypatch, tmp_path):
    project = init_project(polster, workdir, monkeypatch)
    head = git(project, "rev-parse", "HEAD")
    newer_polster(tmp_path / "newer", monkeypatch, "99.0.0")

    check = polster("upgrade", "--check")
    assert check.exit_code == 2
    assert "newest 99.0.0 (upgrade available)" in check.output
    result = polster("upgrade")

    assert result.exit_code == 0, result.output
    for name in (".copier-answers.yml", ".copier-answers.cicd.yml"):
        assert answers(project, name)["_commit"] == "v99.0.0"
        assert answers(project, name)["_src_path"] == answers(project)["_src_path"].replace(
            "project_template", "cicd_templates" if "cicd" in name else "project_template"
        )
    assert (project / "UPGRADED.md").is_file()
    assert (project / "CI_UPGRADED.md").is_file()
    assert (project / "src" / "shop" / "definitions.py").read_text().endswith(USER_EDIT)
    assert git(project, "rev-parse", "HEAD") == head, "no checkpoint commit may stay"
    assert git(project, "diff", "--cached", "--name-only") == ""
    assert sorted(status(project).splitlines()) == [
        " M .copier-answers.cicd.yml",
        " M .copier-answers.yml",
        f" M {WORKFLOW}",
        "?? CI_UPGRADED.md",
        "?? UPGRADED.md",
    ]


def test_an_upgrade_names_the_variables_the_pipeline_does_not_pass(
    polster, workdir, monkeypatch, tmp_path
):
    project = init_project(polster, workdir, monkeypatch)
    with (project / ".env.example").open("a") as env_example:
        env_example.write("\nSHOP_API_TOKEN=\n")
    commit_all(project, "A connector's setting")
    newer_polster(tmp_path / "newer", monkeypatch, "99.0.0")
    result = polster("upgrade")
    assert result.exit_code == 0, result.output
    assert (
        "The github-actions pipeline does not pass SHOP_API_TOKEN to its run step: run "
        "`polster add-cicd github-actions --force`" in result.output
    )


def test_the_deployment_kit_is_upgraded_through_the_template_store(
    polster, workdir, monkeypatch, tmp_path
):
    project = init_project(polster, workdir, monkeypatch)
    assert polster("add-deploy", "docker", "--max-concurrent-runs", "2").exit_code == 0
    instance = project / "deploy" / "dagster.yaml"
    instance.write_text(instance.read_text() + USER_EDIT)
    commit_all(project, "Deployment kit")
    deploy_answers = answers(project, ".copier-answers.deploy.yml")
    assert deploy_answers["_src_path"].endswith("/deploy_templates")
    newer_polster(tmp_path / "newer", monkeypatch, "99.0.0")

    check = polster("upgrade", "--check")
    assert ".copier-answers.deploy.yml: 0." in check.output
    assert "newest 99.0.0 (upgrade available)" in check.output
    result = polster("upgrade")

    assert result.exit_code == 0, result.output
    assert "Upgraded .copier-answers.deploy.yml from" in result.output
    upgraded = answers(project, ".copier-answers.deploy.yml")
    assert upgraded["_commit"] == "v99.0.0"
    assert upgraded["max_concurrent_runs"] == 2
    assert NEWER_DOCKERFILE_LINE in (project / "Dockerfile").read_text()
    assert (project / "DEPLOY_UPGRADED.md").is_file()
    assert instance.read_text().endswith(USER_EDIT)


def test_a_conflict_in_a_later_answers_file_keeps_the_earlier_upgrade(
    polster, workdir, monkeypatch, tmp_path
):
    project = init_project(polster, workdir, monkeypatch)
    workflow = project / WORKFLOW
    workflow.write_text(workflow.read_text().replace("\nname: polster\n", "\nname: Nightly\n"))
    commit_all(project, "Our pipeline name")
    head = git(project, "rev-parse", "HEAD")
    newer_polster(tmp_path / "newer", monkeypatch, "99.0.0")
    result = polster("upgrade")
    assert result.exit_code == 1
    assert "Upgraded .copier-answers.yml from" in result.output
    assert f"Conflicts left in these files:\n  {WORKFLOW}\n" in result.output
    assert git(project, "rev-parse", "HEAD") == head
    assert answers(project)["_commit"] == "v99.0.0"
    assert (project / "UPGRADED.md").is_file()
    assert f"UU {WORKFLOW}" in status(project)
    assert git(project, "diff", "--cached", "--name-only", "--diff-filter=AM") == ""


def test_a_project_made_from_a_git_url_upgrades_from_it(template, polster, workdir, monkeypatch):
    root = copy_project(template.as_uri().replace("file:", "git+file:"), workdir / "shop", "v0.1.0")
    monkeypatch.chdir(root)
    result = polster("upgrade")
    assert result.exit_code == 0, result.output
    assert answers(root)["_commit"] == f"v{NEW_VERSION}"
    assert answers(root)["_src_path"].startswith("git+file://")


def test_answers_files_are_found_in_the_project_root(project):
    from polster.upgrade import answers_files

    (project / ".copier-answers.cicd.yml").write_text("_src_path: x\n")
    (project / ".copier-answers.zzz.yml").write_text("_src_path: y\n")
    assert answers_files(project) == [
        ".copier-answers.yml",
        ".copier-answers.cicd.yml",
        ".copier-answers.zzz.yml",
    ]


def test_an_answers_file_without_a_version_is_skipped_with_a_note(project, polster):
    (project / ".copier-answers.extra.yml").write_text("_src_path: /nowhere\n")
    commit_all(project, "An unversioned answers file")
    result = polster("upgrade")
    assert result.exit_code == 0, result.output
    assert ".copier-answers.extra.yml records no template version (_commit)" in result.output
    assert answers(project)["_commit"] == f"v{NEW_VERSION}"
