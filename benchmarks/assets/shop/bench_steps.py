"""The transformations of the bench pipeline, the same for every side that runs it.

This tree (`benchmarks/assets/shop/`) is copied over a generated project's `src/shop/`, so
the bench assets import it as `shop.bench_steps`; the raw Polars script imports it from the
project too, and the dagster-polars peer straight from here (on its PYTHONPATH).
"""

from typing import TypeVar

import polars as pl

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def clean(frame: Frame) -> Frame:
    return frame.filter(pl.col("amount") > 0, pl.col("status") != "cancelled").with_columns(
        pl.col("amount").cast(pl.Float32),
        pl.col("quantity").cast(pl.Int32),
        pl.col("day").cast(pl.Date),
    )


def summarize(frame: Frame) -> Frame:
    return frame.group_by("customer", "day").agg(
        pl.len().alias("orders"),
        pl.col("amount").sum().alias("revenue"),
        pl.col("quantity").mean().alias("mean_quantity"),
    )
