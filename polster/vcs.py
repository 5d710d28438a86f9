"""Git: run it, and give a new project a repository and a first commit so `polster upgrade`
can merge."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

_FALLBACK_IDENTITY = ("-c", "user.name=Polster", "-c", "user.email=polster@localhost")


def git_available() -> bool:
    return shutil.which("git") is not None


def git(
    cwd: Path, *args: str, check: bool = True, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `git ARGS` in `cwd`, capturing its output; `env` adds to the environment."""
    environment = {**os.environ, **env} if env else None
    return subprocess.run(
        ["git", *args], cwd=cwd, check=check, capture_output=True, text=True, env=environment
    )


def _has_identity(project: Path) -> bool:
    probe = git(project, "config", "user.email", check=False)
    return probe.returncode == 0 and bool(probe.stdout.strip())


def commit(project: Path, message: str, *paths: str) -> None:
    """Commit what is staged (only `paths`, if given), with a stand-in identity if none,
    skipping hooks and signing: Polster's own commits must not depend on the user's setup."""
    identity = () if _has_identity(project) else _FALLBACK_IDENTITY
    pathspec = ("--", *paths) if paths else ()
    options = ("--quiet", "--no-verify", "--no-gpg-sign", "-m", message)
    git(project, *identity, "commit", *options, *pathspec)


def init_repository(project: Path, message: str) -> None:
    """`git init` on branch main, add everything, commit (with a stand-in identity if none)."""
    git(project, "init", "--initial-branch=main")
    git(project, "add", "--all")
    commit(project, message)
