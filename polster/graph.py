"""The static asset graph: assets read from `src/<pkg>/defs/**/*.py` with `ast`.

Nothing is imported, so the graph is fast and survives broken files. What counts:

- An asset is a top-level function decorated with `@asset`, `@dg.asset` or `@dagster.asset`
  (also called with arguments, and under any alias the module imports). Other decorators,
  `@multi_asset` included, are ignored.
- Its key is the function name, or `key=` / `name=` (with `key_prefix=`) when those are
  literals; a key with several parts is written `a/b`, as Dagster prints it.
- Its layer is the folder directly under `defs/`; its name is the module's file stem.
- Its upstream keys come from, in order: the function's parameters, `ins={...}` entries
  (`dg.AssetIn(key=...)` renames a parameter's key) and `deps=[...]` (strings,
  `dg.AssetKey(...)`, `dg.AssetDep(...)`, or asset functions by name).
  A parameter is NOT upstream when it is named `context`, or annotated with a type whose name
  ends in `ExecutionContext`, `Resource` or `Config`, or with `ResourceParam[...]`: those are
  Dagster's context, resources and run config. Any other parameter is an upstream asset.
- Files that do not parse and top-level imports of project modules that do not exist are
  recorded rather than raised.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from polster.imports import ImportChecker
from polster.project import Project

_NOT_UPSTREAM_SUFFIXES = ("ExecutionContext", "Resource", "Config")


@dataclass(frozen=True)
class AssetNode:
    """One asset: `layer` is "" for a module directly in defs/, `path` is relative to the root."""

    key: str
    function: str
    name: str
    layer: str
    group: str | None
    description: str
    path: str
    line: int
    upstream: tuple[str, ...]
    dependents: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceProblem:
    """A file the graph could not fully read: where, and what the problem is."""

    path: str
    line: int
    message: str


@dataclass(frozen=True)
class AssetGraph:
    assets: tuple[AssetNode, ...]
    syntax_errors: tuple[SourceProblem, ...] = ()
    missing_imports: tuple[SourceProblem, ...] = ()

    @cached_property
    def by_key(self) -> dict[str, AssetNode]:
        """Each key's asset; when a key is defined twice, the first file (by path) wins."""
        nodes: dict[str, AssetNode] = {}
        for node in self.assets:
            nodes.setdefault(node.key, node)
        return nodes

    def get(self, key: str) -> AssetNode | None:
        return self.by_key.get(key)

    def cycles(self) -> list[tuple[str, ...]]:
        """One closed path per group of assets that read each other (a self-loop too)."""
        edges = {
            key: [u for u in node.upstream if u in self.by_key] for key, node in self.by_key.items()
        }
        return [_cycle_through(component, edges) for component in _cyclic_components(edges)]


def build_graph(project: Project) -> AssetGraph:
    """Scan the project's defs folder once and return its asset graph."""
    checker = ImportChecker(project.root / "src", project.package)
    defs = project.relative(project.defs_dir)
    assets: list[_PendingAsset] = []
    syntax_errors: list[SourceProblem] = []
    missing_imports: list[SourceProblem] = []
    for file, parts in _python_files(project.defs_dir):
        relative = "/".join((defs, *parts))
        try:
            with open(file, "rb") as handle:
                tree = ast.parse(handle.read(), filename=relative)
        except SyntaxError as error:
            syntax_errors.append(SourceProblem(relative, error.lineno or 1, error.msg))
            continue
        except ValueError as error:  # e.g. a null byte in the file
            syntax_errors.append(SourceProblem(relative, 1, str(error)))
            continue
        stem = parts[-1].removesuffix(".py")
        layer = parts[0] if len(parts) > 1 else ""
        assets.extend(_assets_in(tree, relative, layer, stem))
        is_package = stem == "__init__"
        module = ".".join((project.package, "defs", *parts[:-1], *(() if is_package else (stem,))))
        for line, message in checker.missing(tree, module, is_package):
            missing_imports.append(SourceProblem(relative, line, message))
    return AssetGraph(_link(assets), tuple(syntax_errors), tuple(missing_imports))


