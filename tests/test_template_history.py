"""The history a wheel ships comes from the repository's own commits: the last commit at each
earlier version, so a fresh clone without release tags still ships every released template."""

from __future__ import annotations

from pathlib import Path

from template_versions import commit_all, git

from polster import template_history, template_store


def version_commit(repository: Path, version: str, marker: str) -> str:
    (repository / "polster").mkdir(exist_ok=True)
    (repository / "polster" / "__init__.py").write_text(f'__version__ = "{version}"\n')
    (repository / "project_template").mkdir(exist_ok=True)
    (repository / "project_template" / "MARKER.md").write_text(marker)
    (repository / "copier.yml").write_text("_subdirectory: project_template\n")
    commit_all(repository, f"{version}: {marker}")
    return git(repository, "rev-parse", "HEAD").strip()


def repository_with_releases(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repository = tmp_path / "polster"
    repository.mkdir()
    git(repository, "init", "--quiet", "--initial-branch=main")
    version_commit(repository, "0.1.0", "first")
    last_of_first = version_commit(repository, "0.1.0", "first, fixed")
    version_commit(repository, "0.2.0", "second")
    last_of_second = version_commit(repository, "0.2.0", "second, fixed")
    version_commit(repository, "0.3.0", "in the making")
    return repository, {"v0.1.0": last_of_first, "v0.2.0": last_of_second}


def test_each_earlier_version_is_its_last_commit(tmp_path: Path) -> None:
    repository, expected = repository_with_releases(tmp_path)
    assert template_history.releases(repository) == expected


def test_a_release_tag_wins_for_its_version(tmp_path: Path) -> None:
    repository, expected = repository_with_releases(tmp_path)
    first = git(repository, "rev-list", "--max-parents=0", "HEAD").strip()
    git(repository, "tag", "v0.1.0", first)
    releases = template_history.releases(repository)
    assert list(releases) == ["v0.1.0", "v0.2.0"]
    assert git(repository, "rev-parse", releases["v0.1.0"] + "^{commit}").strip() == first
    assert releases["v0.2.0"] == expected["v0.2.0"]


def test_the_bundle_holds_each_release_without_any_tag(tmp_path: Path) -> None:
    repository, _ = repository_with_releases(tmp_path)
    bundles = template_history.build(repository, tmp_path / "out")
    store = tmp_path / "store"
    git(tmp_path, "init", "--quiet", str(store))
    template_store.add_history(store, bundles["project_template"])
    assert template_store.tags(store) == ["v0.1.0", "v0.2.0"]
    shown = git(store, "show", "v0.2.0:project_template/MARKER.md")
    assert shown == "second, fixed"
