"""Dagster alone: Dagster's own cost of a run, as a plain Dagster script pays it (importing
Dagster, opening the SQLite instance in DAGSTER_HOME, recording one in-process run of three
assets that do nothing)."""

import dagster as dg

import in_process_job


@dg.asset
def first() -> None: ...


@dg.asset(deps=[first])
def second() -> None: ...


@dg.asset(deps=[second])
def third() -> None: ...


def peer_job() -> dg.JobDefinition:
    every_asset = dg.define_asset_job("floor", selection=dg.AssetSelection.all())
    defs = dg.Definitions(assets=[first, second, third], jobs=[every_asset])
    return defs.resolve_job_def("floor")


if __name__ == "__main__":
    in_process_job.run(__file__)
