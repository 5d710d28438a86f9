"""`validate --load`: the graph Dagster loads, diffed with the static one."""

from __future__ import annotations

import sys
from pathlib import Path

from fake_project import sample_project, write, write_module

from polster.graph import build_graph
from polster.loaded import check_load, project_python
from polster.project import load_project

DEFINITIONS = """\
from pathlib import Path

import dagster as dg


@dg.definitions
def defs():
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
"""


def dagster_project(root: Path) -> Path:
    sample_project(root)
    write(root / "src/shop/definitions.py", DEFINITIONS)
    return root


def test_the_sample_loads_exactly_as_read(tmp_path):
    project = load_project(dagster_project(tmp_path))
    assert check_load(project, build_graph(project), Path(sys.executable)) == []


def test_differences_are_reported(tmp_path):
    root = dagster_project(tmp_path)
    write_module(
        root,
        "gold/dynamic.py",
        """
        import dagster as dg

        UPSTREAM = ["silver_validated_orders"]


        @dg.asset(group_name="gold", deps=UPSTREAM)
        def gold_dynamic() -> None: ...


        def build(name):
            @dg.asset(name=name, group_name="gold")
            def _asset() -> None: ...

            return _asset


        gold_built = build("gold_built")
        """,
    )
    project = load_project(root)
    findings = check_load(project, build_graph(project), Path(sys.executable))
    assert [(f.rule, f.path, f.line, f.message) for f in findings] == [
        (
            "load-mismatch",
            "src/shop/definitions.py",
            None,
            "Dagster loads gold_built, but no asset module in the defs folder defines it in a "
            "way Polster can read",
        ),
        (
            "load-mismatch",
            "src/shop/defs/gold/dynamic.py",
            7,
            "Dagster sees gold_dynamic reading [silver_validated_orders], the source reads as []",
        ),
    ]


def test_a_failed_load_is_one_finding(tmp_path):
    root = dagster_project(tmp_path)
    write(root / "src/shop/definitions.py", 'raise RuntimeError("database is down")\n')
    project = load_project(root)
    (finding,) = check_load(project, build_graph(project), Path(sys.executable))
    assert finding.rule == "load-error"
    assert finding.message == (
        "Dagster could not load shop.definitions (RuntimeError: database is down)"
    )


def test_the_project_venv_is_preferred(tmp_path):
    project = load_project(sample_project(tmp_path))
    assert project_python(project) == Path(sys.executable)
    write(tmp_path / ".venv/bin/python", "")
    assert project_python(project) == tmp_path / ".venv/bin/python"
