"""Git: give a new project a repository and a first commit so `polster upgrade` can merge."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

_FALLBACK_IDENTITY = ("-c", "user.name=Polster", "-c", "user.email=polster@localhost")


def git_available() -> bool:
    return shutil.which("git") is not None


def _git(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=project, check=True, capture_output=True, text=True)


def _has_identity(project: Path) -> bool:
    probe = subprocess.run(
        ["git", "config", "user.email"], cwd=project, capture_output=True, text=True
    )
    return probe.returncode == 0 and bool(probe.stdout.strip())


def init_repository(project: Path, message: str) -> None:
    """`git init` on branch main, add everything, commit (with a stand-in identity if none)."""
    _git(project, "init", "--initial-branch=main")
    _git(project, "add", "--all")
    identity = () if _has_identity(project) else _FALLBACK_IDENTITY
    _git(project, *identity, "commit", "--quiet", "--no-verify", "-m", message)
