"""The template store: the installed templates as git tags, recorded by `polster init`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from template_versions import files, git

import polster as package
from polster import template_store, templates
from polster.errors import CheckFailed
from polster.template_store import TEMPLATES, ensure, has_tag, tags

PROJECT = TEMPLATES["project_template"]


def installed_copy(root: Path, marker: str = "") -> Path:
    """The installed project template, copied (and changed by `marker`, when given)."""
    root.mkdir(parents=True)
    shutil.copy(templates.template_root() / "copier.yml", root / "copier.yml")
    shutil.copytree(templates.template_root() / "project_template", root / "project_template")
    if marker:
        (root / "project_template" / "MARKER.md").write_text(marker)
    return root


def commit_of(repository: Path, tag: str) -> str:
    return git(repository, "rev-parse", f"refs/tags/{tag}^{{commit}}").strip()


def test_init_records_the_store_at_this_version(polster, workdir, template_store):
    assert polster("init", "shop", "--no-install-uv").exit_code == 0
    answers = yaml.safe_load((workdir / "shop" / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == (template_store / "project_template").as_posix()
    assert answers["_commit"] == f"v{package.__version__}"


def test_copier_copy_of_the_store_renders_exactly_what_init_does(polster, workdir):
    import copier

    assert (
        polster("init", "shop", "--no-install-uv", "--no-git", "--cicd", "gitlab-ci").exit_code == 0
    )
    ours = workdir / "shop"
    plain = workdir / "plain" / "shop"
    for name, answers in (("project_template", {"project_name": "shop"}), ("cicd_templates", {})):
        recorded = yaml.safe_load((ours / TEMPLATES[name].answers_file).read_text())
        data = {**answers, "platform": "gitlab-ci"} if name == "cicd_templates" else answers
        copier.run_copy(
            recorded["_src_path"],
            plain,
            data=data,
            defaults=True,
            vcs_ref=recorded["_commit"],
            quiet=True,
            unsafe=True,
        )
    assert files(plain) == files(ours)


def test_a_path_below_home_is_recorded_with_a_tilde(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert template_store.recorded(tmp_path / ".local" / "share" / "polster" / "x") == (
        "~/.local/share/polster/x"
    )
    assert template_store.recorded(Path("/srv/polster/x")) == "/srv/polster/x"


def test_the_default_store_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv(template_store.STORE_VARIABLE)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert template_store.store_root() == tmp_path / ".local" / "share" / "polster"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert template_store.store_root() == tmp_path / "data" / "polster"


def test_ensure_is_idempotent_and_the_same_everywhere(tmp_path):
    installed = installed_copy(tmp_path / "installed")
    first, second = tmp_path / "a" / "project_template", tmp_path / "b" / "project_template"
    ensure(PROJECT, installed, "1.0.0", repository=first)
    ensure(PROJECT, installed, "1.0.0", repository=first)
    ensure(PROJECT, installed, "1.0.0", repository=second)
    assert tags(first) == ["v1.0.0"]
    assert commit_of(first, "v1.0.0") == commit_of(second, "v1.0.0")
    assert git(first, "status", "--porcelain") == ""


def test_each_version_is_a_child_of_the_newest_older_one(tmp_path):
    repository = tmp_path / "store" / "project_template"
    for version in ("0.9.0", "0.10.0", "0.2.0"):
        ensure(PROJECT, installed_copy(tmp_path / version, version), version, repository=repository)
    assert tags(repository) == ["v0.2.0", "v0.9.0", "v0.10.0"]
    parent = git(repository, "rev-parse", "refs/tags/v0.10.0^").strip()
    assert parent == commit_of(repository, "v0.9.0")
    assert git(repository, "rev-parse", "main").strip() == commit_of(repository, "v0.10.0")
    assert (repository / "project_template" / "MARKER.md").read_text() == "0.10.0"


def test_a_rebuilt_development_version_moves_its_tag(tmp_path):
    repository = tmp_path / "store" / "project_template"
    ensure(PROJECT, installed_copy(tmp_path / "first", "first"), "1.0.0", repository=repository)
    ensure(PROJECT, installed_copy(tmp_path / "again", "again"), "1.0.0", repository=repository)
    shown = git(repository, "show", "v1.0.0:project_template/MARKER.md")
    assert shown == "again"


def test_history_adds_the_versions_the_store_lacks_and_keeps_its_own(tmp_path):
    released = tmp_path / "released" / "project_template"
    for version in ("0.1.0", "0.2.0"):
        ensure(PROJECT, installed_copy(tmp_path / version, version), version, repository=released)
    bundle = tmp_path / "project_template.bundle"
    git(released, "bundle", "create", str(bundle), "--tags")
    mine = tmp_path / "mine" / "project_template"
    ensure(PROJECT, installed_copy(tmp_path / "local", "local"), "0.2.0", repository=mine)
    template_store.add_history(mine, bundle)
    assert tags(mine) == ["v0.1.0", "v0.2.0"]
    assert git(mine, "show", "v0.2.0:project_template/MARKER.md") == "local"
    template_store.add_history(mine, tmp_path / "no.bundle")


def test_a_folder_that_is_not_a_store_is_refused(tmp_path):
    foreign = tmp_path / "project_template"
    foreign.mkdir()
    git(foreign, "init", "--quiet")
    with pytest.raises(CheckFailed, match="is not a Polster template store"):
        ensure(PROJECT, installed_copy(tmp_path / "installed"), "1.0.0", repository=foreign)


@pytest.mark.parametrize(
    ("src_path", "name"),
    [
        ("~/.local/share/polster/project_template", "project_template"),
        ("/home/someone/.local/share/polster/cicd_templates", "cicd_templates"),
        ("/work/polster", None),
        ("/srv/elsewhere/project_template", None),
        ("https://github.com/org/polster.git", None),
        ("gh:org/polster", None),
    ],
)
def test_store_sources_are_recognised(src_path, name, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    found = template_store.stored_template(src_path)
    assert (found[0].name if found else None) == name


def test_a_polster_checkout_is_not_a_store(tmp_path):
    checkout = tmp_path / "polster" / "cicd_templates"
    checkout.mkdir(parents=True)
    git(checkout.parent, "init", "--quiet")
    assert template_store.stored_template(str(checkout)) is None


def test_the_stored_templates_match_their_copier_settings():
    for template in TEMPLATES.values():
        config = yaml.safe_load(
            (templates.template_root() / template.folder / "copier.yml").read_text()
        )
        assert config["_answers_file"] == template.answers_file


# ---------------------------------------------- a project cloned onto another machine


def made_elsewhere(home: Path, workdir: Path, polster, monkeypatch) -> Path:
    """`polster init` by a user whose store is the default one under `home`."""
    monkeypatch.delenv(template_store.STORE_VARIABLE)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(home))
    assert polster("init", "shop", "--no-install-uv").exit_code == 0
    project = workdir / "shop"
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == "~/.local/share/polster/project_template"
    return project


def newer_version(monkeypatch, version: str, history: Path | None) -> None:
    monkeypatch.setattr(package, "__version__", version)
    if history is not None:
        monkeypatch.setattr(templates, "history_bundle", lambda name: history)


def test_another_machine_upgrades_from_the_shipped_history(polster, workdir, monkeypatch, tmp_path):
    project = made_elsewhere(tmp_path / "alice", workdir, polster, monkeypatch)
    store = tmp_path / "alice" / ".local" / "share" / "polster" / "project_template"
    bundle = tmp_path / "history.bundle"
    git(store, "bundle", "create", str(bundle), "--tags")
    monkeypatch.setenv("HOME", str(tmp_path / "bob"))
    newer_version(monkeypatch, "99.0.0", bundle)
    monkeypatch.chdir(project)
    result = polster("upgrade")
    assert result.exit_code == 0, result.output
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v99.0.0"
    assert answers["_src_path"] == "~/.local/share/polster/project_template"
    assert has_tag(
        tmp_path / "bob" / ".local" / "share" / "polster" / "project_template", "v99.0.0"
    )


def test_without_history_the_missing_version_is_named(polster, workdir, monkeypatch, tmp_path):
    project = made_elsewhere(tmp_path / "alice", workdir, polster, monkeypatch)
    made_with = package.__version__
    monkeypatch.setenv("HOME", str(tmp_path / "bob"))
    newer_version(monkeypatch, "99.0.0", None)
    monkeypatch.chdir(project)
    before = files(project)
    result = polster("upgrade")
    assert result.exit_code == 1
    assert f"records template version {made_with}, which" in result.output
    assert "uvx polster==" in result.output
    assert files(project) == before


def test_check_refuses_like_upgrade_when_the_recorded_version_is_nowhere(
    polster, workdir, monkeypatch, tmp_path
):
    # A colleague's machine with an empty store and no history for the project's version:
    # `--check` must not promise an upgrade that `upgrade` then refuses.
    project = made_elsewhere(tmp_path / "alice", workdir, polster, monkeypatch)
    monkeypatch.setenv("HOME", str(tmp_path / "bob"))
    newer_version(monkeypatch, "99.0.0", None)
    monkeypatch.chdir(project)
    before = files(project)
    checked, upgraded = polster("upgrade", "--check"), polster("upgrade")
    assert checked.exit_code == upgraded.exit_code == 1
    assert checked.output == upgraded.output
    assert files(project) == before
