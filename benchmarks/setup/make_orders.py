"""Write ROWS made-up orders (the bench pipeline's raw input) to the Parquet file PATH.

python make_orders.py PATH ROWS      # with a Python that has Polars installed
"""

import sys

import polars as pl


def make_orders(path: str, rows: int) -> None:
    i = pl.int_range(rows, dtype=pl.Int64)
    pl.select(
        order_id=i,
        customer=pl.format("c{}", i.hash(1) % 100_000),
        status=pl.lit(pl.Series(["paid", "shipped", "cancelled", "refunded"])).gather(i % 4),
        amount=(i.hash(2) % 100_000).cast(pl.Float64) / 100 - 50,
        quantity=(i.hash(3) % 20).cast(pl.Int64),
        day=pl.datetime(2024, 1, 1) + pl.duration(seconds=i % 31_536_000),
    ).write_parquet(path)


if __name__ == "__main__":
    make_orders(sys.argv[1], int(sys.argv[2]))
