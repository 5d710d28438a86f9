"""The bench pipeline (bronze -> silver -> gold, benchmarks/assets) through Polster's runner
and IO manager, against a raw Polars script and against dagster-polars; and the fixed cost of
a run: Polster at 1,000 rows against the raw script and against Dagster alone."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.installs import dagster_polars_venv, package_versions
from harness.measuring import Bench
from harness.paths import ASSETS, SETUP, SIDES
from harness.projects import data_project, empty_dagster_home, project_python
from harness.timing import Measure, PeakSide, Side, always

STYLES = {"eager": "pl.DataFrame", "lazy": "pl.LazyFrame"}
FLOOR_ROWS = 1_000
FLOOR_ALLOWANCE = 0.3  # seconds Polster's run may add to Dagster alone (issue 13)
DAGSTER_ALONE = "Dagster alone: import, SQLite instance, one in-process run of 3 no-op assets"
FLOORS = {"dagster_floor.py": "", "dagster_floor_no_gc.py": ", garbage collector off"}


def data_files(scratch: Path, python: str, rows: int) -> tuple[Path, Path]:
    """The raw orders file of `rows` rows (made once) and the output folder for that size."""
    raw = scratch / f"data-raw-{rows}.parquet"
    if not raw.exists():
        subprocess.run([python, str(SETUP / "make_orders.py"), str(raw), str(rows)], check=True)
    out = scratch / f"data-out-{rows}"
    out.mkdir(exist_ok=True)
    return raw, out


def polster_side(project: Path, raw: Path, out: Path, style: str, report: Path) -> PeakSide:
    """`run_polster.py --asset *gold_bench_<style>`: bronze, silver and gold of one style."""
    env = {
        "BENCH_RAW": str(raw),
        "POLSTER_BRONZE_RETENTION": "1",
        "DAGSTER_HOME": str(project / ".dagster"),
        "POLSTER_DATA_PATH": str(out / "polster"),
    }
    selection = f"*gold_bench_{style}"
    command = [project_python(project), "run_polster.py", "--asset", selection]
    return PeakSide(f"run_polster.py --asset {selection}", command, project, report, env)


def raw_polars_command(project: Path, raw: Path, out: Path, style: str) -> list[str]:
    script = str(SIDES / "raw_polars.py")
    return [project_python(project), script, style, str(raw), str(out)]


def raw_polars_label(style: str) -> str:
    return f"raw Polars script ({'scan/sink' if style == 'lazy' else 'read/write'})"


def data_measures(bench: Bench) -> list[Measure]:
    """Polster against the raw script, eager and lazy, at each `--rows` size."""
    scratch = bench.scratch
    project = data_project(bench.polster, scratch)
    measures = []
    for rows in bench.rows:
        raw, out = data_files(scratch, project_python(project), rows)
        bound, factor = (1.4, "1.4×") if rows < 50_000_000 else (1.15, "1.15×")
        for style, frame in STYLES.items():
            ours = polster_side(project, raw, out, style, scratch / f"data-{style}-ours.txt")
            peer = PeakSide(
                raw_polars_label(style),
                raw_polars_command(project, raw, out, style),
                project,
                scratch / f"data-{style}-peer.txt",
            )
            ours.versus = peer

            def meets(o: float, p: float, ours=ours, peer=peer, bound=bound) -> bool:
                rss = ours.peak_mib() <= 1.3 * peer.peak_mib()
                return o <= p + 1.5 and o <= bound * p and rss

            measures.append(
                Measure(
                    f"bronze → silver → gold, {rows:,} rows, {frame} assets",
                    ours,
                    peer,
                    f"≤ raw + 1.5 s and ≤ {factor}; peak RSS ≤ 1.3×",
                    meets,
                    lambda o, p: f" ({o - p:+.2f} s vs raw)",
                )
            )
    return measures


def floor_measures(bench: Bench) -> list[Measure]:
    """The fixed cost of a run: Polster's pipeline on 1,000 rows against the raw script;
    Dagster alone (no Polster code, nothing to compute) against importing Polars; and
    Polster's run against Dagster alone with the collector off (issue 13's floor row)."""
    scratch = bench.scratch
    project = data_project(bench.polster, scratch)
    python = project_python(project)
    raw, out = data_files(scratch, python, FLOOR_ROWS)
    folder = scratch / "floor"
    home = {"DAGSTER_HOME": str(empty_dagster_home(folder))}
    name = f"bronze → silver → gold, {FLOOR_ROWS:,} rows, pl.LazyFrame assets"
    context = "(context: fixed cost per run)"

    def floor_side(script: str) -> Side:
        return Side(f"python {script}", [python, str(SIDES / script)], folder, env=home)

    import_polars = [python, "-c", "import polars"]
    return [
        Measure(
            name,
            polster_side(project, raw, out, "lazy", scratch / "floor-ours.txt"),
            Side(raw_polars_label("lazy"), raw_polars_command(project, raw, out, "lazy"), project),
            context,
            always,
        ),
        *(
            Measure(
                f"{DAGSTER_ALONE}{how}",
                floor_side(script),
                Side("python -c 'import polars'", import_polars, folder),
                context,
                always,
            )
            for script, how in FLOORS.items()
        ),
        Measure(
            f"{name}, over Dagster alone (garbage collector off)",
            polster_side(project, raw, out, "lazy", scratch / "floor-over-ours.txt"),
            floor_side("dagster_floor_no_gc.py"),
            f"≤ Dagster alone + {FLOOR_ALLOWANCE} s",
            lambda ours, peer: ours <= peer + FLOOR_ALLOWANCE,
            lambda ours, peer: f" ({ours - peer:+.2f} s vs Dagster alone)",
        ),
    ]


def dagster_polars_measures(bench: Bench) -> list[Measure]:
    """Polster against the same assets stored by dagster-polars' PolarsParquetIOManager
    (Polars 1.x, in a side venv), eager and lazy, at each `--rows` size."""
    scratch = bench.scratch
    project = data_project(bench.polster, scratch)
    python = dagster_polars_venv(scratch, project_python(project))
    found = package_versions(python, "dagster-polars", "polars", "dagster")
    peer_name = (
        f"dagster-polars {found['dagster-polars']} PolarsParquetIOManager "
        f"(polars {found['polars']}, dagster {found['dagster']}, in-process execute_job)"
    )
    folder = scratch / "dagster-polars"
    home = empty_dagster_home(folder)
    measures = []
    for rows in bench.rows:
        raw, out = data_files(scratch, project_python(project), rows)
        env = {
            "BENCH_RAW": str(raw),
            "BENCH_OUT": str(out / "dagster-polars"),
            "DAGSTER_HOME": str(home),
            "PYTHONPATH": str(ASSETS),  # the bench assets, as `shop.defs.<layer>.bench`
        }
        for style, frame in STYLES.items():
            report = scratch / f"dagster-polars-{style}-ours.txt"
            ours = polster_side(project, raw, out, style, report)
            peer = PeakSide(
                peer_name,
                [python, str(SIDES / "dagster_polars_peer.py"), style],
                folder,
                scratch / f"dagster-polars-{style}-peer.txt",
                env,
            )
            ours.versus = peer
            measures.append(
                Measure(
                    f"bronze → silver → gold, {rows:,} rows, {frame} assets, vs dagster-polars",
                    ours,
                    peer,
                    "Polster faster",
                    lambda ours, peer: ours < peer,
                )
            )
    return measures
