"""Project and package names: what `polster init` accepts and why it refuses."""

from __future__ import annotations

import keyword
import re
import sys
from functools import cache
from pathlib import Path

from polster.errors import UsageError
from polster.templates import question_default

_PACKAGE_PATTERN = re.compile(r"[a-z][a-z0-9_]*")


def package_name_for(project_name: str) -> str:
    """The Python package a project name becomes (`my-shop` -> `my_shop`)."""
    return project_name.replace("-", "_")


@cache
def reserved_names() -> frozenset[str]:
    """Module names a project package must not shadow.

    The list lives in the root `copier.yml` so that plain `copier copy` refuses the
    same names; the running interpreter's standard library is added in case it is
    newer than that list.
    """
    listed = question_default("polster_reserved_names")
    return frozenset(listed) | frozenset(sys.stdlib_module_names)


def check_project_name(project_name: str) -> str:
    """Return the package name for `project_name`, or raise UsageError saying why not."""
    package = package_name_for(project_name)
    if not _PACKAGE_PATTERN.fullmatch(package):
        raise UsageError(
            f"'{project_name}' is not a valid package name: start with a lowercase letter "
            "and use only lowercase letters, digits, '-' or '_'."
        )
    if keyword.iskeyword(package):
        raise UsageError(
            f"'{project_name}' is a Python keyword: choose another name, e.g. '{package}_pipeline'."
        )
    if package in reserved_names():
        raise UsageError(
            f"'{project_name}' would shadow the module '{package}' the project imports: "
            f"choose another name, e.g. '{package}_pipeline'."
        )
    return package


def resolve_target(name_or_path: str, cwd: Path) -> Path:
    """Turn the NAME argument of `polster init` into an absolute target directory.

    A plain name or a path is accepted; a path that climbs out with `..` is refused.
    """
    raw = Path(name_or_path)
    if not name_or_path.strip() or raw.name in {"", ".", ".."}:
        raise UsageError(f"'{name_or_path}' is not a project name: give a name such as 'shop'.")
    if ".." in raw.parts:
        raise UsageError(
            f"'{name_or_path}' climbs out of the current directory with '..': "
            "give a plain name or an absolute path."
        )
    return raw if raw.is_absolute() else cwd / raw
