"""`polster add-deploy`: what it writes, and what it refuses (exit 2, one sentence, nothing
written)."""

from __future__ import annotations

import pytest
import yaml
from helpers import tree

from polster.deploy import ANSWERS_FILE, KUBERNETES_FOLDER, PLATFORMS


def recorded(project) -> dict:
    return yaml.safe_load((project / ANSWERS_FILE).read_text())


def assert_refused(result, project_files: dict, project, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert tree(project) == project_files


@pytest.mark.parametrize("platform", PLATFORMS)
def test_add_deploy_writes_the_kit_and_records_its_answers(polster, shop, platform):
    result = polster("add-deploy", platform, "--image", "registry.example.com/team/shop")
    assert result.exit_code == 0, result.output
    for path in ("Dockerfile", ".dockerignore", "deploy/dagster.yaml", "deploy/compose.yaml"):
        assert f"  {path}\n" in result.output
        assert (shop / path).is_file()
    assert (shop / KUBERNETES_FOLDER / "values.yaml").is_file() == (platform == "kubernetes")
    answers = recorded(shop)
    assert answers["platform"] == platform
    assert answers["project_name"] == "shop"
    assert answers["image"] == "registry.example.com/team/shop"
    assert answers["_src_path"]  # where `polster upgrade` finds the template again
    assert "docker build -t registry.example.com/team/shop:TAG ." in result.output


def test_add_deploy_works_from_inside_the_project(polster, shop, monkeypatch):
    monkeypatch.chdir(shop / "src" / "shop" / "defs")
    assert polster("add-deploy", "docker").exit_code == 0
    assert (shop / "Dockerfile").is_file()


def test_the_project_name_comes_from_pyproject(polster, shop):
    pyproject = shop / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('name = "shop"', 'name = "shop-eu"', 1))
    assert polster("add-deploy", "docker").exit_code == 0
    assert recorded(shop)["project_name"] == "shop-eu"
    assert recorded(shop)["package_name"] == "shop"
    assert '"--location-name", "shop-eu"' in (shop / "Dockerfile").read_text()


def test_an_unknown_platform_is_refused(polster, shop):
    before = tree(shop)
    result = polster("add-deploy", "nomad")
    message = "Error: Unknown deployment platform 'nomad': choose docker or kubernetes."
    assert_refused(result, before, shop, message)


def test_a_second_kit_is_refused_without_force(polster, shop):
    assert polster("add-deploy", "docker").exit_code == 0
    before = tree(shop)
    for platform in PLATFORMS:
        result = polster("add-deploy", platform)
        message = "already has the Polster deployment kit (docker, answers in"
        assert_refused(result, before, shop, message)
        assert "--force" in result.output


def test_a_hand_written_dockerfile_is_not_overwritten(polster, shop):
    (shop / "Dockerfile").write_text("FROM scratch\n")
    before = tree(shop)
    result = polster("add-deploy", "kubernetes")
    assert_refused(result, before, shop, "Dockerfile already exists: pass --force to overwrite.")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--image", "Shop:1.0"], "--image: 'Shop:1.0' is not an image name"),
        (["--python", "3.9"], "--python: '3.9' is not a Python version"),
        (["--max-concurrent-runs", "0"], "--max-concurrent-runs: 0 runs at once would run nothing"),
    ],
)
def test_wrong_answers_are_refused_and_write_nothing(polster, shop, args, message):
    before = tree(shop)
    assert_refused(polster("add-deploy", "docker", *args), before, shop, message)


def test_a_count_that_is_not_a_number_is_refused_by_click(polster, shop):
    before = tree(shop)
    result = polster("add-deploy", "docker", "--max-concurrent-runs", "many")
    assert result.exit_code == 2
    assert "'--max-concurrent-runs': 'many' is not a valid integer" in result.output
    assert tree(shop) == before


def test_add_deploy_outside_a_project_is_refused(polster, workdir):
    result = polster("add-deploy", "docker")
    assert result.exit_code == 2
    assert "No Polster project found" in result.output
    assert list(workdir.iterdir()) == []


def test_force_replaces_the_kit_and_keeps_earlier_answers(polster, shop):
    args = ["--image", "registry.example.com/shop", "--max-concurrent-runs", "2"]
    assert polster("add-deploy", "kubernetes", *args).exit_code == 0
    (shop / "Dockerfile").write_text("# edited\n")
    result = polster("add-deploy", "kubernetes", "--force", "--python", "3.12")
    assert result.exit_code == 0, result.output
    answers = recorded(shop)
    assert (answers["image"], answers["max_concurrent_runs"]) == ("registry.example.com/shop", 2)
    assert answers["python_version"] == "3.12"
    assert "FROM python:3.12-slim-bookworm" in (shop / "Dockerfile").read_text()
    moved = polster("add-deploy", "docker", "--force")
    assert moved.exit_code == 0, moved.output
    assert recorded(shop)["platform"] == "docker"
    assert f"{KUBERNETES_FOLDER}/ stays" in moved.output
    assert (shop / KUBERNETES_FOLDER / "values.yaml").is_file()


def test_a_failed_write_leaves_the_project_as_it_was(polster, shop):
    (shop / "deploy").write_text("not a folder\n")  # deploy/dagster.yaml cannot be written
    before = tree(shop)
    with pytest.raises(NotADirectoryError):
        polster("add-deploy", "docker", "--force")
    assert tree(shop) == before
