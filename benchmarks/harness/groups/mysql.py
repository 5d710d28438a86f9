"""1,000,000 MySQL rows into Parquet: the mysql asset and connector of a generated project
against Polars' `read_database` (SQLAlchemy + pymysql, the same driver) and connectorx."""

from __future__ import annotations

import subprocess

from harness.measuring import Bench
from harness.paths import SIDES
from harness.projects import mysql_project, project_python
from harness.timing import Measure, MeteredSide, always

TABLE, ROWS = "polster_bench_1m", 1_000_000
SETTINGS = {"MYSQL_HOST": "127.0.0.1", "MYSQL_USER": "root", "MYSQL_DATABASE": "test"}
PEER_PACKAGES = ("sqlalchemy", "connectorx", "pyarrow")
COLUMNS = (
    "id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL, amount DECIMAL(12,2), score DOUBLE, "
    "active BOOLEAN NOT NULL, day DATE, updated_at DATETIME(6) NOT NULL, note TEXT NULL, "
    "small SMALLINT"
)
VALUES = (
    "seq, CONCAT('name-', seq), seq / 100, seq * 0.5, seq % 2, "
    "DATE_ADD('2024-01-01', INTERVAL seq % 365 DAY), "
    "TIMESTAMPADD(MICROSECOND, seq * 1000, '2024-01-01'), "
    "IF(seq % 10 = 0, NULL, REPEAT('x', seq % 50)), seq % 1000"
)


def make_table() -> None:
    """The table of ROWS rows in the local MariaDB's `test` database, made once."""
    mysql = ["mariadb", "--host=127.0.0.1", "--user=root", "test", "--batch", "--skip-column-names"]
    count = f"SELECT COUNT(*) FROM {TABLE}"
    found = subprocess.run([*mysql, "-e", count], capture_output=True, text=True)
    if found.returncode == 0 and found.stdout.strip() == str(ROWS):
        return
    script = (
        f"DROP TABLE IF EXISTS {TABLE}; CREATE TABLE {TABLE} ({COLUMNS}); "
        f"INSERT INTO {TABLE} SELECT {VALUES} FROM seq_1_to_{ROWS};"
    )
    subprocess.run([*mysql, "-e", script], check=True)


def mysql_measures(bench: Bench) -> list[Measure]:
    make_table()
    project = mysql_project(bench.polster, bench.scratch, PEER_PACKAGES)
    env = {**SETTINGS, "DAGSTER_HOME": str(project / ".dagster")}

    def side(label: str, reader: str) -> MeteredSide:
        command = [project_python(project), str(SIDES / "mysql_to_parquet.py"), reader, TABLE]
        report = bench.scratch / f"mysql-{reader}.json"
        return MeteredSide(label, command, project, report, ROWS, env)

    return [
        Measure(
            f"MySQL {ROWS:,} rows into bronze (asset, streamed)",
            side("dagster materialize of the mysql asset", "asset"),
            side("pl.read_database (SQLAlchemy + pymysql)", "read_database"),
            "≤ 1.0× the peer's time",
            lambda ours, peer: ours <= peer,
        ),
        Measure(
            f"MySQL {ROWS:,} rows, connector alone",
            side("mysql.read_query(...).sink_parquet", "connector"),
            side("pl.read_database_uri (connectorx)", "connectorx"),
            "(context: Rust reader, no query parameters)",
            always,
        ),
    ]