def _python_files(defs_dir: Path) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(file, its path parts below `defs_dir`) for every .py file, in a stable order.

    Plain strings rather than Path objects: at a thousand files pathlib costs as much as parsing.
    Hidden and cache folders are skipped.
    """
    for directory, subdirectories, files in os.walk(defs_dir):
        subdirectories[:] = sorted(
            d for d in subdirectories if not d.startswith(".") and d != "__pycache__"
        )
        below = os.path.relpath(directory, defs_dir)
        folders = () if below == os.curdir else tuple(below.split(os.sep))
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(directory, name), (*folders, name)


@dataclass
class _PendingAsset:
    """An asset whose `deps=` may still name other asset functions instead of keys."""

    node: AssetNode
    upstream: list[tuple[str, str]]  # ("key" | "function", value)


def _link(pending: list[_PendingAsset]) -> tuple[AssetNode, ...]:
    """Resolve function references to keys and fill in each asset's dependents."""
    key_of_function = {p.node.function: p.node.key for p in pending}
    dependents: dict[str, list[str]] = {}
    linked = []
    for item in pending:
        upstream = [
            key_of_function.get(value, value) if kind == "function" else value
            for kind, value in item.upstream
        ]
        upstream = list(dict.fromkeys(upstream))
        for key in upstream:
            dependents.setdefault(key, []).append(item.node.key)
        linked.append(replace(item.node, upstream=tuple(upstream)))
    return tuple(
        replace(node, dependents=tuple(sorted(set(dependents.get(node.key, ())))))
        for node in linked
    )


def _assets_in(tree: ast.Module, path: str, layer: str, name: str) -> Iterator[_PendingAsset]:
    asset_names, dagster_names = _dagster_aliases(tree)
    for statement in tree.body:
        if not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in statement.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            if _is_asset_decorator(target, asset_names, dagster_names):
                keywords = {k.arg: k.value for k in call.keywords if k.arg} if call else {}
                yield _read_asset(statement, keywords, path, layer, name)
                break


