"""Helpers for the connector tests: running an asset as a pipeline would, reading its record."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import dagster as dg
import pytest

PACKAGE = "connshop"
ASSETS = {"mysql": "customers", "rest-api": "orders", "sftp": "drops"}


def services_required() -> bool:
    """On CI every service must be there: a missing one fails instead of skipping."""
    return bool(os.environ.get("CI"))


def unavailable(reason: str) -> None:
    if services_required():
        pytest.fail(reason)
    pytest.skip(reason)


def materialize(
    asset: dg.AssetsDefinition,
    instance: dg.DagsterInstance,
    data: Path,
    *,
    full_refresh: bool | None = None,
) -> dg.ExecuteInProcessResult:
    """One run of `asset` with the project's own Parquet IO manager writing under `data`."""
    storage = importlib.import_module(f"{PACKAGE}.storage")
    key = asset.key.to_user_string()
    run_config = (
        {"ops": {key: {"config": {"full_refresh": full_refresh}}}}
        if full_refresh is not None
        else None
    )
    return dg.materialize(
        [asset],
        instance=instance,
        resources={"io_manager": storage.ParquetIOManager(base_path=str(data))},
        run_config=run_config,
    )


def recorded(result: dg.ExecuteInProcessResult, key: str) -> dict:
    """The metadata values of the run's materialization of `key`."""
    (materialization,) = result.asset_materializations_for_node(key)
    return {name: value.value for name, value in materialization.metadata.items()}
