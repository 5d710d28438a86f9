"""A generated project with one asset per connector, importable in-process, and its servers.

The project is rendered once per session by `polster init` and `polster add-asset`; its
`src/` goes on sys.path so the tests run the connector modules as the project would. The
package is called `connshop` so it cannot clash with other tests' `shop`.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import dagster as dg
import pytest
import sshd
from click.testing import CliRunner
from connector_support import ASSETS, PACKAGE, unavailable

from polster.cli import cli


@pytest.fixture(scope="session")
def connector_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("connectors") / PACKAGE
    runner = CliRunner()
    result = runner.invoke(cli, ["init", str(root), "--no-install-uv", "--no-git", "--yes"])
    assert result.exit_code == 0, result.output
    cwd = Path.cwd()
    os.chdir(root)
    try:
        for template, name in ASSETS.items():
            args = ["add-asset", "--layer", "bronze", "--name", name, "--template", template]
            result = runner.invoke(cli, args, catch_exceptions=False)
            assert result.exit_code == 0, result.output
    finally:
        os.chdir(cwd)
    sys.path.insert(0, str(root / "src"))
    yield root
    sys.path.remove(str(root / "src"))
    for module in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[module]


@pytest.fixture(scope="session")
def project_module(connector_project: Path):
    """Import a module of the generated project: project_module("connectors.mysql")."""

    def load(name: str) -> ModuleType:
        return importlib.import_module(f"{PACKAGE}.{name}")

    return load


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as test_instance:
        yield test_instance


# ---------------------------------------------------------------- the servers, all on loopback


@pytest.fixture(scope="session")
def mariadb() -> Iterator[object]:
    """A root connection to the MariaDB on 127.0.0.1:3306 (database `test`)."""
    import pymysql

    try:
        connection = pymysql.connect(
            host="127.0.0.1", port=3306, user="root", password="", database="test",
            connect_timeout=5, autocommit=True,
        )  # fmt: skip
    except pymysql.err.OperationalError as error:
        unavailable(f"MariaDB is not running on 127.0.0.1:3306 ({error})")
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def sshd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sshd.Server]:
    if not sshd.available():
        unavailable("OpenSSH's sshd is not installed (apt-get install openssh-server)")
    with sshd.running(tmp_path_factory.mktemp("sshd")) as running:
        yield running


@pytest.fixture
def outgoing() -> Iterator[Path]:
    """A folder on the SFTP server that every local account can read."""
    folder = Path(tempfile.mkdtemp(prefix="polster-sftp-"))
    folder.chmod(0o755)
    yield folder
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver listens on loopback only, on any free port."""
    return ("127.0.0.1", 0)


@pytest.fixture
def sftp_env(
    sshd_server: sshd.Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> sshd.Server:
    """SFTP_* variables for the test server: a key login as the current user, host key known."""
    settings = {
        "SFTP_HOST": "127.0.0.1",
        "SFTP_PORT": str(sshd_server.port),
        "SFTP_USER": sshd_server.user,
        "SFTP_KEY_FILE": str(sshd_server.keys["ed25519"]),
        "SFTP_KNOWN_HOSTS": str(sshd_server.known_hosts(tmp_path / "known_hosts")),
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    for name in ("SFTP_PASSWORD", "SFTP_KEY_PASSPHRASE", "SFTP_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    return sshd_server
