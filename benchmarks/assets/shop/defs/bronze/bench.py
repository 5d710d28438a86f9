"""Bronze of the bench pipeline: the raw orders Parquet file named by BENCH_RAW."""

import os

import dagster as dg
import polars as pl


@dg.asset(group_name="bronze")
def bronze_bench_eager() -> pl.DataFrame:
    return pl.read_parquet(os.environ["BENCH_RAW"])


@dg.asset(group_name="bronze")
def bronze_bench_lazy() -> pl.LazyFrame:
    return pl.scan_parquet(os.environ["BENCH_RAW"])
