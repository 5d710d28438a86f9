"""Polster's benchmarks: every measure against its peer, in the same run, alternating A/B.

    python benchmarks/run.py                 # everything, rewrites benchmarks/RESULTS.md
    python benchmarks/run.py --only help,init --runs 3 --output /tmp/r.md
    python benchmarks/run.py --only data --rows 1000000     # pipeline data sizes

Each measure: one warm-up of each side, then `--runs` rounds of A then B; the table
reports medians, min-max and the ratio polster / peer. Peers that need installing
(create-dagster, a generated project's venv) are set up with uv in a scratch folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
HISTORY = HERE / "history.md"


@dataclass
class Side:
    label: str
    command: Sequence[str]
    cwd: Path
    before_each: Callable[[], None] = lambda: None
    times: list[float] = field(default_factory=list)

    def run_once(self) -> float:
        self.before_each()
        start = time.perf_counter()
        result = subprocess.run(
            list(self.command),
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(self.command)} failed:\n{result.stderr[-2000:]}")
        return elapsed


@dataclass
class Measure:
    name: str
    ours: Side
    peer: Side
    target: str
    meets: Callable[[float, float], bool]
    # Shown next to yes/no, e.g. how far an absolute bound is from the medians.
    detail: Callable[[float, float], str] = lambda ours, peer: ""


def compare(measure: Measure, runs: int) -> None:
    measure.ours.run_once()
    measure.peer.run_once()
    for _ in range(runs):
        measure.ours.times.append(measure.ours.run_once())
        measure.peer.times.append(measure.peer.run_once())


def uv() -> str:
    import uv as uv_package

    return uv_package.find_uv_bin()


def project_python(project: Path) -> str:
    """The Python of a generated project's own .venv."""
    return str(project / ".venv" / "bin" / "python")


def empty_dagster_home(folder: Path) -> Path:
    """`folder/.dagster` with a dagster.yaml of no settings (SQLite storage in that folder)."""
    home = folder / ".dagster"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("# no settings: SQLite in this folder\n")
    return home


_POLSTER_PYTHON: list[str] = []


def install_polster(scratch: Path) -> None:
    """Build Polster's wheel and install it into a scratch venv: measure what users run."""
    venv = scratch / "polster-venv"
    if not (venv / "bin" / "polster").exists():
        dist = scratch / "dist"
        subprocess.run(
            [uv(), "build", "-q", "--wheel", "--out-dir", str(dist), str(REPO)], check=True
        )
        subprocess.run([uv(), "venv", "-q", "--python", sys.executable, str(venv)], check=True)
        wheel = max(dist.glob("polster-*.whl"), key=lambda p: p.stat().st_mtime)
        python = str(venv / "bin" / "python")
        subprocess.run(
            [uv(), "pip", "install", "-q", "--compile-bytecode", "--python", python, str(wheel)],
            check=True,
        )
    _POLSTER_PYTHON[:] = [str(venv / "bin" / "python")]


def polster_command(*args: str) -> list[str]:
    return [*_POLSTER_PYTHON, "-m", "polster", *args]


def fresh_dir(path: Path) -> Callable[[], None]:
    def reset() -> None:
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)

    return reset


def cli_measures(scratch: Path) -> list[Measure]:
    floor = [*_POLSTER_PYTHON, "-c", "import click"]
    return [
        Measure(
            "`polster --help`",
            Side("polster --help", polster_command("--help"), scratch),
            Side("python -c 'import click'", floor, scratch),
            "≤ 0.15 s",
            lambda ours, peer: ours <= 0.15,
        ),
        Measure(
            "`polster --version`",
            Side("polster --version", polster_command("--version"), scratch),
            Side("python -c 'import click'", floor, scratch),
            "≤ 0.15 s",
            lambda ours, peer: ours <= 0.15,
        ),
    ]


def init_measure(scratch: Path) -> Measure:
    peers = scratch / "peers"
    if not (peers / "bin" / "create-dagster").exists():
        subprocess.run([uv(), "venv", "-q", str(peers)], check=True)
        subprocess.run(
            [
                uv(),
                "pip",
                "install",
                "-q",
                "--python",
                str(peers / "bin" / "python"),
                "create-dagster",
            ],
            check=True,
        )
    ours_dir, peer_dir = scratch / "init-ours", scratch / "init-peer"
    return Measure(
        "`polster init` (no installs)",
        Side(
            "polster init shop --no-install-uv --no-git",
            polster_command("init", "shop", "--no-install-uv", "--no-git"),
            ours_dir,
            fresh_dir(ours_dir),
        ),
        Side(
            "create-dagster project shop",
            [str(peers / "bin" / "create-dagster"), "project", "shop", "--no-uv-sync"],
            peer_dir,
            fresh_dir(peer_dir),
        ),
        "≤ 1.0 s",
        lambda ours, peer: ours <= 1.0,
    )


