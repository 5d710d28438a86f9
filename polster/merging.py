"""What a template asks to add to a project's existing files, and the files it writes once.

A template may render, besides its own new files, entries under `.polster/` that are never
written as such:

    .polster/once/<path>         written to <path> only when the project has no such file
                                 (a module several assets share, a guide)
    .polster/dependencies.txt    requirements added to [project] dependencies in
                                 pyproject.toml, unless one of the same distribution is there
    .polster/env.example         appended to .env.example unless it lists all its variables
    .polster/README.md           table rows added to the README's "Configuration" table,
                                 each unless the README names its first variable already

`plan` turns the rendered files into the files to create and the new contents of the
existing files to change; it reads the project but changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from polster.errors import UsageError

FRAGMENTS = ".polster/"
ONCE = FRAGMENTS + "once/"
PYPROJECT = "pyproject.toml"
ENV_EXAMPLE = ".env.example"
README = "README.md"
_MERGES = {"dependencies.txt", "env.example", "README.md"}
_VARIABLE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)
_FIRST_CODE = re.compile(r"`([^`]+)`")
_DISTRIBUTION = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_CONFIGURATION_HEADING = re.compile(r"^#+\s+Configuration\s*$")


@dataclass(frozen=True)
class Plan:
    created: dict[str, bytes]
    changed: dict[str, bytes]  # existing files, by path, with their new contents


def plan(root: Path, rendered: Mapping[str, bytes]) -> Plan:
    """Split rendered files into new files and changes to existing ones."""
    created: dict[str, bytes] = {}
    fragments: dict[str, str] = {}
    for relative, content in rendered.items():
        if relative.startswith(ONCE):
            target = relative.removeprefix(ONCE)
            if not (root / target).exists():
                created[target] = content
        elif relative.startswith(FRAGMENTS):
            name = relative.removeprefix(FRAGMENTS)
            if name not in _MERGES:
                raise UsageError(
                    f"The template renders {relative}, which Polster does not know: use "
                    f"{FRAGMENTS}once/<path> or one of {', '.join(sorted(_MERGES))}."
                )
            fragments[name] = content.decode("utf-8")
        else:
            created[relative] = content
    changed = _changes(root, fragments)
    if ENV_EXAMPLE in changed and not (root / ENV_EXAMPLE).exists():
        created[ENV_EXAMPLE] = changed.pop(ENV_EXAMPLE)
    return Plan(created, changed)


def _changes(root: Path, fragments: Mapping[str, str]) -> dict[str, bytes]:
    changed: dict[str, bytes] = {}
    requirements = [line.strip() for line in fragments.get("dependencies.txt", "").splitlines()]
    requirements = [line for line in requirements if line and not line.startswith("#")]
    if requirements:
        before = _read(root / PYPROJECT)
        after = add_dependencies(before, requirements)
        if after != before:
            changed[PYPROJECT] = after.encode("utf-8")
    env = fragments.get("env.example", "")
    if env.strip():
        before = _read(root / ENV_EXAMPLE) if (root / ENV_EXAMPLE).exists() else ""
        after = append_variables(before, env)
        if after != before:
            changed[ENV_EXAMPLE] = after.encode("utf-8")
    rows = fragments.get("README.md", "")
    if rows.strip() and (root / README).is_file():
        before = _read(root / README)
        after = add_table_rows(before, rows)
        if after != before:
            changed[README] = after.encode("utf-8")
    return changed


def add_dependencies(pyproject: str, requirements: list[str]) -> str:
    """`pyproject` with each requirement whose distribution is not listed yet appended to
    [project] dependencies; everything else in the file is kept as it was."""
    import tomlkit
    import tomlkit.exceptions

    try:
        document = tomlkit.parse(pyproject)
    except tomlkit.exceptions.ParseError as error:
        raise UsageError(f"{PYPROJECT} is not valid TOML ({error}); fix it first.") from error
    project = document.get("project")
    dependencies = project.get("dependencies") if project is not None else None
    if dependencies is None or not hasattr(dependencies, "append"):
        raise UsageError(
            f"{PYPROJECT} has no [project] dependencies list to add {requirements[0]} to: "
            "add `dependencies = []` under [project]."
        )
    listed = {_distribution(str(item)) for item in dependencies}
    missing = [r for r in requirements if _distribution(r) not in listed]
    if not missing:
        return pyproject
    for requirement in missing:
        dependencies.append(requirement)
    return tomlkit.dumps(document)


def variable_names(env_example: str) -> list[str]:
    """The variables an .env.example sets or shows commented out, in order, each once."""
    return list(dict.fromkeys(_VARIABLE.findall(env_example)))


def append_variables(env_example: str, fragment: str) -> str:
    """`env_example` with `fragment` appended, unless it mentions all the fragment's names."""
    wanted = set(variable_names(fragment))
    if wanted <= set(variable_names(env_example)):
        return env_example
    if not env_example:
        return fragment
    body = env_example if env_example.endswith("\n") else env_example + "\n"
    return body + "\n" + fragment


def add_table_rows(readme: str, rows: str) -> str:
    """`readme` with each row whose first `code` name it lacks added to the table that
    follows its "Configuration" heading; unchanged when there is no such table."""
    lines = readme.splitlines(keepends=True)
    end = _configuration_table_end(lines)
    if end is None:
        return readme
    new = []
    for row in rows.splitlines():
        name = _FIRST_CODE.search(row)
        if row.startswith("|") and name and f"`{name.group(1)}`" not in readme:
            new.append(row + "\n")
    if not new:
        return readme
    if not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    return "".join(lines[:end] + new + lines[end:])


def _configuration_table_end(lines: list[str]) -> int | None:
    """The index just past the last row of the first table under a Configuration heading."""
    heading = next((i for i, line in enumerate(lines) if _CONFIGURATION_HEADING.match(line)), None)
    if heading is None:
        return None
    in_table = False
    for index in range(heading + 1, len(lines)):
        line = lines[index]
        if line.startswith("#"):
            return None if not in_table else index
        if line.startswith("|"):
            in_table = True
        elif in_table:
            return index
    return len(lines) if in_table else None


def _distribution(requirement: str) -> str:
    match = _DISTRIBUTION.match(requirement)
    name = match.group(1) if match else requirement
    return re.sub(r"[-_.]+", "-", name).lower()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"Cannot read {path.name} ({error.strerror}).") from error
