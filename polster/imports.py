"""Find module-level imports of project modules that do not exist, without importing anything.

Only imports that point into the project's own package are checked: absolute ones starting
with the package name and relative ones. `from pkg.mod import name` is fine when `name` is a
submodule of `pkg.mod` or is bound at the top level of its source; a module with a star
import or a module-level `__getattr__` is trusted with any name. Imports nested in `if`,
`try` or functions are left alone: they are often optional on purpose.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path


class ImportChecker:
    """Resolves imports against the files under `src_dir`; caches every lookup."""

    def __init__(self, src_dir: Path, package: str) -> None:
        self.src_dir = src_dir
        self.package = package
        self._locate = cache(self._locate_uncached)
        self._names = cache(_bound_names_of_file)

    def missing(self, tree: ast.Module, module: str, is_package: bool) -> list[tuple[int, str]]:
        """(line, message) for each top-level import in `tree` that would fail.

        `module` is the dotted name of the file `tree` came from; `is_package` is true for
        an `__init__.py`, which changes what relative imports start from.
        """
        problems = []
        for statement in tree.body:
            if isinstance(statement, ast.Import):
                for alias in statement.names:
                    if self._is_ours(alias.name) and self._locate(alias.name) is None:
                        problems.append((statement.lineno, self._no_module(alias.name)))
            elif isinstance(statement, ast.ImportFrom):
                problem = self._check_from(statement, module, is_package)
                if problem:
                    problems.append((statement.lineno, problem))
        return problems

    def _check_from(self, statement: ast.ImportFrom, module: str, is_package: bool) -> str | None:
        target = _absolute(statement, module, is_package)
        if target is None:
            return f"a relative import in {module} climbs above the package {self.package}"
        if not self._is_ours(target):
            return None
        located = self._locate(target)
        if located is None:
            return self._no_module(target)
        for alias in statement.names:
            if alias.name == "*" or self._locate(f"{target}.{alias.name}") is not None:
                continue
            names = self._names(located) if located.is_file() else frozenset()
            if names is not None and alias.name not in names:
                where = self._display(located)
                return f"imports {alias.name} from {target}, but {where} does not define it"
        return None

    def _is_ours(self, dotted: str) -> bool:
        return dotted.split(".")[0] == self.package

    def _locate_uncached(self, dotted: str) -> Path | None:
        """The file (or namespace folder) Python would load for `dotted`, or None."""
        base = self.src_dir.joinpath(*dotted.split("."))
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.is_file():
                return candidate
        return base if base.is_dir() else None

    def _no_module(self, dotted: str) -> str:
        stem = "/".join(dotted.split("."))
        return f"imports {dotted}, but there is no src/{stem}.py or src/{stem}/"

    def _display(self, path: Path) -> str:
        return "src/" + path.relative_to(self.src_dir).as_posix()


def _absolute(statement: ast.ImportFrom, module: str, is_package: bool) -> str | None:
    """The dotted module a `from ... import` reads, or None if it climbs out of the tree."""
    if statement.level == 0:
        return statement.module or ""
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    climb = statement.level - 1
    if climb >= len(parts):
        return None
    base = parts[: len(parts) - climb]
    return ".".join([*base, statement.module] if statement.module else base)


def _bound_names_of_file(path: Path) -> frozenset[str] | None:
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError, OSError):
        return None  # reported elsewhere, or not ours to judge
    return _bound_names(tree)


def _bound_names(tree: ast.Module) -> frozenset[str] | None:
    """Names a module binds at its top level; None when it cannot be known statically."""
    names: set[str] = set()
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name == "__getattr__":
                return None
            names.add(node.name)
        elif isinstance(node, ast.Import):
            names.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if any(alias.name == "*" for alias in node.names):
                return None
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        else:
            # if/try/with/for bodies still run at import time
            for field in ("body", "orelse", "finalbody", "handlers"):
                pending.extend(getattr(node, field, []))
    return frozenset(names)
