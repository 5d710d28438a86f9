"""The command group: help, version, and staying light on imports."""

from __future__ import annotations

import subprocess
import sys

from polster import __version__

COMMANDS = ["init", "add-asset", "list-assets", "remove-asset", "validate", "upgrade"]


def test_help_lists_every_command(polster):
    result = polster("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


def test_version(polster):
    result = polster("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_does_not_import_heavy_libraries():
    probe = (
        "import sys\n"
        "from polster.cli import cli\n"
        "try:\n"
        "    cli(['--help'], prog_name='polster')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in ('copier', 'dagster', 'polars', 'questionary', 'yaml')"
        " if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "HEAVY=\n" in out.stdout


def test_python_dash_m_polster_runs():
    out = subprocess.run(
        [sys.executable, "-m", "polster", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert __version__ in out.stdout
