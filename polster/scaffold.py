"""`polster init`: check the request, render the project, set it up, undo on failure."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from polster import __version__
from polster.cicd import NONE
from polster.errors import UsageError
from polster.templates import render_cicd, render_project

Report = Callable[[str], None]


@dataclass(frozen=True)
class InitRequest:
    target: Path
    project_name: str
    description: str | None
    sample_assets: bool
    git: bool
    install: bool
    force: bool
    cicd: str = NONE  # a CI/CD platform (polster.cicd.PLATFORMS) or none

    def answers(self) -> dict[str, Any]:
        answers: dict[str, Any] = {
            "project_name": self.project_name,
            "sample_assets": self.sample_assets,
        }
        if self.description is not None:
            answers["description"] = self.description
        return answers


def check_target(target: Path, force: bool) -> None:
    """Refuse a target that is a file, or a non-empty directory without --force."""
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a directory: choose another name.")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise UsageError(
            f"{target} already exists and is not empty: choose another name, "
            "or pass --force to render into it."
        )


def planned_files(request: InitRequest) -> list[str]:
    """The files `init` would create, found by rendering into a throwaway directory."""
    with tempfile.TemporaryDirectory(prefix="polster-dry-run-") as scratch:
        rendered = Path(scratch) / request.target.name
        _render(rendered, request, record=False)  # a dry run leaves the template store alone
        return sorted(
            path.relative_to(rendered).as_posix() for path in rendered.rglob("*") if path.is_file()
        )


def _existing_paths(directory: Path) -> set[Path]:
    if not directory.is_dir():
        return set()
    found: set[Path] = set()
    for root, dirs, files in os.walk(directory):
        found.update(Path(root) / name for name in (*dirs, *files))
    return found


def _remove_created(target: Path, created_target: bool, before: set[Path]) -> None:
    if created_target:
        shutil.rmtree(target, ignore_errors=True)
        return
    for path in sorted(_existing_paths(target) - before, key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _render(
    target: Path, request: InitRequest, report: Report | None = None, *, record: bool = True
) -> None:
    """The project and, when asked for, its CI/CD pipeline (before the first commit)."""
    render_project(target, request.answers(), overwrite=request.force, record=record)
    if request.cicd != NONE:
        if report is not None:
            report(f"Adding the {request.cicd} CI/CD pipeline")
        render_cicd(target, {"platform": request.cicd}, overwrite=request.force, record=record)


def create_project(request: InitRequest, report: Report, verbose: bool = False) -> Path | None:
    """Render and set up the project; return the venv's Python when one was made.

    Any failure or interruption removes what this run created, then re-raises.
    """
    from polster import environment, vcs

    target = request.target
    created_target = not target.exists()
    before = _existing_paths(target)
    try:
        report(f"Rendering the project template into {target}")
        _render(target, request, report)
        if request.git:
            if vcs.git_available():
                report("Creating a git repository on branch main with a first commit")
                vcs.init_repository(
                    target, f"Create {request.project_name} with polster {__version__}"
                )
            else:
                report("git is not installed; skipping the repository (polster upgrade needs one)")
        if request.install:
            return environment.create_environment(target, report=report, verbose=verbose)
        return None
    except BaseException:
        _remove_created(target, created_target, before)
        raise
