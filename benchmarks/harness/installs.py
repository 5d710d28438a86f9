"""The tools the measures run, each installed with uv once per scratch folder: Polster from
its own wheel (what users run), create-dagster, and a side venv with dagster-polars."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from harness.paths import REPO

# dagster-polars 0.27 fails on Polars 2, so its venv gets Polars 1.x (and the project's dagster).
DAGSTER_POLARS_PINS = ("dagster-polars", "polars<2")


def uv() -> str:
    import uv as uv_package

    return uv_package.find_uv_bin()


def venv_python(venv: Path) -> str:
    return str(venv / "bin" / "python")


@dataclass(frozen=True)
class Polster:
    """Polster installed from its wheel in a venv of its own."""

    venv: Path
    version: str

    @property
    def python(self) -> str:
        return venv_python(self.venv)

    def command(self, *args: str) -> list[str]:
        return [self.python, "-m", "polster", *args]

    def tool(self, name: str) -> str:
        """A console script installed with Polster (e.g. copier)."""
        return str(self.venv / "bin" / name)


def install_polster(scratch: Path) -> Polster:
    """Build Polster's wheel and install it into `scratch/polster-venv` (unless there)."""
    venv = scratch / "polster-venv"
    if not (venv / "bin" / "polster").exists():
        dist = scratch / "dist"
        build = [uv(), "build", "-q", "--wheel", "--out-dir", str(dist), str(REPO)]
        subprocess.run(build, check=True)
        subprocess.run([uv(), "venv", "-q", "--python", sys.executable, str(venv)], check=True)
        wheel = max(dist.glob("polster-*.whl"), key=lambda p: p.stat().st_mtime)
        install = [uv(), "pip", "install", "-q", "--compile-bytecode"]
        subprocess.run([*install, "--python", venv_python(venv), str(wheel)], check=True)
    version = subprocess.run(
        [venv_python(venv), "-m", "polster", "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]
    return Polster(venv, version)


def create_dagster(scratch: Path) -> str:
    """The create-dagster command, installed into `scratch/peers`."""
    venv = scratch / "peers"
    command = venv / "bin" / "create-dagster"
    if not command.exists():
        subprocess.run([uv(), "venv", "-q", str(venv)], check=True)
        install = [uv(), "pip", "install", "-q", "--python", venv_python(venv)]
        subprocess.run([*install, "create-dagster"], check=True)
    return str(command)


def package_versions(python: str, *packages: str) -> dict[str, str]:
    """The installed versions of `packages` in the venv of `python`."""
    script = "import sys, importlib.metadata as m\nfor p in sys.argv[1:]: print(m.version(p))"
    found = subprocess.run(
        [python, "-c", script, *packages], capture_output=True, text=True, check=True
    )
    return dict(zip(packages, found.stdout.split(), strict=True))


def dagster_polars_venv(scratch: Path, base_python: str) -> str:
    """A venv with dagster (the version `base_python` has), dagster-polars and Polars 1.x;
    returns its Python. Rebuilt when the pins change."""
    dagster = package_versions(base_python, "dagster")["dagster"]
    pins = [f"dagster=={dagster}", *DAGSTER_POLARS_PINS]
    venv = scratch / "dagster-polars-venv"
    marker = venv / "bench-pins.txt"
    if not marker.exists() or marker.read_text() != " ".join(pins):
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([uv(), "venv", "-q", "--python", base_python, str(venv)], check=True)
        install = [uv(), "pip", "install", "-q", "--compile-bytecode"]
        subprocess.run([*install, "--python", venv_python(venv), *pins], check=True)
        marker.write_text(" ".join(pins))
    return venv_python(venv)
