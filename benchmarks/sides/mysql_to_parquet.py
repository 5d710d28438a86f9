"""One side of the MySQL measures: read the whole table TABLE of the local MariaDB into
Parquet, then write {rows, seconds, peak_mib} to the file BENCH_REPORT names. `seconds` starts
once the reader is set up (imports and settings before it are not counted, the process's wall
time is); `peak_mib` is the process's maximum resident memory.

    python mysql_to_parquet.py asset|connector|read_database|connectorx TABLE

`asset` and `connector` run a generated project's mysql asset and connector (made by
`polster add-asset --template mysql`); run with that project's Python.
"""

import glob
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable

import polars as pl

SQLALCHEMY_URL = "mysql+pymysql://root@127.0.0.1:3306/test"  # the driver the connector uses
CONNECTORX_URI = "mysql://root@127.0.0.1:3306/test"

Read = Callable[[], object]


def asset(query: str, out: str) -> Read:
    import dagster as dg
    from shop.storage import ParquetIOManager

    from shop.defs.bronze import bench_rows as module

    module.QUERY = query
    manager = ParquetIOManager(base_path=out)
    return lambda: dg.materialize([module.bronze_bench_rows], resources={"io_manager": manager})


def connector(query: str, out: str) -> Read:
    from shop.connectors import mysql

    return lambda: mysql.read_query(mysql.Settings.from_env(), query).sink_parquet(
        f"{out}/out.parquet"
    )


def read_database(query: str, out: str) -> Read:
    import sqlalchemy

    engine = sqlalchemy.create_engine(SQLALCHEMY_URL)
    return lambda: pl.read_database(query, engine).write_parquet(f"{out}/out.parquet")


def connectorx(query: str, out: str) -> Read:
    return lambda: pl.read_database_uri(query, CONNECTORX_URI, engine="connectorx").write_parquet(
        f"{out}/out.parquet"
    )


READERS = {
    "asset": asset,
    "connector": connector,
    "read_database": read_database,
    "connectorx": connectorx,
}


def main(kind: str, table: str) -> None:
    out = tempfile.mkdtemp()
    read = READERS[kind](f"SELECT * FROM {table}", out)
    began = time.perf_counter()
    read()
    seconds = time.perf_counter() - began
    files = glob.glob(f"{out}/**/*.parquet", recursive=True)
    rows = sum(pl.scan_parquet(f).select(pl.len()).collect().item() for f in files)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    shutil.rmtree(out)
    with open(os.environ["BENCH_REPORT"], "w") as report:
        json.dump({"rows": rows, "seconds": seconds, "peak_mib": peak}, report)


if __name__ == "__main__":
    main(*sys.argv[1:])
