"""The raw Polars peer of the bench pipeline: the bench assets' reads, steps and writes
(bronze, silver, gold Parquet files in OUT), without Dagster.

    python raw_polars.py eager|lazy RAW_PARQUET OUT

Run with a generated project's Python once the bench assets are in it (`shop.bench_steps`).
"""

import sys

import polars as pl

from shop import bench_steps


def eager(raw: str, out: str) -> None:
    pl.read_parquet(raw).write_parquet(f"{out}/bronze.parquet")
    bench_steps.clean(pl.read_parquet(f"{out}/bronze.parquet")).write_parquet(
        f"{out}/silver.parquet"
    )
    bench_steps.summarize(pl.read_parquet(f"{out}/silver.parquet")).write_parquet(
        f"{out}/gold.parquet"
    )


def lazy(raw: str, out: str) -> None:
    pl.scan_parquet(raw).sink_parquet(f"{out}/bronze.parquet")
    bench_steps.clean(pl.scan_parquet(f"{out}/bronze.parquet")).sink_parquet(
        f"{out}/silver.parquet"
    )
    bench_steps.summarize(pl.scan_parquet(f"{out}/silver.parquet")).sink_parquet(
        f"{out}/gold.parquet"
    )


if __name__ == "__main__":
    style, raw, out = sys.argv[1:]
    {"eager": eager, "lazy": lazy}[style](raw, out)
