"""CI/CD pipelines: the platforms, their files, and adding one to a project.

A pipeline is rendered from the `cicd_templates` Copier template. Its answers live in
`.copier-answers.cicd.yml`, apart from the project's own, so it can be added, replaced and
upgraded on its own. Every check runs, and the template is rendered into a scratch folder,
before the project is touched: a refusal or a wrong answer writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from polster import kits
from polster.errors import UsageError

PIPELINE_FILES = {
    "github-actions": ".github/workflows/polster.yml",
    "gitlab-ci": ".gitlab-ci.yml",
    "azure-devops": "azure-pipelines.yml",
}
PLATFORMS = tuple(PIPELINE_FILES)
NONE = "none"
PERSISTENCE = ("git", "artifact", "none")
ANSWERS_FILE = ".copier-answers.cicd.yml"
README_SECTION = 'README.md, section "CI/CD"'

# The option that answers each template question, for error messages.
_OPTIONS = {
    "platform": "PLATFORM",
    "default_branch": "--branch",
    "cron": "--cron",
    "persistence": "--persistence",
    "python_version": "--python",
}


@dataclass(frozen=True)
class PipelineRequest:
    """Answers for the CI/CD template; None leaves a question at its default."""

    platform: str
    default_branch: str | None = None
    cron: str | None = None
    persistence: str | None = None
    python_version: str | None = None

    def answers(self) -> dict[str, str]:
        given = {field.name: getattr(self, field.name) for field in fields(self)}
        return {name: value for name, value in given.items() if value is not None}


@dataclass(frozen=True)
class PipelinePlan:
    files: dict[str, bytes]  # path relative to the project root -> content
    answers: dict[str, Any]  # as the answers file records them
    left_behind: str | None  # another platform's pipeline file that stays in place


def check_platform(platform: str, *, allow_none: bool = False) -> None:
    choices = [*PLATFORMS, NONE] if allow_none else list(PLATFORMS)
    if platform not in choices:
        raise UsageError(f"Unknown CI/CD platform '{platform}': choose {kits.either(choices)}.")


def check_persistence(persistence: str | None) -> None:
    if persistence is not None and persistence not in PERSISTENCE:
        raise UsageError(
            f"Unknown persistence '{persistence}': choose {kits.either(list(PERSISTENCE))}."
        )


def read_answers(root: Path) -> dict[str, Any] | None:
    """The answers recorded by an earlier CI/CD render, or None when there was none."""
    return kits.read_answers(root, ANSWERS_FILE)


def plan_pipeline(root: Path, request: PipelineRequest, force: bool) -> PipelinePlan:
    """Check the request against the project and render the pipeline, writing nothing.

    Without `force`, refuses a project that already has a Polster pipeline or a file where
    the new one goes. With `force`, the earlier answers carry over unless given again.
    """
    check_platform(request.platform)
    check_persistence(request.persistence)
    previous = read_answers(root)
    target = PIPELINE_FILES[request.platform]
    if not force:
        if previous is not None:
            platform = previous.get("platform", "unknown platform")
            raise UsageError(
                f"This project already has a Polster CI/CD pipeline ({platform}, answers in "
                f"{ANSWERS_FILE}): pass --force to replace it."
            )
        if (root / target).exists():
            raise UsageError(f"{target} already exists: pass --force to overwrite it.")
    kept = {
        name: value
        for name, value in (previous or {}).items()
        if name in _OPTIONS and name != "platform"
    }
    given = {**kept, **request.answers(), "connector_variables": connector_variables(root)}
    files = render_files(given)
    answers = kits.parse_answers(files[ANSWERS_FILE])
    old = (previous or {}).get("platform")
    old_file = PIPELINE_FILES.get(old) if old != request.platform else None
    left_behind = old_file if old_file and (root / old_file).exists() else None
    return PipelinePlan(files=files, answers=answers, left_behind=left_behind)


def connector_variables(root: Path) -> list[str]:
    """The variables the project's .env.example lists beyond the project template's own:
    those its connectors (or the user) added. The pipeline's run step gets each of them."""
    from polster.merging import ENV_EXAMPLE, variable_names
    from polster.templates import template_root

    path = root / ENV_EXAMPLE
    if not path.is_file():
        return []
    template = template_root() / "project_template" / ENV_EXAMPLE
    own = set(variable_names(template.read_text(encoding="utf-8")))
    listed = variable_names(path.read_text(encoding="utf-8", errors="replace"))
    return [name for name in listed if name not in own]


def unpassed_variables_note(root: Path) -> str | None:
    """What to do when the project's pipeline does not pass variables its .env.example now
    lists (a connector was added after the pipeline); None when it passes them all."""
    answers = read_answers(root)
    if answers is None or answers.get("platform") not in PLATFORMS:
        return None
    passed = answers.get("connector_variables") or []
    missing = [name for name in connector_variables(root) if name not in passed]
    if not missing:
        return None
    platform = answers["platform"]
    return (
        f"The {platform} pipeline does not pass {', '.join(missing)} to its run step: run "
        f"`polster add-cicd {platform} --force` to add them (its other answers carry over)."
    )


def render_files(answers: dict[str, Any]) -> dict[str, bytes]:
    """The files the CI/CD template makes for these answers, by relative path."""
    from polster.templates import render_cicd

    return kits.render_files(render_cicd, answers, _OPTIONS)


def write_pipeline(root: Path, plan: PipelinePlan, force: bool) -> list[str]:
    """Write the planned files; all or none of them land. Returns their relative paths."""
    return kits.write_files(root, plan.files, force)


def setup_notes(answers: dict[str, Any]) -> list[str]:
    """What the user still has to do on the platform for this pipeline to run and push."""
    platform = answers.get("platform")
    persistence = answers.get("persistence")
    branch = answers.get("default_branch", "main")
    notes: list[str] = []
    if platform == "github-actions":
        notes.append(
            "Set the repository variables and secrets it reads under Settings > Secrets and "
            "variables > Actions."
        )
        if persistence == "git":
            notes.append(
                f"Its push job alone gets GITHUB_TOKEN with contents: write: if {branch} is "
                "protected, let GitHub Actions push to it."
            )
    elif platform == "gitlab-ci":
        notes.append(
            f"Add a schedule under Build > Pipeline schedules: cron '{answers.get('cron')}', "
            f"time zone UTC, branch {branch}; set variables under Settings > CI/CD > Variables."
        )
        if persistence == "git":
            notes.append(
                "To push data/, store a project access token (scope write_repository) in the "
                "masked CI/CD variable POLSTER_PUSH_TOKEN, environment scope polster-push."
            )
    elif platform == "azure-devops":
        notes.append(
            "Create the pipeline from azure-pipelines.yml (Pipelines > New pipeline > existing "
            "YAML file); add its secrets as secret pipeline variables."
        )
        if persistence == "git":
            notes.append(
                "To push data/, grant the project's Build Service 'Contribute' on the repository."
            )
    notes.append(f"The variable names it reads: {README_SECTION}.")
    return notes
