"""The benchmark harness runs end to end and keeps what it measured (no timing assertions)."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from helpers import REPO_ROOT

BENCHMARKS = REPO_ROOT / "benchmarks"
HEADER = "| measure | polster | peer | ratio | target | met |\n|---|---|---|---|---|---|\n"


@pytest.fixture(scope="module")
def harness() -> Iterator[SimpleNamespace]:
    """benchmarks/run.py and the harness modules, imported as run.py imports them."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(BENCHMARKS))
        names = ("run", "harness.groups", "harness.installs", "harness.measuring")
        names += ("harness.projects", "harness.report", "harness.timing")
        modules = {name.rsplit(".", 1)[-1]: importlib.import_module(name) for name in names}
        yield SimpleNamespace(**modules)


def measured_names(report: str) -> list[str]:
    """The first column of the report's table."""
    assert report.startswith("# Benchmark results")
    table = report.split(HEADER, 1)[1].split("\n\n", 1)[0]
    return [row.split(" | ")[0].removeprefix("| ") for row in table.splitlines()]


def not_measured(report: str) -> list[str]:
    if "\n## Not measured\n" not in report:
        return []
    section = report.split("\n## Not measured\n\n", 1)[1].split("\n\n", 1)[0]
    return section.splitlines()


@pytest.mark.parametrize("keep_scratch", [False, True], ids=["temporary folder", "--scratch"])
def test_the_command_writes_its_table_then_cleans_up(tmp_path: Path, keep_scratch: bool) -> None:
    """Without --scratch the report used to be made after the temporary folder (and the venv
    it asked for Polster's version) was deleted: a crash at the very end, nothing written."""
    output, temporary = tmp_path / "results.md", tmp_path / "tmp"
    temporary.mkdir()
    command = [sys.executable, str(BENCHMARKS / "run.py"), "--runs", "1", "--only", "help"]
    command += ["--output", str(output)]
    if keep_scratch:
        command += ["--scratch", str(tmp_path / "scratch")]
    env = {**os.environ, "TMPDIR": str(temporary)}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    report = output.read_text(encoding="utf-8")
    assert measured_names(report) == ["`polster --help`", "`polster --version`"]
    assert not_measured(report) == []
    assert list(temporary.iterdir()) == []
    assert (tmp_path / "scratch" / "polster-venv").is_dir() == keep_scratch


