"""The deployment kit: the files that take a project from the laptop to one server or a cluster.

It is rendered from the `deploy_templates` Copier template (a kit, see polster/kits.py), with
its answers in `.copier-answers.deploy.yml`:

    docker       Dockerfile, .dockerignore, deploy/dagster.yaml (the production instance),
                 deploy/requirements.txt, deploy/workspace.yaml, deploy/compose.yaml
    kubernetes   the same, plus deploy/kubernetes/values.yaml (Dagster's Helm chart) and
                 deploy/kubernetes/code_location.py (k8s_job_executor, pods sized by layer)

docs/deploy.md explains each file. Every check runs, and the kit is rendered, before the
project is touched: a refusal or a wrong answer writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from polster import kits
from polster.errors import UsageError
from polster.project import Project

PLATFORMS = ("docker", "kubernetes")
ANSWERS_FILE = ".copier-answers.deploy.yml"
KUBERNETES_FOLDER = "deploy/kubernetes"

# The option that answers each template question, for error messages.
_OPTIONS = {
    "platform": "PLATFORM",
    "image": "--image",
    "python_version": "--python",
    "max_concurrent_runs": "--max-concurrent-runs",
    "project_name": "The project's name in pyproject.toml",
    "package_name": "The project's package",
}
# Answers a replacement (--force) keeps from the earlier render unless given again.
_KEPT = ("image", "python_version", "max_concurrent_runs")


@dataclass(frozen=True)
class DeployRequest:
    """Answers for the deployment template; None leaves a question at its default."""

    platform: str
    image: str | None = None
    python_version: str | None = None
    max_concurrent_runs: int | None = None

    def answers(self) -> dict[str, Any]:
        given = {field.name: getattr(self, field.name) for field in fields(self)}
        return {name: value for name, value in given.items() if value is not None}


@dataclass(frozen=True)
class DeployPlan:
    files: dict[str, bytes]  # path relative to the project root -> content
    answers: dict[str, Any]  # as the answers file records them
    left_behind: str | None  # the Kubernetes files when moving to docker: they stay


def check_platform(platform: str) -> None:
    if platform not in PLATFORMS:
        choices = kits.either(list(PLATFORMS))
        raise UsageError(f"Unknown deployment platform '{platform}': choose {choices}.")


def read_answers(root: Path) -> dict[str, Any] | None:
    """The answers recorded by an earlier render of the kit, or None when there was none."""
    return kits.read_answers(root, ANSWERS_FILE)


def plan_deploy(project: Project, request: DeployRequest, force: bool) -> DeployPlan:
    """Check the request against the project and render the kit, writing nothing.

    Without `force`, refuses a project that already has the kit or a file where the kit puts
    one. With `force`, the earlier answers carry over unless given again.
    """
    check_platform(request.platform)
    previous = read_answers(project.root)
    if previous is not None and not force:
        platform = previous.get("platform", "unknown platform")
        raise UsageError(
            f"This project already has the Polster deployment kit ({platform}, answers in "
            f"{ANSWERS_FILE}): pass --force to replace it."
        )
    kept = {name: value for name, value in (previous or {}).items() if name in _KEPT}
    names = {"project_name": project_name(project), "package_name": project.package}
    files = render_files({**kept, **request.answers(), **names})
    if not force:
        _refuse_existing(project.root, files)
    answers = kits.parse_answers(files[ANSWERS_FILE])
    was_kubernetes = (previous or {}).get("platform") == "kubernetes"
    moved_off = was_kubernetes and request.platform != "kubernetes"
    kubernetes = project.root / KUBERNETES_FOLDER
    left_behind = KUBERNETES_FOLDER if moved_off and kubernetes.exists() else None
    return DeployPlan(files=files, answers=answers, left_behind=left_behind)


def render_files(answers: dict[str, Any]) -> dict[str, bytes]:
    """The files the deployment template makes for these answers, by relative path."""
    from polster.templates import render_deploy

    return kits.render_files(render_deploy, answers, _OPTIONS)


def write_kit(root: Path, plan: DeployPlan, force: bool) -> list[str]:
    """Write the planned files; all or none of them land. Returns their relative paths."""
    return kits.write_files(root, plan.files, force)


def project_name(project: Project) -> str:
    """The name in the project's pyproject.toml (its code location), else its package."""
    from polster import layout

    name = layout.read_pyproject(project.root).get("project", {}).get("name")
    return name.strip() if isinstance(name, str) and name.strip() else project.package


def next_steps(answers: dict[str, Any]) -> list[str]:
    """What the user does next to run the deployment, for the command's output."""
    image = answers.get("image", "IMAGE")
    steps = [
        f"Build and push the image: docker build -t {image}:TAG . && docker push {image}:TAG",
    ]
    if answers.get("platform") == "kubernetes":
        name = answers.get("project_name", "PROJECT")
        steps.append(
            "Create the secrets dagster-postgresql-secret and "
            f"{name}-env, then helm upgrade --install with deploy/kubernetes/values.yaml "
            "(its header has the command)."
        )
    else:
        steps.append(
            "On the server: set DAGSTER_PG_URL and DAGSTER_COMPUTE_LOGS_BUCKET, then "
            "docker compose -f deploy/compose.yaml up --detach."
        )
    steps.append("Every step and setting: docs/deploy.md in Polster.")
    return steps


def _refuse_existing(root: Path, files: dict[str, bytes]) -> None:
    there = [path for path in files if (root / path).exists()]
    if there:
        verb = "already exists" if len(there) == 1 else "already exist"
        raise UsageError(f"{', '.join(there)} {verb}: pass --force to overwrite.")
