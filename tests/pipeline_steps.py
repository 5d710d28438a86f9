"""Read the shell steps out of a generated CI/CD pipeline, to run them on this machine.

Each platform's file is parsed the way that platform reads it: GitHub Actions steps with an
`id`, the GitLab jobs' `before_script` and `script` items named by their first comment line,
and Azure DevOps `script` steps with a `name`. What only the platform can do (checkout,
setting up Python and uv, caching, artifacts) is left out. Each step's environment is the
one the platform would give it for a run on `main`, from a simulated variable store:

- GitHub Actions passes a variable or secret only where an expression names it;
- GitLab CI passes every CI/CD variable to every job its environment scope matches;
- Azure DevOps passes every plain variable to every step, a secret only where `env:` maps it.

The platform's own token (`github.token`, `System.AccessToken`) is PLATFORM_TOKEN.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from polster.cicd import PIPELINE_FILES

# How each platform starts bash for a script (Azure scripts set their own options).
BASH = {
    "github-actions": ["bash", "--noprofile", "--norc", "-eo", "pipefail"],
    "gitlab-ci": ["bash", "--noprofile", "--norc", "-eo", "pipefail"],
    "azure-devops": ["bash", "--noprofile", "--norc"],
}
# GitLab runs every item of a job's scripts in one shell; the others, one shell per step.
ONE_SHELL = {"gitlab-ci"}
BRANCH = "main"
PLATFORM_TOKEN = "platform-token-0123456789"
_GITLAB_KEYWORDS = {"default", "include", "stages", "variables", "workflow"}


@dataclass(frozen=True)
class Stored:
    """A value in the platform's variable store."""

    value: str
    secret: bool = False
    environment: str = "*"  # GitLab's environment scope


@dataclass(frozen=True)
class Step:
    name: str  # isolate, install, test, run, commit or push
    job: str
    script: str
    env: dict[str, str]


@dataclass(frozen=True)
class Context:
    """What the platform knows about the run besides its store."""

    workspace: Path
    store: Mapping[str, Stored] = field(default_factory=dict)
    project_url: str = ""  # GitLab's CI_PROJECT_URL: the repository's URL without .git


def extract(platform: str, project: Path, context: Context) -> list[Step]:
    """The named shell steps of the project's pipeline, in the order they run."""
    document = yaml.safe_load((project / PIPELINE_FILES[platform]).read_text(encoding="utf-8"))
    readers = {"github-actions": _github, "gitlab-ci": _gitlab, "azure-devops": _azure}
    return readers[platform](document, project, context)


def _github(document: dict, project: Path, context: Context) -> list[Step]:
    runner = {"GITHUB_OUTPUT": str(context.workspace / "github-output")}
    steps = []
    for job_name, job in document["jobs"].items():
        for step in job["steps"]:
            if "run" not in step:
                continue  # `uses:` steps belong to the platform
            env = {**job.get("env", {}), **step.get("env", {})}
            resolved = {name: _github_value(str(value), context) for name, value in env.items()}
            steps.append(Step(step["id"], job_name, step["run"], {**runner, **resolved}))
    return steps


def _github_value(value: str, context: Context) -> str:
    def operand(text: str) -> str:
        kind, _, name = text.strip().partition(".")
        stored = context.store.get(name)
        if kind in {"secrets", "vars"}:
            wanted = kind == "secrets"
            return stored.value if stored and stored.secret == wanted else ""
        return {"github.ref_name": BRANCH, "github.token": PLATFORM_TOKEN}.get(text.strip(), "")

    def expression(match: re.Match[str]) -> str:
        # `a || b`: the first operand that is not empty, as GitHub evaluates it.
        values = [operand(part) for part in match[1].split("||")]
        return next((value for value in values if value), "")

    return re.sub(r"\$\{\{(.*?)\}\}", expression, value)


def _gitlab(document: dict, project: Path, context: Context) -> list[Step]:
    known = {
        "CI_PROJECT_DIR": str(project),
        "CI_COMMIT_BRANCH": BRANCH,
        "CI_PROJECT_URL": context.project_url,
    }
    steps = []
    for job_name, job in document.items():
        if job_name in _GITLAB_KEYWORDS or job_name.startswith("."):
            continue
        environment = (job.get("environment") or {}).get("name")
        store = {
            name: stored.value
            for name, stored in context.store.items()
            if stored.environment in {"*", environment}
        }
        variables = {
            name: re.sub(r"\$(\w+)", lambda m: known.get(m[1], ""), str(value))
            for name, value in job.get("variables", {}).items()
        }
        env = {**known, **store, **variables}
        for item in [*job.get("before_script", []), *job["script"]]:
            name = re.fullmatch(r"# (\w+)(:.*)?", item.splitlines()[0])
            if name is None:
                assert item in job.get("before_script", []), f"unnamed script item: {item!r}"
                continue  # platform setup, such as installing uv
            steps.append(Step(name[1], job_name, item, env))
    return steps


def _azure(document: dict, project: Path, context: Context) -> list[Step]:
    known = {
        "Pipeline.Workspace": str(context.workspace),
        "Build.SourceBranch": f"refs/heads/{BRANCH}",
        "System.AccessToken": PLATFORM_TOKEN,
        **{name: stored.value for name, stored in context.store.items()},
    }
    plain = {name: stored.value for name, stored in context.store.items() if not stored.secret}

    def macros(value: object) -> str:
        # A macro naming nothing defined stays as it is, as on Azure DevOps.
        return re.sub(r"\$\(([\w.]+)\)", lambda m: known.get(m[1], m[0]), str(value))

    variables = {name: macros(value) for name, value in document.get("variables", {}).items()}
    steps = []
    for step in document["steps"]:
        if "script" not in step or "name" not in step:
            continue  # tasks, checkout and platform housekeeping
        mapped = {name: macros(value) for name, value in step.get("env", {}).items()}
        steps.append(Step(step["name"], "job", step["script"], {**plain, **variables, **mapped}))
    return steps
