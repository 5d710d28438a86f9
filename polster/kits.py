"""Kits: Copier templates added to an existing project, each with an answers file of its own
(`.copier-answers.<kit>.yml`), so it can be added, replaced and upgraded apart from the project.

The CI/CD pipeline (polster/cicd.py) and the deployment kit (polster/deploy.py) are kits. A kit
is rendered into a scratch folder first and written all or nothing, so a wrong answer or a
refusal leaves the project untouched.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from polster.errors import UsageError

Renderer = Callable[[Path, dict[str, Any]], None]

_COPIER_ANSWER_ERROR = re.compile(
    r"^(?:Validation error for question|Invalid choice for) '(?P<question>\w+)': (?P<detail>.*)$",
    re.DOTALL,
)


def read_answers(root: Path, answers_file: str) -> dict[str, Any] | None:
    """The answers recorded by an earlier render of a kit, or None when there was none."""
    path = root / answers_file
    if not path.is_file():
        return None
    import yaml

    try:
        answers = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        answers = None
    return answers if isinstance(answers, dict) else {}


def render_files(
    render: Renderer, answers: dict[str, Any], options: Mapping[str, str]
) -> dict[str, bytes]:
    """The files `render` makes for these answers, by path relative to the project root.

    A wrong answer becomes a UsageError naming the option that gave it (`options` maps each
    question to its option); anything else Copier raises is raised as it is.
    """
    with tempfile.TemporaryDirectory(prefix="polster-kit-") as scratch:
        rendered = Path(scratch) / "project"
        try:
            render(rendered, answers)
        except ValueError as error:
            problem = _answer_problem(error, options)
            if problem is None:
                raise
            raise UsageError(problem) from error
        return {
            path.relative_to(rendered).as_posix(): path.read_bytes()
            for path in sorted(rendered.rglob("*"))
            if path.is_file()
        }


def parse_answers(content: bytes) -> dict[str, Any]:
    """A rendered answers file, as a mapping."""
    import yaml

    answers = yaml.safe_load(content.decode("utf-8"))
    return answers if isinstance(answers, dict) else {}


def write_files(root: Path, files: Mapping[str, bytes], force: bool) -> list[str]:
    """Write a kit's files; all or none of them land. Without `force` no file is replaced.
    Returns their paths relative to `root`."""
    from polster.filesystem import create_files, replace_files

    write = replace_files if force else create_files
    return [path.relative_to(root).as_posix() for path in write(root, files)]


def either(choices: list[str]) -> str:
    """`a, b or c`, for messages listing the choices."""
    return f"{', '.join(choices[:-1])} or {choices[-1]}"


def _answer_problem(error: ValueError, options: Mapping[str, str]) -> str | None:
    """Copier's message for a wrong answer, named after the option that gave it."""
    match = _COPIER_ANSWER_ERROR.match(str(error))
    if match is None:
        return None
    option = options.get(match["question"], match["question"])
    return f"{option}: {match['detail'].strip()}"