def _dagster_aliases(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names bound to `dagster.asset` and to the `dagster` module in this file."""
    asset_names, dagster_names = {"asset"}, {"dg", "dagster"}
    for statement in tree.body:
        if isinstance(statement, ast.Import):
            dagster_names.update(
                a.asname for a in statement.names if a.name == "dagster" and a.asname
            )
        elif isinstance(statement, ast.ImportFrom) and statement.module == "dagster":
            asset_names.update(a.asname for a in statement.names if a.name == "asset" and a.asname)
    return asset_names, dagster_names


def _is_asset_decorator(target: ast.expr, asset_names: set[str], dagster_names: set[str]) -> bool:
    if isinstance(target, ast.Name):
        return target.id in asset_names
    return (
        isinstance(target, ast.Attribute)
        and target.attr == "asset"
        and isinstance(target.value, ast.Name)
        and target.value.id in dagster_names
    )


def _read_asset(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    keywords: dict[str, ast.expr],
    path: str,
    layer: str,
    name: str,
) -> _PendingAsset:
    description = _string(keywords.get("description")) or ast.get_docstring(function) or ""
    lines = description.strip().splitlines()
    node = AssetNode(
        key=_asset_key(function.name, keywords),
        function=function.name,
        name=name,
        layer=layer,
        group=_string(keywords.get("group_name")),
        description=lines[0].strip() if lines else "",
        path=path,
        line=function.lineno,
        upstream=(),
    )
    return _PendingAsset(node, _upstream(function, keywords))


def _asset_key(function_name: str, keywords: dict[str, ast.expr]) -> str:
    if "key" in keywords:
        return _key(keywords["key"]) or function_name
    name = _string(keywords.get("name")) or function_name
    prefix = _key(keywords["key_prefix"]) if "key_prefix" in keywords else None
    return f"{prefix}/{name}" if prefix else name


def _upstream(
    function: ast.FunctionDef | ast.AsyncFunctionDef, keywords: dict[str, ast.expr]
) -> list[tuple[str, str]]:
    ins = _ins(keywords.get("ins"))
    arguments = function.args
    references = [
        ("key", ins.pop(arg.arg, arg.arg))
        for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
        if _is_upstream_parameter(arg)
    ]
    references.extend(("key", key) for key in ins.values())
    deps = keywords.get("deps")
    if isinstance(deps, ast.List | ast.Tuple | ast.Set):
        references.extend(ref for ref in map(_dependency, deps.elts) if ref)
    return references


def _ins(expression: ast.expr | None) -> dict[str, str]:
    """Parameter name -> upstream key for each literal entry of `ins={...}`."""
    if not isinstance(expression, ast.Dict):
        return {}
    mapping = {}
    for name_node, value in zip(expression.keys, expression.values, strict=True):
        parameter = _string(name_node)
        if parameter is None:
            continue
        mapping[parameter] = parameter
        if isinstance(value, ast.Call):
            keywords = {k.arg: k.value for k in value.keywords if k.arg}
            key_node = value.args[0] if value.args else keywords.get("key")
            prefix = _key(keywords["key_prefix"]) if "key_prefix" in keywords else None
            if key_node is not None:
                mapping[parameter] = _key(key_node) or parameter
            elif prefix:
                mapping[parameter] = f"{prefix}/{parameter}"
    return mapping


def _dependency(element: ast.expr) -> tuple[str, str] | None:
    """A `deps=` entry as ("key", key) or ("function", name); None when not literal."""
    if isinstance(element, ast.Call) and _callee(element) in {"AssetDep", "AssetSpec"}:
        if not element.args:
            return None
        element = element.args[0]
    if isinstance(element, ast.Name):
        return ("function", element.id)
    if isinstance(element, ast.Attribute):
        return ("function", element.attr)
    key = _key(element)
    return ("key", key) if key else None


def _is_upstream_parameter(arg: ast.arg) -> bool:
    if arg.arg == "context":
        return False
    type_name = _type_name(arg.annotation)
    if type_name is None:
        return True
    return type_name != "ResourceParam" and not type_name.endswith(_NOT_UPSTREAM_SUFFIXES)


def _type_name(annotation: ast.expr | None) -> str | None:
    """The bare class name of an annotation: `dg.AssetExecutionContext` -> AssetExecutionContext."""
    if isinstance(annotation, ast.Subscript):
        return _type_name(annotation.value)
    if isinstance(annotation, ast.Attribute):
        return annotation.attr
    if isinstance(annotation, ast.Name):
        return annotation.id
    text = _string(annotation)
    return text.split("[")[0].split(".")[-1].strip() if text else None


def _key(expression: ast.expr) -> str | None:
    """A literal asset key: "a", ["a", "b"] or AssetKey(...) of those, written `a/b`."""
    if isinstance(expression, ast.Call) and _callee(expression) == "AssetKey":
        return _key(expression.args[0]) if expression.args else None
    if isinstance(expression, ast.List | ast.Tuple):
        parts = [_string(element) for element in expression.elts]
        return "/".join(parts) if parts and all(parts) else None  # type: ignore[arg-type]
    return _string(expression)


def _callee(call: ast.Call) -> str | None:
    function = call.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else None


def _string(expression: ast.expr | None) -> str | None:
    if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
        return expression.value
    return None


def _cyclic_components(edges: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components that contain a cycle (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(edges[successor])))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in edges[node]:
                        components.append(sorted(component))
    return sorted(components)


def _cycle_through(component: list[str], edges: dict[str, list[str]]) -> tuple[str, ...]:
    """The shortest closed path from the component's first key back to itself.

    The path follows the data (`a -> b` means b reads a), so it reads like the pipeline.
    """
    start, members = component[0], set(component)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor in edges[node]:
                if successor not in members:
                    continue
                if successor == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return (start, *path[:-1], start)
                if successor not in previous:
                    previous[successor] = node
                    following.append(successor)
        frontier = following
    raise AssertionError("a cyclic component always closes")
