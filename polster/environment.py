"""Create a new project's virtual environment and install the project into it.

uv is preferred and installed with pip into the running interpreter when missing
(never a downloaded install script); plain `venv` + pip is the fallback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from polster.errors import PolsterError

Report = Callable[[str], None]


def venv_python(venv: Path) -> Path:
    if os.name == "nt":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def _run(command: list[str], cwd: Path, verbose: bool) -> bool:
    output = None if verbose else subprocess.DEVNULL
    return subprocess.run(command, cwd=cwd, stdout=output, stderr=output).returncode == 0


def _uv_binary(report: Report, verbose: bool) -> str | None:
    try:
        import uv
    except ImportError:
        report("Installing uv with pip into this Python")
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "uv"]
        if not _run(pip, Path.cwd(), verbose):
            return None
        import importlib

        importlib.invalidate_caches()
        try:
            import uv
        except ImportError:
            return None
    return uv.find_uv_bin()


def _install_with_uv(uv: str, project: Path, venv: Path, report: Report, verbose: bool) -> bool:
    quiet = [] if verbose else ["--quiet"]
    report("Creating .venv with uv")
    if not _run([uv, "venv", *quiet, "--python", sys.executable, str(venv)], project, verbose):
        return False
    report("Installing the project and its dev tools with uv")
    install = [
        uv,
        "pip",
        "install",
        *quiet,
        "--compile-bytecode",
        "--python",
        str(venv_python(venv)),
        "-e",
        ".[dev]",
    ]
    return _run(install, project, verbose)


def _install_with_pip(project: Path, venv: Path, report: Report, verbose: bool) -> bool:
    report("Creating .venv with python -m venv")
    if not _run([sys.executable, "-m", "venv", str(venv)], project, verbose):
        return False
    report("Installing the project and its dev tools with pip")
    quiet = [] if verbose else ["--quiet"]
    install = [str(venv_python(venv)), "-m", "pip", "install", *quiet, "-e", ".[dev]"]
    return _run(install, project, verbose)


def create_environment(project: Path, *, report: Report, verbose: bool) -> Path:
    """Create `project/.venv` with the project installed; return its Python."""
    venv = project / ".venv"
    uv = _uv_binary(report, verbose)
    if uv is None:
        report("uv is not available; falling back to python -m venv and pip")
    if uv is not None and _install_with_uv(uv, project, venv, report, verbose):
        return venv_python(venv)
    if _install_with_pip(project, venv, report, verbose):
        return venv_python(venv)
    raise PolsterError(
        f"Installing {project.name} into {venv} failed; rerun with --verbose to see why, "
        "or use --no-install-uv and install it yourself."
    )
