"""Shared fixtures: run the CLI in-process, in an empty working directory."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from polster import prompts
from polster.cli import cli

if TYPE_CHECKING:
    from prompt_toolkit.input import PipeInput


@pytest.fixture(scope="session", autouse=True)
def template_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Polster's per-user template store, in a temporary folder: tests never write to ~."""
    from polster.template_store import STORE_VARIABLE

    store = tmp_path_factory.mktemp("template-store")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(STORE_VARIABLE, str(store))
        yield store


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


@pytest.fixture(scope="session")
def rendered_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`polster init shop` (sample assets, no venv, no git), once per session: copy, never edit."""
    target = tmp_path_factory.mktemp("rendered") / "shop"
    args = ["init", str(target), "--no-install-uv", "--no-git", "--yes"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture
def shop(rendered_shop: Path, workdir: Path) -> Path:
    """A fresh copy of the rendered project in the working directory, which is its root."""
    target = workdir / "shop"
    shutil.copytree(rendered_shop, target)
    os.chdir(target)  # workdir's monkeypatch restores the original directory
    return target


@pytest.fixture
def keyboard(monkeypatch: pytest.MonkeyPatch) -> Iterator[PipeInput]:
    """A fake terminal: questionary reads the keys a test sends into the pipe."""
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    monkeypatch.setattr(prompts, "is_interactive", lambda: True)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        yield pipe
