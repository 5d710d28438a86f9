"""polster.direct_render gives exactly what Copier gives, or steps aside for Copier.

Every built-in asset template is rendered both ways, with `copier.run_copy` and with the
direct Jinja2 path `polster add-asset` uses, and the bytes must match. Templates that use
what only Copier does are recognized and rendered by Copier.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import copier
import pytest
from helpers import tree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polster import catalog, direct_render
from polster.catalog import AssetTemplate

ALL_LAYERS = ("bronze", "silver", "gold")


def copier_files(template: Path, data: dict[str, Any], scratch: Path) -> dict[str, bytes]:
    destination = scratch / "copier-out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", copier.errors.DirtyLocalWarning)
        copier.run_copy(
            str(template), destination, data=data, defaults=True, unsafe=True, quiet=True
        )
    return tree(destination)


def answers(template: AssetTemplate, layer: str, **extra: Any) -> dict[str, Any]:
    """What `polster add-asset` passes: the preset's answers, then the asset's."""
    dependencies = [] if layer == "bronze" else ["upstream_orders", "upstream_customers"]
    return {
        **template.answers,
        "package_name": "shop",
        "layer": layer,
        "name": "orders",
        "dependencies": dependencies,
        "landing_example": True,
        **extra,
    }


def cases() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for name, template in catalog.built_in().items():
        for layer in template.layers or ALL_LAYERS:
            found.append((name, layer, {}))
            found.append((name, layer, {"description": 'Quotes " and \\ backslashes {{ x }}'}))
            found.append((name, layer, {"landing_example": False, "name": "x2"}))
    return found


@pytest.mark.parametrize(("name", "layer", "extra"), cases())
def test_every_built_in_template_renders_as_copier_does(name, layer, extra, tmp_path):
    template = catalog.built_in()[name]
    data = answers(template, layer, **extra)
    direct = direct_render.render(template.path, data)  # never Unsupported for built-ins
    assert direct
    assert direct == copier_files(template.path, data, tmp_path)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True),
    description=st.text(
        st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]), max_size=40
    ),
    dependencies=st.lists(st.from_regex(r"silver_[a-z]{1,8}", fullmatch=True), max_size=3),
)
def test_any_name_description_and_dependencies_render_as_copier_does(
    name, description, dependencies, tmp_path_factory
):
    template = catalog.built_in()["blank"]
    data = answers(template, "gold", name=name, description=description)
    data["dependencies"] = dependencies
    expected = copier_files(template.path, data, tmp_path_factory.mktemp("copier"))
    assert direct_render.render(template.path, data) == expected


# ------------------------------------------------------------------ what goes to Copier


def make_template(folder: Path, questionnaire: str, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    (folder / "copier.yml").write_text(questionnaire)
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


QUESTIONS = "name:\n  type: str\n"


@pytest.mark.parametrize(
    ("questionnaire", "files"),
    [
        (QUESTIONS + "_tasks: ['touch done']\n", {"a.txt.jinja": "{{ name }}"}),
        (QUESTIONS + "_exclude: ['*.md']\n", {"a.txt": "x"}),
        (QUESTIONS + "  validator: '{% if name != \"x\" %}not x{% endif %}'\n", {"a": "x"}),
        (QUESTIONS, {"a.txt.jinja": "{{ pathjoin('a', name) }}"}),  # a Copier-only global
        (QUESTIONS, {"a.txt.jinja": "{{ _copier_conf.answers_file }}"}),  # Copier's variable
        (QUESTIONS, {"{% yield n from ['a', 'b'] %}{{ n }}{% endyield %}.txt": "x"}),
        ("other:\n  type: int\n", {"a.txt.jinja": "{{ other }}"}),  # required, no default
        ("kind:\n  choices: [a, b]\n  default: c\n", {"a.txt.jinja": "{{ kind }}"}),
    ],
)
def test_what_only_copier_does_is_left_to_copier(questionnaire, files, tmp_path):
    template = make_template(tmp_path / "t", questionnaire, files)
    with pytest.raises(direct_render.Unsupported):
        direct_render.render(template, {"name": "orders"})


def test_a_symlink_is_left_to_copier(tmp_path):
    template = make_template(tmp_path / "t", QUESTIONS, {"a.txt": "x"})
    (template / "b.txt").symlink_to(template / "a.txt")
    with pytest.raises(direct_render.Unsupported):
        direct_render.render(template, {"name": "orders"})


def test_copier_user_settings_are_left_to_copier(tmp_path, monkeypatch):
    template = make_template(tmp_path / "t", QUESTIONS, {"a.txt.jinja": "{{ name }}"})
    settings_file = tmp_path / "settings.yml"
    settings_file.write_text("defaults:\n  name: from-settings\n")
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(settings_file))
    with pytest.raises(direct_render.Unsupported):
        direct_render.render(template, {})


def test_copier_rules_the_direct_path_follows(tmp_path):
    """Defaults rendered from earlier answers, casts, `when`, empty names, siblings, exclusions."""
    questionnaire = (
        "_templates_suffix: .tmpl\n"
        "_polster_summary: not a Copier setting\n"
        "name:\n  type: str\n"
        "title: '{{ name | upper }}'\n"
        "count:\n  type: int\n  default: '3'\n"
        "enabled:\n  type: bool\n  default: 'yes'\n"
        "extra:\n  type: str\n  default: hidden\n  when: '{{ count > 5 }}'\n"
        "fmt:\n  type: str\n  choices: [csv, parquet]\n  default: csv\n"
    )
    files = {
        "{{ name }}/{{ title }}.txt.tmpl": "{{ title }} {{ count + 1 }} {{ enabled }} {{ extra }}",
        "{{ name }}/{% if fmt == 'parquet' %}only.parquet{% endif %}": "never",
        "{{ name }}/{% if fmt == 'csv' %}only.csv{% endif %}": "a,b\n",
        "plain.txt": "copied as is {{ name }}",
        "both.txt": "the plain file loses to its templated sibling",
        "both.txt.tmpl": "{{ name }}",
        "ignored.jinja": "{{ not rendered }}",
        "__pycache__/x.pyc": "excluded",
        "~backup": "excluded",
    }
    template = make_template(tmp_path / "t", questionnaire, files)
    data = {"name": "orders", "unasked": "given values are visible too"}
    direct = direct_render.render(template, data)
    assert direct == copier_files(template, data, tmp_path)
    assert direct["orders/ORDERS.txt"] == b"ORDERS 4 True hidden"
    assert set(direct) == {
        "orders/ORDERS.txt",
        "orders/only.csv",
        "plain.txt",
        "both.txt",
        "ignored.jinja",
    }


def test_add_asset_renders_a_template_that_needs_copier(polster, shop):
    """A project template using Copier's own `pathjoin` still works: Copier renders it."""
    folder = shop / "templates" / "assets" / "fancy"
    make_template(
        folder,
        "_polster_summary: A template that needs Copier.\n" + QUESTIONS,
        {
            "src/{{ package_name }}/defs/{{ layer }}/{{ name }}.py.jinja": (
                "import dagster as dg\nimport polars as pl\n\n"
                "NAME = \"{{ pathjoin('x', name) }}\"\n\n\n"
                '@dg.asset(group_name="{{ layer }}", kinds={"polars", "{{ layer }}"})\n'
                "def {{ layer }}_{{ name }}() -> pl.DataFrame:\n"
                '    return pl.DataFrame({"name": [NAME]})\n'
            )
        },
    )
    with pytest.raises(direct_render.Unsupported):
        direct_render.render(folder, {"name": "raw_events", "layer": "bronze"})
    result = polster(
        "add-asset", "--layer", "bronze", "--name", "raw_events", "--template", "fancy"
    )
    assert result.exit_code == 0, result.output
    module = shop / "src" / "shop" / "defs" / "bronze" / "raw_events.py"
    assert 'NAME = "x/raw_events"' in module.read_text()
