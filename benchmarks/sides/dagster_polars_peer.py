"""The dagster-polars peer: the bench assets (benchmarks/assets, on PYTHONPATH) stored by
dagster-polars' PolarsParquetIOManager under BENCH_OUT, one style's chain per run.

    python dagster_polars_peer.py eager|lazy
"""

import importlib
import os
import sys

import dagster as dg
from dagster_polars import PolarsParquetIOManager

import in_process_job

LAYERS = ("bronze", "silver", "gold")


def peer_job() -> dg.JobDefinition:
    modules = [importlib.import_module(f"shop.defs.{layer}.bench") for layer in LAYERS]
    defs = dg.Definitions(
        assets=dg.load_assets_from_modules(modules),
        resources={"io_manager": PolarsParquetIOManager(base_dir=os.environ["BENCH_OUT"])},
        jobs=[dg.define_asset_job("bench", selection=dg.AssetSelection.all())],
    )
    return defs.resolve_job_def("bench")


if __name__ == "__main__":
    style = sys.argv[1]
    in_process_job.run(__file__, [dg.AssetKey(f"{layer}_bench_{style}") for layer in LAYERS])
