"""Questions for a person at a terminal, and none for a script."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest
from click.testing import CliRunner

from polster import prompts
from polster.cli import cli

ENTER = "\r"


def test_questions_fill_what_flags_left_open(keyboard, workdir):
    keyboard.send_text("\x15" + "shop" + ENTER)  # project name (Ctrl-U clears the default)
    keyboard.send_text("\x15" + "Orders, cleaned daily" + ENTER)  # description (Ctrl-U clears)
    keyboard.send_text("n")  # sample assets? no
    keyboard.send_text("n")  # create .venv? no
    keyboard.send_text(ENTER)  # CI/CD pipeline: the default, none
    result = CliRunner().invoke(cli, ["init", "--no-git"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    project = workdir / "shop"
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == "Orders, cleaned daily"
    assert not (project / "src" / "shop" / "defs" / "bronze" / "raw_orders.py").exists()
    assert not (project / ".venv").exists()
    assert not (project / ".copier-answers.cicd.yml").exists()


def test_flags_are_never_asked_again(keyboard, workdir, monkeypatch):
    asked: list[str] = []
    monkeypatch.setattr(prompts, "ask_text", lambda message, default="": asked.append(message))
    monkeypatch.setattr(prompts, "ask_confirm", lambda message, default=True: asked.append(message))
    monkeypatch.setattr(prompts, "ask_select", lambda message, *a, **k: asked.append(message))
    args = ["init", "shop", "--description", "d", "--sample-assets", "--no-install-uv", "--no-git"]
    args += ["--cicd", "none"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert asked == []


def test_yes_asks_nothing_even_on_a_terminal(keyboard, workdir, monkeypatch):
    monkeypatch.setattr(prompts, "ask_text", lambda *a, **k: pytest.fail("asked a question"))
    monkeypatch.setattr(prompts, "ask_confirm", lambda *a, **k: pytest.fail("asked a question"))
    monkeypatch.setattr(prompts, "ask_select", lambda *a, **k: pytest.fail("asked a question"))
    result = CliRunner().invoke(cli, ["init", "shop", "--yes", "--no-install-uv", "--no-git"])
    assert result.exit_code == 0, result.output


def test_ctrl_c_at_a_question_writes_nothing(keyboard, workdir):
    keyboard.send_text("\x03")  # Ctrl-C at the description question
    result = CliRunner().invoke(cli, ["init", "shop", "--no-git"])
    assert result.exit_code == 130
    assert list(workdir.iterdir()) == []


def test_without_a_terminal_nothing_ever_waits(tmp_path):
    """A real process with stdin that is not a TTY: defaults are taken, no question hangs."""
    run = subprocess.run(
        [sys.executable, "-m", "polster", "init", "shop", "--no-install-uv", "--no-git"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    pyproject = tomllib.loads((tmp_path / "shop" / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "shop"
    assert (tmp_path / "shop" / "src" / "shop" / "defs" / "bronze" / "raw_orders.py").is_file()