def installed_project(folder: Path, *init_args: str) -> Path:
    """`polster init shop` (with its .venv) in `folder`, made once per scratch folder."""
    project = folder / "shop"
    if not (project / ".venv").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        subprocess.run(
            polster_command("init", "shop", "--yes", "--no-git", *init_args), cwd=folder, check=True
        )
    return project


def pipeline_measure(scratch: Path) -> Measure:
    project = installed_project(scratch / "pipeline")
    python = project_python(project)
    in_process = project / "in_process.yaml"
    in_process.write_text("execution:\n  config:\n    in_process: {}\n")
    dagster_home = project / ".dagster"
    env_prefix = ["env", f"DAGSTER_HOME={dagster_home}"]
    peer = [
        *env_prefix,
        python,
        "-m",
        "dagster",
        "asset",
        "materialize",
        "--select",
        "*",
        "-m",
        "shop.definitions",
        "-c",
        str(in_process),
    ]
    return Measure(
        "sample pipeline end to end",
        Side("python run_polster.py", [python, "run_polster.py"], project),
        Side("dagster asset materialize (in-process)", peer, project),
        "≤ 1.0× in-process",
        lambda ours, peer_time: ours <= peer_time,
    )


def dg_command(project: Path, *args: str) -> list[str]:
    """`dg ARGS` from the project's venv, as with that venv activated."""
    venv = project / ".venv"
    return ["env", f"VIRTUAL_ENV={venv}", str(venv / "bin" / "dg"), *args]


def remove_files(*paths: Path) -> Callable[[], None]:
    def reset() -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    return reset


def add_asset_measure(scratch: Path) -> Measure:
    project = installed_project(scratch / "add-asset")
    defs, tests = project / "src" / "shop" / "defs" / "silver", project / "tests" / "silver"
    ours = "add-asset --layer silver --name bench_polster --dependencies raw_orders"
    peer = ("scaffold", "defs", "dagster.asset", "silver/bench_dg.py")
    return Measure(
        "`polster add-asset`",
        Side(
            f"polster {ours}",
            polster_command(*ours.split()),
            project,
            remove_files(defs / "bench_polster.py", tests / "test_bench_polster.py"),
        ),
        Side(
            f"dg {' '.join(peer)}",
            dg_command(project, *peer),
            project,
            remove_files(defs / "bench_dg.py"),
        ),
        "≤ 0.5 s and ≤ 0.3×",
        lambda ours, peer: ours <= 0.5 and ours <= 0.3 * peer,
    )


# Adds `per_layer` assets to each layer of a project through Polster's own add-asset code
# and its blank template (one process instead of one `polster add-asset` per asset).
# Silver and gold assets read two upstream assets each, spread over the layer below.
POPULATE = """
import sys
from pathlib import Path
from polster import addition, catalog
from polster.project import load_project

project = load_project(Path(sys.argv[1]))
per_layer = int(sys.argv[2])
blank = catalog.available(project)["blank"]
files = {}
for layer, upstream in (("bronze", None), ("silver", "bronze"), ("gold", "silver")):
    for i in range(per_layer):
        reads = dict.fromkeys((i, (i * 7 + 3) % per_layer))
        keys = () if upstream is None else tuple(f"{upstream}_t{j:03d}" for j in reads)
        asset = addition.NewAsset(layer, f"t{i:03d}", keys, None, blank)
        files.update(addition.render(project, asset))
addition.write(project, files)
"""


def populate(project: Path, per_layer: int, python: Sequence[str]) -> None:
    subprocess.run([*python, "-c", POPULATE, str(project), str(per_layer)], check=True)


def large_project_measures(scratch: Path, per_layer: int = 300) -> list[Measure]:
    project = installed_project(scratch / f"assets-{per_layer}", "--no-sample-assets")
    if not (project / "src" / "shop" / "defs" / "gold" / f"t{per_layer - 1:03d}.py").exists():
        populate(project, per_layer, _POLSTER_PYTHON)
    size = f"{3 * per_layer} assets"
    return [
        Measure(
            f"`polster list-assets --format json`, {size}",
            Side(
                "polster list-assets --format json",
                polster_command("list-assets", "--format", "json"),
                project,
            ),
            Side("dg list defs --json", dg_command(project, "list", "defs", "--json"), project),
            "≤ 0.5 s and ≤ 0.1×",
            lambda ours, peer: ours <= 0.5 and ours <= 0.1 * peer,
        ),
        Measure(
            f"`polster validate`, {size}",
            Side("polster validate", polster_command("validate"), project),
            Side("dg check defs", dg_command(project, "check", "defs"), project),
            "≤ 0.5 s and ≤ 0.1×",
            lambda ours, peer: ours <= 0.5 and ours <= 0.1 * peer,
        ),
    ]


# ---------------------------------------------------------------- the MySQL connector

