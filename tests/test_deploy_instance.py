"""The deployment kit's files, loaded for real: the production dagster.yaml opens an instance on
the local PostgreSQL (127.0.0.1:5432, trust, db `test`) with compute logs on a moto S3 server
started on 127.0.0.1, and records a run; the Kubernetes code location loads with dagster-k8s."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import run, uv

from polster.deploy import render_files

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
# As deploy/dagster.yaml asks for it: dagster-postgres needs SQLAlchemy's psycopg2 dialect.
INSTANCE_URL = POSTGRES.replace("postgresql://", "postgresql+psycopg2://")
BUCKET = "shop-compute-logs"


@pytest.fixture
def database_url() -> Iterator[str]:
    """DAGSTER_PG_URL for a schema of its own in the `test` database, dropped afterwards."""
    import psycopg2

    schema = f"polster_deploy_{uuid.uuid4().hex[:12]}"
    connection = psycopg2.connect(POSTGRES)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {schema}")
        yield f"{INSTANCE_URL}?options=-csearch_path%3D{schema}"
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        connection.close()


@pytest.fixture
def object_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """An S3-compatible server on 127.0.0.1 with an empty bucket; the AWS_* variables point
    at it, as they would at MinIO or another S3-compatible store."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "polster-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "polster-test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    try:
        yield client
    finally:
        server.stop()


@pytest.mark.parametrize("platform", ["docker", "kubernetes"])
def test_the_production_instance_opens_and_records_a_run(
    platform, tmp_path, database_url, object_store, monkeypatch
):
    import dagster as dg
    import psycopg2

    home = tmp_path / "dagster_home"
    home.mkdir()
    kit = render_files({"platform": platform, "project_name": "shop", "max_concurrent_runs": 3})
    (home / "dagster.yaml").write_bytes(kit["deploy/dagster.yaml"])
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_PG_URL", database_url)
    monkeypatch.setenv("DAGSTER_COMPUTE_LOGS_BUCKET", BUCKET)
    monkeypatch.setenv("DAGSTER_DISABLE_TELEMETRY", "1")  # no traffic beyond 127.0.0.1

    @dg.asset
    def greeting() -> str:
        print("hello from the step")
        return "hello"

    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.run_coordinator.inst_data.config_dict["max_concurrent_runs"] == 3
        assert instance.run_monitoring_enabled
        result = dg.materialize([greeting], instance=instance)
        assert result.success
        (record,) = instance.get_run_records()
        assert record.dagster_run.run_id == result.run_id
        assert record.dagster_run.status == dg.DagsterRunStatus.SUCCESS

    schema = database_url.rsplit("%3D", 1)[1]
    with psycopg2.connect(POSTGRES) as connection, connection.cursor() as cursor:
        cursor.execute(f"SELECT run_id, status FROM {schema}.runs")
        assert cursor.fetchall() == [(result.run_id, "SUCCESS")]
    listed = object_store.list_objects_v2(Bucket=BUCKET, Prefix="shop/compute-logs/")
    logs = [item["Key"] for item in listed.get("Contents", []) if result.run_id in item["Key"]]
    (stdout,) = [key for key in logs if key.endswith(".out")]
    body = object_store.get_object(Bucket=BUCKET, Key=stdout)["Body"].read()
    assert b"hello from the step" in body


def test_a_missing_database_setting_names_the_variable(tmp_path, monkeypatch):
    import dagster as dg

    home = tmp_path / "dagster_home"
    home.mkdir()
    kit = render_files({"platform": "docker", "project_name": "shop"})
    (home / "dagster.yaml").write_bytes(kit["deploy/dagster.yaml"])
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.delenv("DAGSTER_PG_URL", raising=False)
    with pytest.raises(Exception, match="DAGSTER_PG_URL"):
        dg.DagsterInstance.get()


# ------------------------------------------------------------------ the Kubernetes code location


PROBE = """
import importlib.util, json, sys
import dagster as dg
spec = importlib.util.spec_from_file_location("code_location", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
from shop import definitions
project = definitions.defs()
defs = module.defs()
print(json.dumps({
    "executor": defs.executor.name,
    "pods": module.pod_config_by_op(project),
    "assets": sorted(key.to_user_string() for key in defs.resolve_all_asset_keys()),
}))
"""