def test_a_failing_group_keeps_the_others_measurements(
    harness: SimpleNamespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(bench: object) -> list[object]:
        raise RuntimeError("the local MariaDB is not running")

    monkeypatch.setitem(harness.run.GROUPS, "broken", broken)
    output = tmp_path / "results.md"
    arguments = ["--only", "broken,help", "--runs", "1", "--output", str(output)]
    assert harness.run.main([*arguments, "--scratch", str(tmp_path / "scratch")]) == 1
    report = output.read_text(encoding="utf-8")
    assert measured_names(report) == ["`polster --help`", "`polster --version`"]
    assert not_measured(report) == [
        "- `broken` (setup): RuntimeError: the local MariaDB is not running"
    ]


def test_a_failing_command_loses_only_its_measure(harness: SimpleNamespace, tmp_path: Path):
    def side(label: str, code: str) -> object:
        return harness.timing.Side(label, [sys.executable, "-c", code], tmp_path)

    def group(bench: object) -> list[object]:
        return [
            harness.timing.Measure(
                name,
                side("ours", code),
                side("peer", "pass"),
                "none",
                harness.timing.always,
            )
            for name, code in (
                ("fails", "import sys; sys.exit('Table test.orders does not exist')"),
                ("works", "pass"),
            )
        ]

    polster = harness.installs.Polster(tmp_path / "no-venv", "0.0.0")
    bench = harness.measuring.Bench(tmp_path, polster, ())
    outcome = harness.measuring.measure_groups({"fake": group}, bench, runs=2)
    report = harness.report.render(outcome, 2, ["--only", "fake"], polster.version)
    assert measured_names(report) == ["works"]
    assert [len(m.ours.times) for m in outcome.measured] == [2]
    assert not_measured(report) == [
        "- `fake`, fails: RuntimeError: Table test.orders does not exist"
    ]


def test_an_unknown_group_is_refused(harness: SimpleNamespace, tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        harness.run.main(["--only", "nonsense", "--output", str(tmp_path / "r.md")])
    assert not (tmp_path / "r.md").exists()


def test_the_readme_lists_every_group(harness: SimpleNamespace) -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"picks groups\s+\(([^)]*)\)", readme)
    assert listed is not None
    assert re.split(r",\s+", listed.group(1)) == list(harness.groups.GROUPS)


def test_the_large_project_generator_makes_a_valid_project(harness, polster, shop) -> None:
    """What list-validate measures at 300 per layer, at 4: every asset valid and linked."""
    harness.projects.add_assets(shop, 4, sys.executable)
    assert polster("validate").exit_code == 0
    listed = json.loads(polster("list-assets", "--format", "json").output)
    keys = {asset["key"]: asset for asset in listed}
    for layer in ("bronze", "silver", "gold"):
        assert {f"{layer}_t{i:03d}" for i in range(4)} <= set(keys)
    assert sorted(keys["silver_t000"]["dependencies"]) == ["bronze_t000", "bronze_t003"]
    assert sorted(keys["gold_t001"]["dependencies"]) == ["silver_t001", "silver_t002"]
    assert sorted(keys["silver_t000"]["dependents"]) == ["gold_t000", "gold_t003"]


def test_the_validate_rows_time_the_static_and_the_loading_check(
    harness: SimpleNamespace, polster, shop
) -> None:
    """Whichever spelling the CLI has (`--load` today, `--static` after issue 14), the fast
    row reads the source and the other loads it: a module that fails at import only fails
    the loading one."""
    module = shop / "src" / "shop" / "defs" / "bronze" / "raw_orders.py"
    module.write_text(module.read_text() + "\nraise RuntimeError('fails only when imported')\n")
    dev = harness.installs.Polster(Path(sys.prefix), "dev")
    static, loading = harness.groups.cli.validate_arguments(dev)
    assert static[0] == loading[0] == "validate"
    assert polster(*static).exit_code == 0
    loaded = polster(*loading, "--format", "json")
    assert loaded.exit_code == 1
    assert "fails only when imported" in loaded.output


def test_the_raw_polars_peer_does_the_same_work_eager_and_lazy(tmp_path: Path) -> None:
    raw = tmp_path / "orders.parquet"
    setup = [sys.executable, str(BENCHMARKS / "setup" / "make_orders.py"), str(raw), "1000"]
    subprocess.run(setup, check=True)
    env = {**os.environ, "PYTHONPATH": str(BENCHMARKS / "assets")}  # shop.bench_steps
    gold = {}
    for style in ("eager", "lazy"):
        out = tmp_path / style
        out.mkdir()
        peer = [sys.executable, str(BENCHMARKS / "sides" / "raw_polars.py"), style, str(raw)]
        subprocess.run([*peer, str(out)], env=env, check=True)
        assert sorted(p.name for p in out.iterdir()) == [
            "bronze.parquet",
            "gold.parquet",
            "silver.parquet",
        ]
        gold[style] = pl.read_parquet(out / "gold.parquet").sort("customer", "day")
    assert gold["eager"].height > 0
    assert gold["eager"].equals(gold["lazy"])


def test_both_dagster_floors_record_a_run(harness: SimpleNamespace, tmp_path: Path) -> None:
    home = harness.projects.empty_dagster_home(tmp_path)
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    for script in ("dagster_floor.py", "dagster_floor_no_gc.py"):
        command = [sys.executable, str(BENCHMARKS / "sides" / script)]
        subprocess.run(command, cwd=tmp_path, env=env, check=True, timeout=300)
    probe = "import dagster as dg; print(len(dg.DagsterInstance.get().get_runs()))"
    runs = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert runs.stdout.split() == ["2"], runs.stderr