MYSQL_TABLE, MYSQL_ROWS = "polster_bench_1m", 1_000_000
MYSQL_ENV = {"MYSQL_HOST": "127.0.0.1", "MYSQL_USER": "root", "MYSQL_DATABASE": "test"}
# Each side reads the whole table into a Parquet file and writes {rows, seconds, peak} to the
# file named by BENCH_REPORT; peak is the process's maximum resident memory.
MYSQL_SIDES = {
    "asset": """
import dagster as dg
from shop.defs.bronze import bench_rows as module
from shop.storage import ParquetIOManager
module.QUERY = QUERY
manager = ParquetIOManager(base_path=OUT)
start()
dg.materialize([module.bronze_bench_rows], resources={"io_manager": manager})
""",
    "connector": """
from shop.connectors import mysql
start()
mysql.read_query(mysql.Settings.from_env(), QUERY).sink_parquet(OUT + "/out.parquet")
""",
    "read_database": """
import polars as pl
import sqlalchemy
engine = sqlalchemy.create_engine("mysql+pymysql://root@127.0.0.1:3306/test")
start()
pl.read_database(QUERY, engine).write_parquet(OUT + "/out.parquet")
""",
    "connectorx": """
import polars as pl
start()
frame = pl.read_database_uri(QUERY, "mysql://root@127.0.0.1:3306/test", engine="connectorx")
frame.write_parquet(OUT + "/out.parquet")
""",
}
MYSQL_FRAME = """
import glob, json, os, resource, shutil, sys, tempfile, time
import polars as pl
QUERY, OUT, REPORT = f"SELECT * FROM {sys.argv[1]}", tempfile.mkdtemp(), os.environ["BENCH_REPORT"]
began = []
def start():
    began.append(time.perf_counter())
%s
seconds = time.perf_counter() - began[0]
files = glob.glob(OUT + "/**/*.parquet", recursive=True)
rows = sum(pl.scan_parquet(f).select(pl.len()).collect().item() for f in files)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
shutil.rmtree(OUT)
json.dump({"rows": rows, "seconds": seconds, "peak_mib": peak}, open(REPORT, "w"))
"""
MYSQL_COLUMNS = (
    "id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL, amount DECIMAL(12,2), score DOUBLE, "
    "active BOOLEAN NOT NULL, day DATE, updated_at DATETIME(6) NOT NULL, note TEXT NULL, "
    "small SMALLINT"
)
MYSQL_VALUES = (
    "seq, CONCAT('name-', seq), seq / 100, seq * 0.5, seq % 2, "
    "DATE_ADD('2024-01-01', INTERVAL seq % 365 DAY), "
    "TIMESTAMPADD(MICROSECOND, seq * 1000, '2024-01-01'), "
    "IF(seq % 10 = 0, NULL, REPEAT('x', seq % 50)), seq % 1000"
)


class MeteredSide(Side):
    """A side whose command reports rows, seconds and peak memory; its label shows them."""

    def __init__(self, label: str, command: Sequence[str], cwd: Path, report: Path) -> None:
        super().__init__(label, command, cwd)
        self.report, self.reports = report, []

    @property
    def label(self) -> str:
        if not getattr(self, "reports", None):
            return self._label
        rate = statistics.median(r["rows"] / r["seconds"] for r in self.reports)
        peak = statistics.median(r["peak_mib"] for r in self.reports)
        return f"{self._label} ({rate:,.0f} rows/s, peak {peak:,.0f} MiB)"

    @label.setter
    def label(self, value: str) -> None:
        self._label = value

    def run_once(self) -> float:
        import json

        elapsed = super().run_once()
        reported = json.loads(self.report.read_text())
        if reported["rows"] != MYSQL_ROWS:
            raise RuntimeError(f"{self._label} read {reported['rows']} rows, not {MYSQL_ROWS}")
        self.reports.append(reported)
        return elapsed


def mysql_table() -> None:
    """The 1,000,000-row table in the local MariaDB's `test` database, made once."""
    mysql = ["mariadb", "--host=127.0.0.1", "--user=root", "test", "--batch", "--skip-column-names"]
    count = f"SELECT COUNT(*) FROM {MYSQL_TABLE}"
    found = subprocess.run([*mysql, "-e", count], capture_output=True, text=True)
    if found.returncode == 0 and found.stdout.strip() == str(MYSQL_ROWS):
        return
    script = (
        f"DROP TABLE IF EXISTS {MYSQL_TABLE}; CREATE TABLE {MYSQL_TABLE} ({MYSQL_COLUMNS}); "
        f"INSERT INTO {MYSQL_TABLE} SELECT {MYSQL_VALUES} FROM seq_1_to_{MYSQL_ROWS};"
    )
    subprocess.run([*mysql, "-e", script], check=True)


