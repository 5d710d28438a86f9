"""Asset templates: Polster's own and a project's, found by name and listed one line each.

An asset template is a Copier template folder. Polster's live in `asset_templates/` beside its
`copier.yml`; a project adds its own, or replaces one of Polster's, in `templates/assets/<name>/`.
Besides its questions, a template's copier.yml may hold settings for Polster, which Copier
ignores:

    _polster_summary: one line for `polster add-asset --list-templates`
    _polster_layers: [bronze]      # the only layers it may render into (default: any layer)
    _polster_presets:              # names that select this folder with fixed answers
      csv: {summary: "...", answers: {file_format: csv}}

A folder with presets is offered under its preset names only, so one folder can serve several
closely related templates without copies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from polster.errors import CheckFailed, UsageError
from polster.project import Project
from polster.templates import template_root

PROJECT_TEMPLATES = ("templates", "assets")
BUILT_IN_TEMPLATES = "asset_templates"
_QUESTIONNAIRES = ("copier.yml", "copier.yaml")


@dataclass(frozen=True)
class AssetTemplate:
    """A name `--template` accepts: a Copier folder plus the answers its name fixes."""

    name: str
    path: Path
    summary: str
    layers: tuple[str, ...] = ()  # empty: any layer
    answers: Mapping[str, Any] = field(default_factory=dict)
    from_project: bool = False

    def allows(self, layer: str) -> bool:
        return not self.layers or layer in self.layers


def project_templates_dir(project: Project) -> Path:
    return project.root.joinpath(*PROJECT_TEMPLATES)


def available(project: Project) -> dict[str, AssetTemplate]:
    """Every template by name, sorted; a project's own template wins over Polster's."""
    templates = {
        **built_in(),
        **_templates_in(project_templates_dir(project), from_project=True),
    }
    return dict(sorted(templates.items()))


def built_in() -> dict[str, AssetTemplate]:
    """Polster's own templates by name."""
    return _templates_in(template_root() / BUILT_IN_TEMPLATES, from_project=False)


def find_template(templates: Mapping[str, AssetTemplate], name: str, layer: str) -> AssetTemplate:
    """The template called `name`, if it may render an asset into `layer`."""
    template = templates.get(name)
    if template is None:
        where = "/".join(PROJECT_TEMPLATES)
        raise UsageError(
            f"Unknown asset template '{name}': choose one of {', '.join(templates)} "
            f"(`polster add-asset --list-templates`), or add your own in {where}/{name}/."
        )
    if not template.allows(layer):
        only = " or ".join(template.layers)
        raise UsageError(
            f"The '{name}' template makes {only} assets only, not {layer}: pass --layer "
            f"{template.layers[0]}, or pick a template for {layer} (`--list-templates`)."
        )
    return template


def describe(templates: Mapping[str, AssetTemplate]) -> list[str]:
    """One line per template: name, the layers it serves, where it comes from, its summary."""
    rows = [
        (
            name,
            ", ".join(template.layers) or "any layer",
            "project" if template.from_project else "built-in",
            template.summary,
        )
        for name, template in templates.items()
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(3)] if rows else []
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + f"  {row[3]}"
        for row in rows
    ]


def _templates_in(directory: Path, *, from_project: bool) -> dict[str, AssetTemplate]:
    if not directory.is_dir():
        return {}
    templates: dict[str, AssetTemplate] = {}
    for folder in sorted(path for path in directory.iterdir() if path.is_dir()):
        questionnaire = next(
            (folder / name for name in _QUESTIONNAIRES if (folder / name).is_file()), None
        )
        if questionnaire is not None:
            for template in _read_template(folder, questionnaire, from_project):
                templates[template.name] = template
    return templates


def _read_template(folder: Path, questionnaire: Path, from_project: bool) -> list[AssetTemplate]:
    settings = _load_yaml(questionnaire)
    layers = settings.get("_polster_layers") or []
    if not isinstance(layers, list) or not all(isinstance(layer, str) for layer in layers):
        raise CheckFailed(f"_polster_layers in {questionnaire} must be a list of layer names.")
    summary = str(settings.get("_polster_summary") or "(no _polster_summary in its copier.yml)")
    presets = settings.get("_polster_presets")
    if presets is None:
        return [AssetTemplate(folder.name, folder, summary, tuple(layers), {}, from_project)]
    if not isinstance(presets, dict) or not all(
        isinstance(preset, dict) and isinstance(preset.get("answers", {}), dict)
        for preset in presets.values()
    ):
        raise CheckFailed(
            f"_polster_presets in {questionnaire} must map each name to "
            "{summary: ..., answers: {question: value}}."
        )
    return [
        AssetTemplate(
            str(name),
            folder,
            str(preset.get("summary") or summary),
            tuple(layers),
            dict(preset.get("answers") or {}),
            from_project,
        )
        for name, preset in presets.items()
    ]


def _load_yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CheckFailed(
            f"Cannot read the asset template settings in {path} ({error})."
        ) from error
    return data if isinstance(data, dict) else {}
