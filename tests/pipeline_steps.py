"""Read the shell steps out of a generated CI/CD pipeline, to run them on this machine.

Each platform's file is parsed the way that platform reads it: GitHub Actions steps with an
`id`, the GitLab job's `script` items (named by their first comment line) and Azure DevOps
`script` steps with a `name`. What only the platform can do (checkout, setting up Python
and uv, caching, artifact upload, the GitLab push token) is left out. Environment values
are resolved as the platform would for a run on `main` where no variable or secret is set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from polster.cicd import PIPELINE_FILES

# How each platform starts bash for a script (Azure scripts set their own options).
BASH = {
    "github-actions": ["bash", "--noprofile", "--norc", "-eo", "pipefail"],
    "gitlab-ci": ["bash", "--noprofile", "--norc", "-eo", "pipefail"],
    "azure-devops": ["bash", "--noprofile", "--norc"],
}
# GitLab runs every item of a job's script in one shell; the others, one shell per step.
ONE_SHELL = {"gitlab-ci"}
BRANCH = "main"


@dataclass(frozen=True)
class Step:
    name: str  # install, test, run or persist
    script: str
    env: dict[str, str]


def extract(platform: str, project: Path, workspace: Path) -> list[Step]:
    """The named shell steps of the project's pipeline, in order."""
    document = yaml.safe_load((project / PIPELINE_FILES[platform]).read_text(encoding="utf-8"))
    readers = {"github-actions": _github, "gitlab-ci": _gitlab, "azure-devops": _azure}
    return readers[platform](document, project, workspace)


def _github(document: dict, project: Path, workspace: Path) -> list[Step]:
    (job,) = document["jobs"].values()
    steps = []
    for step in job["steps"]:
        if "run" not in step:
            continue  # `uses:` steps belong to the platform
        env = {**job.get("env", {}), **step.get("env", {})}
        steps.append(Step(step["id"], step["run"], _resolve_github(env)))
    return steps


def _resolve_github(env: dict) -> dict[str, str]:
    known = {"github.ref_name": BRANCH}

    def expression(match: re.Match[str]) -> str:
        return known.get(match[1].strip(), "")  # an unset variable or secret is empty

    return {name: re.sub(r"\$\{\{(.*?)\}\}", expression, str(value)) for name, value in env.items()}


def _gitlab(document: dict, project: Path, workspace: Path) -> list[Step]:
    job = document["polster"]
    known = {"CI_PROJECT_DIR": str(project), "CI_COMMIT_BRANCH": BRANCH}
    env = {
        name: re.sub(r"\$(\w+)", lambda m: known.get(m[1], ""), str(value))
        for name, value in job.get("variables", {}).items()
    }
    steps = []
    for item in job["script"]:
        first_line = item.splitlines()[0]
        name = re.fullmatch(r"# (\w+)(:.*)?", first_line)
        assert name, f"a GitLab script item must start with '# <step>': {first_line!r}"
        steps.append(Step(name[1], item, env))
    return steps


def _azure(document: dict, project: Path, workspace: Path) -> list[Step]:
    known = {"Pipeline.Workspace": str(workspace), "Build.SourceBranch": f"refs/heads/{BRANCH}"}

    def macros(value: object) -> str:
        # A macro naming nothing defined stays as it is, as on Azure DevOps.
        return re.sub(r"\$\(([\w.]+)\)", lambda m: known.get(m[1], m[0]), str(value))

    variables = {name: macros(value) for name, value in document.get("variables", {}).items()}
    steps = []
    for step in document["steps"]:
        if "script" not in step or "name" not in step:
            continue  # tasks, checkout and platform housekeeping
        env = {**variables, **{name: macros(v) for name, v in step.get("env", {}).items()}}
        steps.append(Step(step["name"], step["script"], env))
    return steps