def mysql_measures(scratch: Path) -> list[Measure]:
    """1,000,000 MySQL rows into Parquet: the mysql asset and connector against Polars'
    `read_database` (SQLAlchemy + pymysql, the same driver) and connectorx."""
    mysql_table()
    project = installed_project(scratch / "mysql")
    python = project_python(project)
    if not (project / "src" / "shop" / "connectors" / "mysql.py").exists():
        add = ("add-asset", "--layer", "bronze", "--name", "bench_rows", "--template", "mysql")
        subprocess.run(polster_command(*add), cwd=project, check=True)
        peers = ["sqlalchemy", "connectorx", "pyarrow"]
        install = [uv(), "pip", "install", "-q", "--python", python, "-e", ".", *peers]
        subprocess.run(install, cwd=project, check=True)
    env = ["env", *(f"{name}={value}" for name, value in MYSQL_ENV.items())]
    env.append(f"DAGSTER_HOME={project / '.dagster'}")
    (project / ".dagster").mkdir(exist_ok=True)

    def side(label: str, kind: str) -> MeteredSide:
        report = scratch / f"mysql-{kind}.json"
        script = MYSQL_FRAME % MYSQL_SIDES[kind].strip()
        command = [*env, f"BENCH_REPORT={report}", python, "-c", script, MYSQL_TABLE]
        return MeteredSide(label, command, project, report)

    peer = side("pl.read_database (SQLAlchemy + pymysql)", "read_database")
    return [
        Measure(
            "MySQL 1,000,000 rows into bronze (asset, streamed)",
            side("dagster materialize of the mysql asset", "asset"),
            peer,
            "≤ 1.0× the peer's time",
            lambda ours, peer_time: ours <= peer_time,
        ),
        Measure(
            "MySQL 1,000,000 rows, connector alone",
            side("mysql.read_query(...).sink_parquet", "connector"),
            side("pl.read_database_uri (connectorx)", "connectorx"),
            "(context: Rust reader, no query parameters)",
            lambda ours, peer_time: True,
        ),
    ]


# ---------------------------------------------------------------- polster upgrade

UPGRADE_FROM, UPGRADE_ASSETS = "0.1.0", 100
# Puts into the template store named by POLSTER_TEMPLATE_STORE the project template as it was
# before 0.2.0 (tag v0.1.0, made by the upgrade tests' own `before_0_2_0`) and as installed
# (this Polster's tag), then copies the project at v0.1.0.
UPGRADE_SETUP = """
import sys
from pathlib import Path

import copier
from polster import template_store, templates

old, project, version, tests = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
sys.path.insert(0, tests)
from template_versions import before_0_2_0

old.mkdir(parents=True)
before_0_2_0(old)
template_store.ensure(template_store.TEMPLATES["project_template"], old, version)
source = templates.stored_source("project_template")
data = {"project_name": project.name, "sample_assets": False}
copier.run_copy(
    source, project, data=data, defaults=True, vcs_ref=f"v{version}", quiet=True, unsafe=True
)
"""
# The tag, in the project's repository, of the state every run starts from.
UPGRADE_START = "bench-before-upgrade"


def upgrade_project(folder: Path, env: Sequence[str]) -> Path:
    """A committed project made at template v0.1.0 with UPGRADE_ASSETS assets (99 through
    `populate`, one through `polster add-asset`), in `folder`; made once per scratch folder."""
    project = folder / "shop"
    tagged = ["git", "rev-parse", "--verify", "--quiet", f"refs/tags/{UPGRADE_START}"]
    made = project.is_dir() and subprocess.run(tagged, cwd=project, capture_output=True)
    if made and made.returncode == 0:
        return project
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    setup = [*env, *_POLSTER_PYTHON, "-c", UPGRADE_SETUP, str(folder / "template-old")]
    subprocess.run([*setup, str(project), UPGRADE_FROM, str(REPO / "tests")], check=True)
    per_layer = UPGRADE_ASSETS // 3
    populate(project, per_layer, [*env, *_POLSTER_PYTHON])
    for extra in range(UPGRADE_ASSETS - 3 * per_layer):
        add = ("add-asset", "--layer", "bronze", "--name", f"extra{extra}")
        subprocess.run([*env, *polster_command(*add)], cwd=project, check=True)
    identity = ["-c", "user.name=Polster bench", "-c", "user.email=bench@localhost"]
    for git in (
        ["init", "--quiet", "--initial-branch=main"],
        ["add", "--all"],
        [*identity, "commit", "--quiet", "--no-verify", "-m", "Before the upgrade"],
        ["tag", UPGRADE_START],
    ):
        subprocess.run(["git", *git], cwd=project, check=True)
    return project


def reset_project(project: Path) -> Callable[[], None]:
    """Put the project back to its pre-upgrade commit, nothing else in the folder."""

    def reset() -> None:
        for git in (["reset", "--quiet", "--hard", UPGRADE_START], ["clean", "-q", "-fdx"]):
            subprocess.run(["git", *git], cwd=project, check=True, capture_output=True)

    return reset


