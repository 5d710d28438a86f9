"""`polster validate`: named checks on a project, each finding saying what is wrong and the fix.

Rules: `required-files`, `naming`, `layer-rule`, `dangling-dependency`, `duplicate-key`,
`cycle`, `syntax-error`, `missing-import`. A pyproject.toml with a valid `[tool.polster]`
table is checked before these run: without one, `load_project` refuses the command.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from polster.graph import AssetGraph, AssetNode, build_graph
from polster.project import Project
from polster.rules import (
    MAX_NAME_LENGTH,
    asset_key,
    edge_violations,
    is_asset_name,
    suggest_asset_name,
)


@dataclass(frozen=True)
class Finding:
    rule: str
    path: str
    line: int | None
    message: str
    fix: str


def validate(project: Project, graph: AssetGraph | None = None) -> list[Finding]:
    """Every finding in the project, sorted by file and line; empty when it is clean."""
    graph = graph if graph is not None else build_graph(project)
    findings = [
        *_required_files(project),
        *_naming(project, graph),
        *_layer_rule(graph, project),
        *_dangling(project, graph),
        *_duplicates(graph),
        *_cycles(graph),
        *_source_problems(graph),
    ]
    return sorted(findings, key=lambda f: (f.path, f.line or 0, f.rule, f.message))


def render_text(findings: list[Finding]) -> str:
    """One line per finding (`path:line: rule: what is wrong; fix.`) and a count."""
    if not findings:
        return "No problems found."
    lines = [
        f"{finding.path}{'' if finding.line is None else f':{finding.line}'}: "
        f"{finding.rule}: {finding.message}; {finding.fix}."
        for finding in findings
    ]
    count = len(findings)
    lines.append(f"{count} problem{'' if count == 1 else 's'} found.")
    return "\n".join(lines)


def render_json(findings: list[Finding]) -> str:
    """A JSON array of {rule, path, line, message, fix} objects."""
    return json.dumps([asdict(finding) for finding in findings], indent=2)


def _required_files(project: Project) -> Iterator[Finding]:
    package = project.relative(project.package_dir)
    expected = [
        (project.package_dir / "definitions.py", "Dagster loads the project from it"),
        (project.root / "run_polster.py", "it runs the pipeline locally"),
        (project.root / ".copier-answers.yml", "`polster upgrade` reads the template from it"),
    ]
    for path, why in expected:
        if not path.is_file():
            yield Finding(
                "required-files",
                project.relative(path),
                None,
                f"{project.relative(path)} is missing, and {why}",
                "restore it from version control or from a fresh `polster init`",
            )
    for layer in project.layout.layers:
        folder = project.layer_dir(layer)
        if not folder.is_dir():
            yield Finding(
                "required-files",
                f"{project.relative(folder)}/",
                None,
                f"layer {layer} has no folder in {package}/defs",
                f"create {project.relative(folder)}/ with an empty __init__.py",
            )


def _naming(project: Project, graph: AssetGraph) -> Iterator[Finding]:
    defs = project.relative(project.defs_dir)
    layers = project.layout.layers
    stray: dict[str, list[AssetNode]] = {}
    for node in graph.assets:
        if node.layer in layers:
            yield from _naming_of(node)
        elif node.layer:
            stray.setdefault(node.layer, []).append(node)
        else:
            yield Finding(
                "naming",
                node.path,
                node.line,
                f"{node.key} sits directly in {defs}, outside any layer folder",
                f"move it into a layer folder ({', '.join(layers)})",
            )
    for folder, nodes in sorted(stray.items()):
        keys = ", ".join(node.key for node in nodes)
        yield Finding(
            "naming",
            f"{defs}/{folder}/",
            None,
            f"{defs}/{folder}/ holds assets ({keys}), but {folder} is not a layer in "
            f"[tool.polster] layers ({', '.join(layers)})",
            f"move them into a layer folder or add {folder} to layers in pyproject.toml",
        )


def _naming_of(node: AssetNode) -> Iterator[Finding]:
    expected = asset_key(node.layer, node.name)
    if not is_asset_name(node.name):
        suggestion = suggest_asset_name(node.name)
        yield Finding(
            "naming",
            node.path,
            node.line,
            f"module {node.name}.py is not named like an asset (lowercase snake_case, "
            f"at most {MAX_NAME_LENGTH} characters, not a Python keyword)",
            f"rename it to {suggestion}.py and its asset to {asset_key(node.layer, suggestion)}",
        )
    elif node.key != expected:
        where = f"{node.layer}/{node.name}.py"
        if node.function == node.key:
            fix = f"rename the function to {expected}"
        else:
            fix = f"set its key to {expected}"
        rest = node.key.removeprefix(f"{node.layer}_")
        if rest != node.key and rest.isidentifier():
            fix += f" or the module to {rest}.py"
        yield Finding(
            "naming", node.path, node.line, f"{node.key} in {where} should be keyed {expected}", fix
        )
    if node.group is None:
        yield Finding(
            "naming",
            node.path,
            node.line,
            f"{node.key} has no group_name",
            f'add group_name="{node.layer}" to its @dg.asset decorator',
        )
    elif node.group != node.layer:
        yield Finding(
            "naming",
            node.path,
            node.line,
            f"{node.key} is in group '{node.group}', but its layer is {node.layer}",
            f'set group_name="{node.layer}"',
        )


def _layer_rule(graph: AssetGraph, project: Project) -> Iterator[Finding]:
    for violation in edge_violations(graph, project.layout):
        node = violation.downstream
        yield Finding("layer-rule", node.path, node.line, violation.message, violation.fix)


def _dangling(project: Project, graph: AssetGraph) -> Iterator[Finding]:
    defs = project.relative(project.defs_dir)
    for node in graph.assets:
        for key in node.upstream:
            if graph.get(key) is not None:
                continue
            fix = "correct the name or remove the dependency"
            layer = _layer_of_key(key, project.layout.layers)
            if layer:
                name = key.removeprefix(f"{layer}_")
                fix = f"add it with `polster add-asset --layer {layer} --name {name}`, or {fix}"
            yield Finding(
                "dangling-dependency",
                node.path,
                node.line,
                f"{node.key} reads {key}, but no asset in {defs} has that key",
                fix,
            )


def _layer_of_key(key: str, layers: tuple[str, ...]) -> str | None:
    """The layer a `<layer>_<name>` key names, if it follows the convention."""
    matching = [
        layer for layer in layers if key.startswith(f"{layer}_") and len(key) > len(layer) + 1
    ]
    return max(matching, key=len, default=None)


def _duplicates(graph: AssetGraph) -> Iterator[Finding]:
    for node in graph.assets:
        first = graph.by_key[node.key]
        if first is not node:
            yield Finding(
                "duplicate-key",
                node.path,
                node.line,
                f"{node.key} is also defined in {first.path}:{first.line}",
                "rename one of them: Dagster refuses two assets with one key",
            )


def _cycles(graph: AssetGraph) -> Iterator[Finding]:
    for cycle in graph.cycles():
        start = graph.by_key[cycle[0]]
        yield Finding(
            "cycle",
            start.path,
            start.line,
            f"{' -> '.join(cycle)} is a cycle",
            "remove one of these dependencies: Dagster cannot run a cycle",
        )


def _source_problems(graph: AssetGraph) -> Iterator[Finding]:
    for problem in graph.syntax_errors:
        yield Finding(
            "syntax-error",
            problem.path,
            problem.line,
            f"this module does not parse ({problem.message})",
            "fix the syntax: until then its assets are invisible to Polster and Dagster",
        )
    for problem in graph.missing_imports:
        yield Finding(
            "missing-import",
            problem.path,
            problem.line,
            problem.message,
            "create that module or correct the import",
        )
