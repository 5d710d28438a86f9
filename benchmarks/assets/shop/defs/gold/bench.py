"""Gold of the bench pipeline: orders, revenue and mean quantity per customer and day."""

import dagster as dg
import polars as pl

from shop import bench_steps


@dg.asset(group_name="gold")
def gold_bench_eager(silver_bench_eager: pl.DataFrame) -> pl.DataFrame:
    return bench_steps.summarize(silver_bench_eager)


@dg.asset(group_name="gold")
def gold_bench_lazy(silver_bench_lazy: pl.LazyFrame) -> pl.LazyFrame:
    return bench_steps.summarize(silver_bench_lazy)
