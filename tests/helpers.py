"""Small helpers shared by the test modules (tests/ is on sys.path under pytest)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# The fields of each asset in `polster list-assets --format json`, in order.
LISTING_FIELDS = ["key", "name", "layer", "dependencies", "dependents", "description", "path"]


def tree(directory: Path) -> dict[str, bytes]:
    """Every file below `directory` with its bytes: compare before and after a command."""
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def required_pythons() -> set[str]:
    """Interpreter versions CI insists on (POLSTER_REQUIRE_PYTHONS=3.11,3.12)."""
    raw = os.environ.get("POLSTER_REQUIRE_PYTHONS", "")
    return {version.strip() for version in raw.split(",") if version.strip()}


def uv() -> str:
    """The uv binary installed in the test environment (the `uv` package)."""
    import uv as uv_package

    return uv_package.find_uv_bin()


def find_python(version: str) -> str | None:
    """An interpreter of this version that really runs (a pyenv shim may not)."""
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates = sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python"), reverse=True)
    on_path = shutil.which(f"python{version}")
    for candidate in [*candidates, *([on_path] if on_path else [])]:
        probe = subprocess.run([candidate, "-c", "import sys, venv"], capture_output=True)
        if probe.returncode == 0:
            return candidate
    return None


def run(
    command: list[str], cwd: Path, timeout: int = 600, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command as a user would (no stdin, not inside our venv); it must succeed."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.update(extra_env or {})
    result = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


def project_python(project: Path) -> str:
    """The interpreter of a generated project's own .venv."""
    return str(project / ".venv" / "bin" / "python")
