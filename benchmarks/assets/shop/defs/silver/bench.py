"""Silver of the bench pipeline: the orders cleaned."""

import dagster as dg
import polars as pl

from shop import bench_steps


@dg.asset(group_name="silver")
def silver_bench_eager(bronze_bench_eager: pl.DataFrame) -> pl.DataFrame:
    return bench_steps.clean(bronze_bench_eager)


@dg.asset(group_name="silver")
def silver_bench_lazy(bronze_bench_lazy: pl.LazyFrame) -> pl.LazyFrame:
    return bench_steps.clean(bronze_bench_lazy)
