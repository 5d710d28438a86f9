"""Shared fixtures: run the CLI in-process, in an empty working directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from polster import prompts
from polster.cli import cli


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