@pytest.fixture(scope="module")
def kubernetes_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`polster init shop` plus the kubernetes kit and an asset that sizes its own pod."""
    from click.testing import CliRunner

    from polster.cli import cli

    root = tmp_path_factory.mktemp("k8s") / "shop"
    runner = CliRunner()
    init = runner.invoke(cli, ["init", str(root), "--no-install-uv", "--no-git", "--yes"])
    assert init.exit_code == 0, init.output
    cwd = Path.cwd()
    os.chdir(root)
    try:
        added = runner.invoke(cli, ["add-deploy", "kubernetes"])
        assert added.exit_code == 0, added.output
        asset = ["add-asset", "--layer", "silver", "--name", "big", "--dependencies", "raw_orders"]
        assert runner.invoke(cli, asset).exit_code == 0
    finally:
        os.chdir(cwd)
    module = root / "src" / "shop" / "defs" / "silver" / "big.py"
    sized = '{"container_config": {"resources": {"requests": {"memory": "8Gi"}}}}'
    module.write_text(
        module.read_text().replace(
            "@dg.asset(", f"@dg.asset(\n    op_tags={{'dagster-k8s/config': {sized!r}}},", 1
        )
    )
    return root


def test_the_code_location_runs_each_asset_in_a_pod_sized_by_its_layer(kubernetes_project):
    location = kubernetes_project / "deploy" / "kubernetes" / "code_location.py"
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(location)],
        cwd=kubernetes_project,
        env={**os.environ, "PYTHONPATH": str(kubernetes_project / "src")},
        capture_output=True,
        text=True,
    )
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    assert found["executor"] == "k8s_by_layer"
    assert "silver_big" in found["assets"]
    pods = found["pods"]
    sizes = {name: pod["container_config"]["resources"]["requests"] for name, pod in pods.items()}
    assert sizes == {
        "bronze_raw_orders": {"cpu": "250m", "memory": "512Mi"},
        "silver_validated_orders": {"cpu": "500m", "memory": "1Gi"},
        "gold_order_metrics": {"cpu": "250m", "memory": "512Mi"},
    }  # silver_big sets its own dagster-k8s/config tag, which the executor reads


def test_dagster_validates_the_kubernetes_code_location(kubernetes_project):
    dagster = Path(sys.executable).parent / "dagster"
    location = "deploy/kubernetes/code_location.py"
    done = run(
        [str(dagster), "definitions", "validate", "--python-file", location],
        cwd=kubernetes_project,
        extra_env={"PYTHONPATH": str(kubernetes_project / "src")},
    )
    assert "Validation successful" in done.stdout + done.stderr


def test_the_code_location_is_ruff_clean_as_rendered(kubernetes_project):
    ruff = Path(sys.executable).parent / "ruff"
    location = "deploy/kubernetes/code_location.py"
    run([str(ruff), "check", location], cwd=kubernetes_project)
    run([str(ruff), "format", "--check", location], cwd=kubernetes_project)


# ------------------------------------------------------------------ the image, built without Docker


def build_stage(dockerfile: str, app: Path) -> tuple[dict[str, str], list[str]]:
    """The environment and the shell commands of the Dockerfile's build stage, with the image's
    /app standing for `app`: what `docker build` would run there."""
    stage = dockerfile.split(" AS build\n", 1)[1].split("\nFROM ", 1)[0]
    joined = stage.replace("\\\n", " ")
    environment: dict[str, str] = {}
    commands = []
    for line in (line.strip() for line in joined.splitlines()):
        keyword, _, arguments = line.partition(" ")
        arguments = arguments.replace("/app", str(app))
        if keyword == "ENV":
            environment.update(pair.split("=", 1) for pair in arguments.split())
        elif keyword == "RUN":
            commands.append(re.sub(r"^(--mount=\S+\s+)+", "", arguments))
    return environment, commands


def served_location(project: Path, command: list[str], workdir: Path) -> str:
    """Start the code server as `command` does, on a free port of 127.0.0.1, and return what
    `dagster definitions validate` reports when it loads it through deploy/workspace.yaml
    (the way the webserver and the daemon find it), pointed at that port."""
    import yaml

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [arg.replace("0.0.0.0", "127.0.0.1") for arg in command]
    command[command.index("--port") + 1] = str(port)
    workspace = yaml.safe_load((project / "deploy" / "workspace.yaml").read_text())
    workspace["load_from"][0]["grpc_server"].update(host="127.0.0.1", port=port)
    workspace_file = workdir / f"workspace-{port}.yaml"
    workspace_file.write_text(yaml.safe_dump(workspace))
    environment = {**os.environ, "DAGSTER_DISABLE_TELEMETRY": "1"}
    environment.pop("VIRTUAL_ENV", None)
    bin_dir = project / ".venv" / "bin"
    server = subprocess.Popen(
        [str(bin_dir / command[0]), *command[1:]],
        cwd=project,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    validate = [str(bin_dir / "dagster"), "definitions", "validate", "-w", str(workspace_file)]
    try:
        deadline = time.monotonic() + 120
        while True:
            check = subprocess.run(
                validate, cwd=project, env=environment, capture_output=True, text=True
            )
            if check.returncode == 0 or time.monotonic() > deadline:
                return check.stdout + check.stderr
            time.sleep(2)
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_the_images_build_steps_make_a_code_location_that_serves(kubernetes_project, tmp_path):
    """The build stage's own commands, run outside Docker (which this machine lacks), install
    the project; then the image's CMD and the chart's codeServerArgs serve it."""
    import yaml

    dockerfile = (kubernetes_project / "Dockerfile").read_text()
    environment, commands = build_stage(dockerfile, kubernetes_project)
    assert commands, "the build stage has no RUN step"
    # The image copies uv into /usr/local/bin; here the test environment's uv stands in.
    search_path = f"{Path(uv()).parent}{os.pathsep}{os.environ['PATH']}"
    for command in commands:
        run(
            ["bash", "-ec", command],
            cwd=kubernetes_project,
            extra_env={**environment, "PATH": search_path},
        )

    (image_command,) = re.findall(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    served = served_location(kubernetes_project, json.loads(image_command), tmp_path)
    assert "Validation successful for code location shop." in served, served

    values = yaml.safe_load((kubernetes_project / "deploy/kubernetes/values.yaml").read_text())
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    chart_args = [
        arg.replace("/app/", f"{kubernetes_project}/") for arg in deployment["codeServerArgs"]
    ]
    chart_command = ["dagster", "code-server", "start", "--host", "0.0.0.0", "--port", "0"]
    served = served_location(kubernetes_project, [*chart_command, *chart_args], tmp_path)
    assert "Validation successful for code location shop." in served, served