def upgrade_measures(scratch: Path) -> list[Measure]:
    """`polster upgrade` of a project made at template v0.1.0 with 100 assets, against plain
    `copier update` (the copier Polster installs) to the same tag in the same template store."""
    folder = scratch / "upgrade"
    env = ["env", f"POLSTER_TEMPLATE_STORE={folder / 'store'}"]
    project = upgrade_project(folder, env)
    target = f"v{polster_version()}"
    copier = str(Path(_POLSTER_PYTHON[0]).parent / "copier")
    peer = ["update", "--trust", "--defaults", "--quiet", "--conflict", "inline"]
    return [
        Measure(
            f"`polster upgrade`, {UPGRADE_ASSETS} assets, {UPGRADE_FROM} → {target[1:]}",
            Side(
                "polster upgrade --conflict inline",
                [*env, *polster_command("upgrade", "--conflict", "inline")],
                project,
                reset_project(project),
            ),
            Side(
                f"copier update --vcs-ref {target}",
                [*env, copier, *peer, "--vcs-ref", target],
                project,
                reset_project(project),
            ),
            "≤ 1.2×",
            lambda ours, peer: ours <= 1.2 * peer,
        )
    ]


# ---------------------------------------------------------------- bronze -> silver -> gold

DATA_ROWS: list[int] = []  # set by main() from --rows
# One bronze/silver/gold chain per style, written into a generated project; bronze reads the
# raw Parquet file named by BENCH_RAW.
DATA_ASSETS = {
    "bronze": """
import os
import dagster as dg
import polars as pl


@dg.asset(group_name="bronze")
def bronze_bench_eager() -> pl.DataFrame:
    return pl.read_parquet(os.environ["BENCH_RAW"])


@dg.asset(group_name="bronze")
def bronze_bench_lazy() -> pl.LazyFrame:
    return pl.scan_parquet(os.environ["BENCH_RAW"])
""",
    "silver": """
import dagster as dg
import polars as pl

from shop import bench_steps


@dg.asset(group_name="silver")
def silver_bench_eager(bronze_bench_eager: pl.DataFrame) -> pl.DataFrame:
    return bench_steps.clean(bronze_bench_eager)


@dg.asset(group_name="silver")
def silver_bench_lazy(bronze_bench_lazy: pl.LazyFrame) -> pl.LazyFrame:
    return bench_steps.clean(bronze_bench_lazy)
""",
    "gold": """
import dagster as dg
import polars as pl

from shop import bench_steps


@dg.asset(group_name="gold")
def gold_bench_eager(silver_bench_eager: pl.DataFrame) -> pl.DataFrame:
    return bench_steps.summarize(silver_bench_eager)


@dg.asset(group_name="gold")
def gold_bench_lazy(silver_bench_lazy: pl.LazyFrame) -> pl.LazyFrame:
    return bench_steps.summarize(silver_bench_lazy)
""",
}
# The transformations both sides apply (the raw script copies this text in).
DATA_STEPS = """
import polars as pl


def clean(frame):
    return frame.filter(pl.col("amount") > 0, pl.col("status") != "cancelled").with_columns(
        pl.col("amount").cast(pl.Float32),
        pl.col("quantity").cast(pl.Int32),
        pl.col("day").cast(pl.Date),
    )


def summarize(frame):
    return frame.group_by("customer", "day").agg(
        pl.len().alias("orders"),
        pl.col("amount").sum().alias("revenue"),
        pl.col("quantity").mean().alias("mean_quantity"),
    )
"""
DATA_RAW = {
    "eager": """
pl.read_parquet(RAW).write_parquet(f"{OUT}/bronze.parquet")
clean(pl.read_parquet(f"{OUT}/bronze.parquet")).write_parquet(f"{OUT}/silver.parquet")
summarize(pl.read_parquet(f"{OUT}/silver.parquet")).write_parquet(f"{OUT}/gold.parquet")
""",
    "lazy": """
pl.scan_parquet(RAW).sink_parquet(f"{OUT}/bronze.parquet")
clean(pl.scan_parquet(f"{OUT}/bronze.parquet")).sink_parquet(f"{OUT}/silver.parquet")
summarize(pl.scan_parquet(f"{OUT}/silver.parquet")).sink_parquet(f"{OUT}/gold.parquet")
""",
}
DATA_RAW_MAKE = """
import sys
import polars as pl
i = pl.int_range(int(sys.argv[2]), dtype=pl.Int64)
pl.select(
    order_id=i,
    customer=pl.format("c{}", i.hash(1) % 100_000),
    status=pl.lit(pl.Series(["paid", "shipped", "cancelled", "refunded"])).gather(i % 4),
    amount=(i.hash(2) % 100_000).cast(pl.Float64) / 100 - 50,
    quantity=(i.hash(3) % 20).cast(pl.Int64),
    day=pl.datetime(2024, 1, 1) + pl.duration(seconds=i % 31_536_000),
).write_parquet(sys.argv[1])
"""


