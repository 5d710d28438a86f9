"""Shared fixtures: run the CLI in-process, and look at what a command wrote."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from polster import prompts
from polster.cli import cli

REPO_ROOT = Path(__file__).resolve().parents[1]


def tree(directory: Path) -> dict[str, bytes]:
    """Every file below `directory` with its bytes: compare before and after a command."""
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current directory for the command under test."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def polster(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run `polster ARGS` in-process as a script would: no TTY unless a test says so."""
    monkeypatch.setattr(prompts, "is_interactive", lambda: False)

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), prog_name="polster", catch_exceptions=False)

    return run


def required_pythons() -> set[str]:
    """Interpreter versions CI insists on (POLSTER_REQUIRE_PYTHONS=3.11,3.12)."""
    raw = os.environ.get("POLSTER_REQUIRE_PYTHONS", "")
    return {version.strip() for version in raw.split(",") if version.strip()}
