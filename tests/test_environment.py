"""Setting up a new project's .venv: uv first, venv + pip as the fallback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from polster import environment
from polster.errors import PolsterError


@pytest.fixture
def commands(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Record the commands instead of running them; every command succeeds."""
    recorded: list[list[str]] = []

    def fake_run(command: list[str], cwd: Path, verbose: bool) -> bool:
        recorded.append(command)
        return True

    monkeypatch.setattr(environment, "_run", fake_run)
    return recorded


def test_uv_is_used_when_present(commands, tmp_path, monkeypatch):
    monkeypatch.setattr(environment, "_uv_binary", lambda report, verbose: "/bin/uv")
    steps: list[str] = []
    python = environment.create_environment(tmp_path, report=steps.append, verbose=False)
    assert python == environment.venv_python(tmp_path / ".venv")
    assert commands[0][:2] == ["/bin/uv", "venv"]
    assert commands[1][:3] == ["/bin/uv", "pip", "install"]
    assert commands[1][-2:] == ["-e", ".[dev]"]
    assert any("uv" in step for step in steps)


def test_falls_back_to_venv_and_pip_without_uv(commands, tmp_path, monkeypatch):
    monkeypatch.setattr(environment, "_uv_binary", lambda report, verbose: None)
    steps: list[str] = []
    environment.create_environment(tmp_path, report=steps.append, verbose=False)
    assert commands[0] == [sys.executable, "-m", "venv", str(tmp_path / ".venv")]
    assert commands[1][1:4] == ["-m", "pip", "install"]
    assert any("falling back" in step for step in steps)


def test_falls_back_when_uv_install_fails(tmp_path, monkeypatch):
    recorded: list[list[str]] = []

    def uv_fails(command: list[str], cwd: Path, verbose: bool) -> bool:
        recorded.append(command)
        return command[0] != "/bin/uv"

    monkeypatch.setattr(environment, "_run", uv_fails)
    monkeypatch.setattr(environment, "_uv_binary", lambda report, verbose: "/bin/uv")
    environment.create_environment(tmp_path, report=lambda _: None, verbose=False)
    assert recorded[-2][1:3] == ["-m", "venv"]


def test_everything_failing_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(environment, "_run", lambda command, cwd, verbose: False)
    monkeypatch.setattr(environment, "_uv_binary", lambda report, verbose: None)
    with pytest.raises(PolsterError, match="--verbose"):
        environment.create_environment(tmp_path, report=lambda _: None, verbose=False)