class PeakSide(Side):
    """A side run under /usr/bin/time: its label also shows the median peak RSS."""

    def __init__(self, label: str, command: Sequence[str], cwd: Path, report: Path) -> None:
        timed = ["/usr/bin/time", "-f", "%M", "-o", str(report), *command]
        super().__init__(label, timed, cwd)
        self.report, self.peaks = report, []
        self.versus: PeakSide | None = None  # the peer whose peak this side's label compares

    @property
    def label(self) -> str:
        if not getattr(self, "peaks", None):
            return self._label
        ratio = f", {self.peak_mib() / self.versus.peak_mib():.2f}× peer" if self.versus else ""
        return f"{self._label} (peak RSS {self.peak_mib():,.0f} MiB{ratio})"

    @label.setter
    def label(self, value: str) -> None:
        self._label = value

    def peak_mib(self) -> float:
        return statistics.median(self.peaks) / 1024

    def run_once(self) -> float:
        elapsed = super().run_once()
        self.peaks.append(int(self.report.read_text().split()[-1]))  # KiB
        return elapsed


def data_measures(scratch: Path) -> list[Measure]:
    """bronze -> silver -> gold through Polster's assets and IO manager (run_polster.py)
    against a raw Polars script doing the same reads and writes, eager and lazy."""
    project = data_project(scratch)
    python = project_python(project)
    measures = []
    for rows in DATA_ROWS:
        raw, out = data_files(scratch, python, rows)
        bound, factor = (1.4, "1.4×") if rows < 50_000_000 else (1.15, "1.15×")
        for style in ("eager", "lazy"):
            frame = "pl.DataFrame" if style == "eager" else "pl.LazyFrame"
            ours = polster_data_side(project, raw, out, style, scratch / f"data-{style}-ours.txt")
            script = f"RAW, OUT = {str(raw)!r}, {str(out)!r}\n{DATA_STEPS}{DATA_RAW[style]}"
            peer = PeakSide(
                f"raw Polars script ({'scan/sink' if style == 'lazy' else 'read/write'})",
                [python, "-c", script],
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


def data_project(scratch: Path) -> Path:
    """The generated project (no sample assets) with the bench assets of DATA_ASSETS in it."""
    project = installed_project(scratch / "data", "--no-sample-assets")
    package = project / "src" / "shop"
    (package / "bench_steps.py").write_text(DATA_STEPS.lstrip())
    for layer, text in DATA_ASSETS.items():
        (package / "defs" / layer / "bench.py").write_text(text.lstrip())
    (project / ".dagster").mkdir(exist_ok=True)
    return project


def data_files(scratch: Path, python: str, rows: int) -> tuple[Path, Path]:
    """The raw Parquet file of `rows` rows (made once) and the output folder for that size."""
    raw = scratch / f"data-raw-{rows}.parquet"
    if not raw.exists():
        subprocess.run([python, "-c", DATA_RAW_MAKE, str(raw), str(rows)], check=True)
    out = scratch / f"data-out-{rows}"
    out.mkdir(exist_ok=True)
    return raw, out


def polster_data_side(project: Path, raw: Path, out: Path, style: str, report: Path) -> PeakSide:
    """`run_polster.py --asset *gold_bench_<style>`: bronze, silver and gold of one style."""
    python = project_python(project)
    env = ["env", f"BENCH_RAW={raw}", "POLSTER_BRONZE_RETENTION=1"]
    env += [f"DAGSTER_HOME={project / '.dagster'}", f"POLSTER_DATA_PATH={out / 'polster'}"]
    return PeakSide(
        f"run_polster.py --asset *gold_bench_{style}",
        [*env, python, "run_polster.py", "--asset", f"*gold_bench_{style}"],
        project,
        report,
    )


# How every Dagster peer script runs `peer_job` (selecting SELECTION), as run_polster.py runs
# its own: one in-process execute_job against the persistent instance in DAGSTER_HOME.
DAGSTER_PEER_MAIN = """

if __name__ == "__main__":
    run_config = {
        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
        "execution": {"config": {"in_process": {}}},
    }
    module = os.path.splitext(os.path.basename(__file__))[0]
    job = dg.build_reconstructable_job(
        module, "peer_job", reconstructor_working_directory=os.getcwd()
    )
    with dg.DagsterInstance.get() as instance:
        result = dg.execute_job(job, instance, run_config=run_config, asset_selection=SELECTION)
    sys.exit(0 if result.success else 1)
"""


# The peer: the same three assets (DATA_ASSETS' text, so the same annotations) stored by
# dagster-polars' PolarsParquetIOManager.
DAGSTER_POLARS_PINS = ("dagster-polars", "polars<2")  # plus dagster == the project's version
DAGSTER_POLARS_PEER = """
import os
import sys

import dagster as dg
from dagster_polars import PolarsParquetIOManager

import bench_assets


def peer_job():
    manager = PolarsParquetIOManager(base_dir=os.environ["BENCH_OUT"])
    defs = dg.Definitions(
        assets=dg.load_assets_from_modules([bench_assets]),
        resources={"io_manager": manager},
        jobs=[dg.define_asset_job("bench", selection=dg.AssetSelection.all())],
    )
    return defs.resolve_job_def("bench")


LAYERS = ("bronze", "silver", "gold")
SELECTION = [dg.AssetKey(f"{layer}_bench_{sys.argv[1]}") for layer in LAYERS]
"""


def package_versions(python: str, *packages: str) -> dict[str, str]:
    """The installed versions of `packages` in the venv of `python`."""
    script = "import sys, importlib.metadata as m\nfor p in sys.argv[1:]: print(m.version(p))"
    found = subprocess.run([python, "-c", script, *packages], capture_output=True, text=True)
    return dict(zip(packages, found.stdout.split(), strict=True))


def dagster_polars_peer(scratch: Path, project: Path) -> tuple[str, Path, dict[str, str]]:
    """A uv venv with dagster (the project's version), dagster-polars and Polars 1.x, and a
    folder holding the peer's modules; returns the venv's Python, that folder and the
    installed versions."""
    base_python = project_python(project)
    dagster = package_versions(base_python, "dagster")["dagster"]
    pins = [f"dagster=={dagster}", *DAGSTER_POLARS_PINS]
    venv = scratch / "dagster-polars-venv"
    python = str(venv / "bin" / "python")
    marker = venv / "bench-pins.txt"
    if not marker.exists() or marker.read_text() != " ".join(pins):
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([uv(), "venv", "-q", "--python", base_python, str(venv)], check=True)
        install = [uv(), "pip", "install", "-q", "--compile-bytecode", "--python", python, *pins]
        subprocess.run(install, check=True)
        marker.write_text(" ".join(pins))
    folder = scratch / "dagster-polars"
    empty_dagster_home(folder)
    (folder / "bench_steps.py").write_text(DATA_STEPS.lstrip())
    assets = "\n".join(text.lstrip() for text in DATA_ASSETS.values())
    assets = assets.replace("from shop import bench_steps", "import bench_steps")
    (folder / "bench_assets.py").write_text(assets)
    (folder / "bench_peer.py").write_text(DAGSTER_POLARS_PEER.lstrip() + DAGSTER_PEER_MAIN)
    found = package_versions(python, "dagster-polars", "polars", "dagster")
    return python, folder, found


def dagster_polars_measures(scratch: Path) -> list[Measure]:
    """bronze -> silver -> gold through Polster against the same assets stored by
    dagster-polars' PolarsParquetIOManager (Polars 1.x, in a side venv), eager and lazy."""
    project = data_project(scratch)
    python, folder, found = dagster_polars_peer(scratch, project)
    peer_name = (
        f"dagster-polars {found['dagster-polars']} PolarsParquetIOManager "
        f"(polars {found['polars']}, dagster {found['dagster']}, in-process execute_job)"
    )
    measures = []
    for rows in DATA_ROWS:
        raw, out = data_files(scratch, project_python(project), rows)
        env = ["env", f"BENCH_RAW={raw}", f"BENCH_OUT={out / 'dagster-polars'}"]
        env.append(f"DAGSTER_HOME={folder / '.dagster'}")
        for style in ("eager", "lazy"):
            frame = "pl.DataFrame" if style == "eager" else "pl.LazyFrame"
            report = scratch / f"dagster-polars-{style}-ours.txt"
            ours = polster_data_side(project, raw, out, style, report)
            peer = PeakSide(
                peer_name,
                [*env, python, "bench_peer.py", style],
                folder,
                scratch / f"dagster-polars-{style}-peer.txt",
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


# Dagster's own cost of a run, as a plain Dagster script pays it: importing Dagster, opening
# the SQLite instance and recording one in-process run of three assets that do nothing.
DAGSTER_FLOOR = """
import os
import sys

import dagster as dg


@dg.asset
def first() -> None: ...


@dg.asset(deps=[first])
def second() -> None: ...


@dg.asset(deps=[second])
def third() -> None: ...


def peer_job():
    every_asset = dg.define_asset_job("floor", selection=dg.AssetSelection.all())
    defs = dg.Definitions(assets=[first, second, third], jobs=[every_asset])
    return defs.resolve_job_def("floor")


SELECTION = None
"""
# The same, with the garbage-collector settings run_polster.py uses (here: off for the whole
# run), so that this row is the lower bound for any runner that records Dagster runs.
DAGSTER_FLOOR_NO_GC = """
import atexit
import gc

gc.disable()
atexit.register(gc.freeze)  # runs before the interpreter's last collection
"""
FLOOR_ROWS = 1_000
DAGSTER_ALONE = "Dagster alone: import, SQLite instance, one in-process run of 3 no-op assets"


def floor_measures(scratch: Path) -> list[Measure]:
    """The fixed cost of a run: Polster's pipeline on 1,000 rows against the raw script, and
    Dagster alone (no Polster code, nothing to compute) against importing Polars."""
    project = data_project(scratch)
    python = project_python(project)
    raw, out = data_files(scratch, python, FLOOR_ROWS)
    folder = scratch / "floor"
    dagster_home = empty_dagster_home(folder)
    (folder / "floor_peer.py").write_text(DAGSTER_FLOOR.lstrip() + DAGSTER_PEER_MAIN)
    no_gc = DAGSTER_FLOOR_NO_GC.lstrip() + DAGSTER_FLOOR + DAGSTER_PEER_MAIN
    (folder / "floor_peer_no_gc.py").write_text(no_gc)
    with_home = ["env", f"DAGSTER_HOME={dagster_home}", python]
    script = f"RAW, OUT = {str(raw)!r}, {str(out)!r}\n{DATA_STEPS}{DATA_RAW['lazy']}"
    context = "(context: fixed cost per run)"
    return [
        Measure(
            f"bronze → silver → gold, {FLOOR_ROWS:,} rows, pl.LazyFrame assets",
            polster_data_side(project, raw, out, "lazy", scratch / "floor-ours.txt"),
            Side("raw Polars script (scan/sink)", [python, "-c", script], project),
            context,
            lambda ours, peer: True,
        ),
        *(
            Measure(
                f"{DAGSTER_ALONE}{how}",
                Side(f"python {peer_script}", [*with_home, peer_script], folder),
                Side("python -c 'import polars'", [python, "-c", "import polars"], folder),
                context,
                lambda ours, peer: True,
            )
            for peer_script, how in (
                ("floor_peer.py", ""),
                ("floor_peer_no_gc.py", ", garbage collector off"),
            )
        ),
    ]


MEASURES: dict[str, Callable[[Path], list[Measure]]] = {
    "help": cli_measures,
    "init": lambda scratch: [init_measure(scratch)],
    "add-asset": lambda scratch: [add_asset_measure(scratch)],
    "list-validate": large_project_measures,
    "pipeline": lambda scratch: [pipeline_measure(scratch)],
    "mysql": mysql_measures,
    "data": data_measures,
    "floor": floor_measures,
    "dagster-polars": dagster_polars_measures,
    "upgrade": upgrade_measures,
}


def versions() -> str:
    import importlib.metadata as md

    found = []
    for package in ("copier", "click", "dagster", "polars"):
        try:
            found.append(f"{package} {md.version(package)}")
        except md.PackageNotFoundError:
            continue
    return ", ".join(found)


def polster_version() -> str:
    return subprocess.run(
        polster_command("--version"), capture_output=True, text=True, check=True
    ).stdout.split()[-1]


def seconds(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} s ({min(values):.3f}–{max(values):.3f})"


def report(measures: list[Measure], runs: int, arguments: Sequence[str]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Produced by `python benchmarks/run.py {' '.join(arguments)}` on "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}",
        f"- Python {platform.python_version()}; polster {polster_version()}; {versions()}",
        f"- Each side: one warm-up, then {runs} runs alternating with its peer; median (min–max).",
        "",
        "| measure | polster | peer | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for m in measures:
        ours, peer = statistics.median(m.ours.times), statistics.median(m.peer.times)
        met = ("yes" if m.meets(ours, peer) else "**no**") + m.detail(ours, peer)
        lines.append(
            f"| {m.name} | {m.ours.label}: {seconds(m.ours.times)} | {m.peer.label}: "
            f"{seconds(m.peer.times)} | {ours / peer:.2f}× | {m.target} | {met} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per side (default 5)")
    parser.add_argument("--only", default=",".join(MEASURES), help="comma-separated groups")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--scratch", type=Path, help="reuse this folder for peers and projects")
    parser.add_argument(
        "--rows",
        default="10000000,50000000",
        help="data and dagster-polars groups: comma-separated sizes (default 10000000,50000000)",
    )
    args = parser.parse_args(argv)
    groups = [g.strip() for g in args.only.split(",") if g.strip()]
    DATA_ROWS[:] = [int(n) for n in args.rows.replace("_", "").split(",") if n.strip()]
    unknown = sorted(set(groups) - set(MEASURES))
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; choose from {', '.join(MEASURES)}")
    with tempfile.TemporaryDirectory(prefix="polster-bench-") as tmp:
        scratch = args.scratch or Path(tmp)
        scratch.mkdir(parents=True, exist_ok=True)
        install_polster(scratch)
        measures = [m for group in groups for m in MEASURES[group](scratch)]
        for measure in measures:
            print(f"measuring {measure.name} ...", flush=True)
            compare(measure, args.runs)
        # Inside the block: the report asks the scratch venv's Polster for its version.
        text = report(measures, args.runs, sys.argv[1:] if argv is None else argv)
        if HISTORY.is_file():  # hand-kept before/after of each fix, carried into every report
            text += "\n" + HISTORY.read_text(encoding="utf-8")
        args.output.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
