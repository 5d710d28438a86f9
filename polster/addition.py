"""`polster add-asset`: check a new asset, render its template, write it all or nothing.

Every check runs before the project is touched. The template is rendered in memory first
(by polster.direct_render, or by Copier into a scratch folder when a template needs Copier
itself); only when none of the rendered files exists in the project are they copied in,
and a failure while copying removes what was copied. So a refusal or a failure leaves the
project byte-for-byte as it was.
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from polster import merging
from polster.catalog import AssetTemplate
from polster.errors import UsageError
from polster.filesystem import create_files, replace_files
from polster.graph import AssetGraph
from polster.project import Project
from polster.rules import (
    asset_key,
    candidates,
    check_asset_name,
    check_layer,
    resolve_dependencies,
)

LANDING = "landing"
# The templates put the description on one line as `    """<text>"""`; ruff allows 100.
MAX_DESCRIPTION = 100 - len('    """') - len('"""')


@dataclass(frozen=True)
class NewAsset:
    layer: str
    name: str
    dependencies: tuple[str, ...]
    description: str | None
    template: AssetTemplate

    @property
    def key(self) -> str:
        return asset_key(self.layer, self.name)


def check_new_asset(project: Project, graph: AssetGraph, layer: str, name: str) -> None:
    """Refuse an unknown layer, an invalid name, or an asset that already exists."""
    check_layer(layer, project.layout)
    check_asset_name(name, layer)
    module = project.asset_module(layer, name)
    if module.exists():
        raise UsageError(
            f"{layer} already has an asset '{name}' ({project.relative(module)}): choose "
            "another name, or remove that one first with `polster remove-asset`."
        )
    key = asset_key(layer, name)
    existing = graph.get(key)
    if existing is not None:
        raise UsageError(
            f"The key {key} is already defined in {existing.path}:{existing.line}: "
            "choose another name."
        )


def check_description(description: str) -> None:
    """A description must fit the template's one-line docstring."""
    if not description.strip():
        raise UsageError("The description is empty: describe the asset in one line, or omit it.")
    if not description.isprintable():
        raise UsageError(
            "The description has a line break or another control character: give one line "
            "of plain text."
        )
    # Quotes and backslashes are escaped in the docstring, so they take two characters.
    length = len(description.strip()) + description.count('"') + description.count("\\")
    if length > MAX_DESCRIPTION:
        raise UsageError(
            f"The description is {length} characters long (quotes and backslashes count "
            f"twice): keep it to {MAX_DESCRIPTION} or fewer, one line."
        )


def upstream_phrase(project: Project, layer: str) -> str:
    """The layers an asset in `layer` may read, for messages: "bronze", "bronze or silver"."""
    return " or ".join(project.layout.upstream_layers(layer))


def resolve(project: Project, graph: AssetGraph, layer: str, dependencies: str) -> list[str]:
    """The upstream keys named by `--dependencies a,b` (short names or keys)."""
    keys = resolve_dependencies(dependencies.split(","), layer, graph, project.layout)
    check_dependencies(project, layer, keys)
    return keys


def check_dependencies(project: Project, layer: str, keys: list[str]) -> None:
    """A layer that reads other layers gets at least one dependency: the stub passes it on."""
    upstream = project.layout.upstream_layers(layer)
    if upstream and not keys:
        raise UsageError(
            f"A {layer} asset reads {upstream_phrase(project, layer)} assets: name at least "
            f"one with --dependencies a,b (see `polster list-assets --layer {upstream[0]}`)."
        )


def dependency_choices(project: Project, graph: AssetGraph, layer: str) -> list[str]:
    """The keys a new asset in `layer` may read; refuses when there is none yet."""
    keys = [node.key for node in candidates(layer, graph, project.layout)]
    if not keys:
        upstream = project.layout.upstream_layers(layer)
        raise UsageError(
            f"There is no {upstream_phrase(project, layer)} asset for a {layer} asset to read "
            f"yet: add one first with `polster add-asset --layer {upstream[0]}`."
        )
    return keys


def render(project: Project, asset: NewAsset) -> dict[str, bytes]:
    """The files the template makes for `asset`, by path relative to the project root.

    Refuses (UsageError) when the template fails or when any of its files already exists.
    """
    files = _render_template(asset.template, _answers(project, asset))
    for relative in merging.plan(project.root, files).created:
        if _occupied(project.root, relative):
            raise UsageError(
                f"{relative} already exists and the '{asset.template.name}' template would "
                "write it: move that file away, or choose another asset name."
            )
    return files


def write(project: Project, files: dict[str, bytes]) -> list[str]:
    """Write the rendered files into the project, and make the changes the template asks of
    existing files (see polster/merging.py); on failure the project is left as it was."""
    planned = merging.plan(project.root, files)
    originals = {relative: (project.root / relative).read_bytes() for relative in planned.changed}
    changed = replace_files(project.root, planned.changed)
    try:
        created = create_files(project.root, planned.created)
    except BaseException:
        replace_files(project.root, originals)
        raise
    return [
        *(project.relative(path) for path in created),
        *(f"{project.relative(path)} (changed)" for path in changed),
    ]


def planned_lines(project: Project, files: dict[str, bytes]) -> list[str]:
    """The files `write` would create, then those it would change, one line each."""
    planned = merging.plan(project.root, files)
    return [*planned.created, *(f"{relative} (changed)" for relative in planned.changed)]


def _answers(project: Project, asset: NewAsset) -> dict[str, Any]:
    answers: dict[str, Any] = {
        **asset.template.answers,
        "package_name": project.package,
        "layer": asset.layer,
        "name": asset.name,
        "dependencies": list(asset.dependencies),
        # An example file only goes into an empty landing folder: next to real files it
        # would be loaded as if it were data.
        "landing_example": not _has_files(project.root / LANDING / asset.name),
    }
    if asset.description is not None:
        answers["description"] = asset.description.strip()
    return answers


def _render_template(template: AssetTemplate, answers: dict[str, Any]) -> dict[str, bytes]:
    """Jinja2 directly when it gives Copier's result (fast: no Copier import), else Copier."""
    from polster import direct_render

    try:
        return direct_render.render(template.path, answers)
    except direct_render.Unsupported:
        pass
    with tempfile.TemporaryDirectory(prefix="polster-add-asset-") as scratch:
        rendered = Path(scratch) / "asset"
        _run_copier(template, rendered, answers)
        return {
            path.relative_to(rendered).as_posix(): path.read_bytes()
            for path in sorted(rendered.rglob("*"))
            if path.is_file()
        }


def _run_copier(template: AssetTemplate, destination: Path, answers: dict[str, Any]) -> None:
    import copier
    import jinja2

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", copier.errors.DirtyLocalWarning)
            copier.run_copy(
                str(template.path),
                destination,
                data=answers,
                defaults=True,
                unsafe=True,
                quiet=True,
                overwrite=False,
            )
    except (copier.errors.CopierError, jinja2.TemplateError, ValueError) as error:
        raise UsageError(
            f"The '{template.name}' asset template ({template.path}) failed to render: "
            f"{error}; fix the template or pick another one."
        ) from error


def _occupied(root: Path, relative: str) -> bool:
    """True when writing `relative` would replace a file or write through a non-folder."""
    path = root / relative
    if path.exists() or path.is_symlink():
        return True
    return any(parent.exists() and not parent.is_dir() for parent in path.parents)


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(path.is_file() for path in folder.rglob("*"))
